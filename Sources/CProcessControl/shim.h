// Process control that Swift cannot call directly: `prctl` and `syscall` are variadic, so Swift
// does not import them.
#ifndef MASKLAB_PROCESS_CONTROL_H
#define MASKLAB_PROCESS_CONTROL_H

#include <signal.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

/// Asks the kernel to send `sig` to this process when its parent dies (Linux PR_SET_PDEATHSIG);
/// 0 on success, -1 where the platform has no such request.
static inline int masklab_set_parent_death_signal(int sig) {
#ifdef __linux__
    return prctl(PR_SET_PDEATHSIG, (unsigned long)sig, 0UL, 0UL, 0UL);
#else
    (void)sig;
    return -1;
#endif
}

/// Lets thread `tid` (0: the calling thread) run only on the CPUs whose bits are set in the
/// `words` 64-bit words of `mask` (Linux sched_setaffinity); 0 on success, -1 elsewhere.
/// The glibc wrapper needs _GNU_SOURCE, which the Swift module of glibc is not built with.
static inline long masklab_set_cpu_affinity(int tid, const unsigned long *mask, unsigned long words) {
#ifdef __linux__
    return syscall(SYS_sched_setaffinity, tid, words * sizeof(unsigned long), mask);
#else
    (void)tid; (void)mask; (void)words;
    return -1;
#endif
}

/// Reads the CPUs thread `tid` (0: the calling thread) may run on into `words` 64-bit words of
/// `mask`; the number of bytes the kernel wrote, or -1.
static inline long masklab_get_cpu_affinity(int tid, unsigned long *mask, unsigned long words) {
#ifdef __linux__
    return syscall(SYS_sched_getaffinity, tid, words * sizeof(unsigned long), mask);
#else
    (void)tid; (void)mask; (void)words;
    return -1;
#endif
}

/// The CPU the calling thread runs on now (Linux getcpu), or -1.
static inline int masklab_current_cpu(void) {
#ifdef __linux__
    unsigned cpu = 0;
    return syscall(SYS_getcpu, &cpu, (void *)0, (void *)0) == 0 ? (int)cpu : -1;
#else
    return -1;
#endif
}

#endif
