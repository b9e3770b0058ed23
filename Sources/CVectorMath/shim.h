// Vector arithmetic and floating-point control that Swift cannot express: a lane-wise square root
// that compiles to vector instructions, and flushing denormals to zero around one kernel.
#ifndef MASKLAB_VECTOR_MATH_H
#define MASKLAB_VECTOR_MATH_H

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

/// Eight floats; Swift imports it as `SIMD8<Float>`.
typedef float masklab_float8 __attribute__((ext_vector_type(8)));

/// The correctly rounded square root of every lane (IEEE 754, as `Float.squareRoot()` per lane:
/// the same bits), as vector instructions (`sqrtps`). Swift's `SIMD8<Float>.squareRoot()` takes
/// the lanes one at a time through the C library's `sqrtf`, whose `errno` contract keeps it
/// scalar; the element-wise builtin has no such contract.
static inline masklab_float8 masklab_sqrt8(masklab_float8 x) {
    return __builtin_elementwise_sqrt(x);
}

/// Turns on, for the calling thread, flush-to-zero and denormals-are-zero (x86: MXCSR FTZ and DAZ;
/// arm64: FPCR.FZ): a float result below 2^-126 in magnitude becomes ±0 and such an input counts as
/// ±0, so no operation takes the processor's slow path for denormal numbers. Returns the previous
/// control word for `masklab_flush_denormals_end`.
static inline unsigned long masklab_flush_denormals_begin(void) {
#if defined(__x86_64__) || defined(__i386__)
    unsigned int previous = _mm_getcsr();
    _mm_setcsr(previous | 0x8040u);
    __asm__ __volatile__("" : : : "memory");   // keep the kernel's loads and stores after the switch
    return previous;
#elif defined(__aarch64__)
    unsigned long previous;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(previous));
    __asm__ __volatile__("msr fpcr, %0" : : "r"(previous | (1ul << 24)) : "memory");
    return previous;
#else
    return 0;
#endif
}

/// Restores the control word `masklab_flush_denormals_begin` returned (exception flags raised
/// inside the kernel are dropped with it; nothing in MaskLab reads them).
static inline void masklab_flush_denormals_end(unsigned long previous) {
#if defined(__x86_64__) || defined(__i386__)
    __asm__ __volatile__("" : : : "memory");   // keep the kernel's loads and stores before the switch
    _mm_setcsr((unsigned int)previous);
#elif defined(__aarch64__)
    __asm__ __volatile__("msr fpcr, %0" : : "r"(previous) : "memory");
#else
    (void)previous;
#endif
}

/// Whether the calling thread flushes denormals now (for tests).
static inline int masklab_flushing_denormals(void) {
#if defined(__x86_64__) || defined(__i386__)
    return (_mm_getcsr() & 0x8040u) == 0x8040u;
#elif defined(__aarch64__)
    unsigned long v;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(v));
    return (v >> 24) & 1ul;
#else
    return 0;
#endif
}

#endif
