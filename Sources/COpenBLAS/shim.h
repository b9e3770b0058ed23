// The one place MaskLab sees OpenBLAS. Only TensorCore imports this module.
#pragma once
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <stddef.h>
#include <cblas.h>
// Declared by OpenBLAS's cblas.h; repeated here so the intent is visible.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_config(void);
char *openblas_get_corename(void);

/// Whether this CPU can run OpenBLAS's SkylakeX kernels: AVX-512 F, VL, BW, DQ and CD
/// (cpuid via the compiler's builtin, which also checks that the OS saves the zmm state).
static inline int masklab_cpu_has_avx512(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")
        && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq")
        && __builtin_cpu_supports("avx512cd");
}

/// Whether this CPU can run OpenBLAS's Haswell kernels: AVX2 and FMA.
static inline int masklab_cpu_has_avx2_fma(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

/// The path of the shared object that contains `address` (dladdr), or NULL.
static inline const char *masklab_library_containing(const void *address) {
    Dl_info info;
    if (address == NULL || dladdr(address, &info) == 0) return NULL;
    return info.dli_fname;
}

/// The path of the shared object that the process's global lookup binds `symbol` to, or NULL.
static inline const char *masklab_library_defining(const char *symbol) {
    void *handle = dlopen(NULL, RTLD_NOW);
    if (handle == NULL) return NULL;
    return masklab_library_containing(dlsym(handle, symbol));
}

/// The address of the cblas_sgemm this translation unit links to.
static inline const void *masklab_linked_sgemm(void) { return (const void *)&cblas_sgemm; }

// Not OpenBLAS, but the same kind of process fact, kept behind this one C shim.
#include <malloc.h>
/// Bytes the C heap has handed out and not freed (glibc mallinfo2: arenas + mmap'd blocks).
static inline size_t masklab_heap_bytes_in_use(void) {
    struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}
