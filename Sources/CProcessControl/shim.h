// Process control that Swift cannot call directly: `prctl` is variadic, so Swift does not import it.
#ifndef MASKLAB_PROCESS_CONTROL_H
#define MASKLAB_PROCESS_CONTROL_H

#include <signal.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
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

#endif
