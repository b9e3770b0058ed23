// Table-driven gathers and scatter-adds of image planes for `Im2Col` (see fused_kernels.h).
//
// `offsets[q]` is the position inside the input plane that entry q of an output plane reads
// (−1: padding). AVX-512 and AVX2 versions gather 16 or 8 entries per instruction with the
// padding lanes masked off; the scalar loop serves other CPUs. Every version writes the same
// values: a gather copies, and a scatter-add adds each entry once, in entry order per offset
// table, so the result does not depend on which version ran.
#include "fused_kernels.h"

static void gather_planes_scalar(const float *src, long src_stride, long planes, const int *offsets, long plane,
                                 float *dst, long dst_stride) {
    for (long j = 0; j < planes; j++) {
        const float *s = src + j * src_stride;
        float *d = dst + j * dst_stride;
        for (long q = 0; q < plane; q++) d[q] = offsets[q] >= 0 ? s[offsets[q]] : 0.0f;
    }
}

static void col2im_plane_scalar(const float *cols, long row_stride, long kernel_area, const int *offsets, long plane,
                                float *dst, long dst_count) {
    for (long i = 0; i < dst_count; i++) dst[i] = 0.0f;
    for (long kk = 0; kk < kernel_area; kk++) {
        const float *s = cols + kk * row_stride;
        const int *t = offsets + kk * plane;
        for (long q = 0; q < plane; q++) if (t[q] >= 0) dst[t[q]] += s[q];
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

/// 2: AVX-512F, 1: AVX2, 0: neither.
static int supported_level(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? 2 : __builtin_cpu_supports("avx2") ? 1 : 0;
}

/// The version in use (−1 until the first call; threads that race store the same value).
static int current_level = -1;

static int gather_level(void) {
    int l = __atomic_load_n(&current_level, __ATOMIC_RELAXED);
    if (l < 0) {
        l = supported_level();
        __atomic_store_n(&current_level, l, __ATOMIC_RELAXED);
    }
    return l;
}

int masklab_gather_set_vector_width(int width) {
    const int wanted = width >= 16 ? 2 : width >= 8 ? 1 : 0, best = supported_level();
    __atomic_store_n(&current_level, wanted < best ? wanted : best, __ATOMIC_RELAXED);
    return masklab_gather_vector_width();
}

__attribute__((target("avx512f")))
static void gather_planes_avx512(const float *src, long src_stride, long planes, const int *offsets, long plane,
                                 float *dst, long dst_stride) {
    const __m512i zero = _mm512_setzero_si512();
    const long whole = plane & ~15L;
    const __mmask16 tail = (__mmask16)((1u << (plane - whole)) - 1u);
    for (long j = 0; j < planes; j++) {
        const float *s = src + j * src_stride;
        float *d = dst + j * dst_stride;
        for (long q = 0; q < whole; q += 16) {
            const __m512i ix = _mm512_loadu_si512((const void *)(offsets + q));
            const __mmask16 inside = _mm512_cmpge_epi32_mask(ix, zero);
            _mm512_storeu_ps(d + q, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), inside, ix, s, 4));
        }
        if (tail) {
            const __m512i ix = _mm512_maskz_loadu_epi32(tail, offsets + whole);
            const __mmask16 inside = _mm512_mask_cmpge_epi32_mask(tail, ix, zero);
            _mm512_mask_storeu_ps(d + whole, tail, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), inside, ix, s, 4));
        }
    }
}

__attribute__((target("avx512f")))
static void col2im_plane_avx512(const float *cols, long row_stride, long kernel_area, const int *offsets, long plane,
                                float *dst, long dst_count) {
    for (long i = 0; i < dst_count; i++) dst[i] = 0.0f;
    const __m512i zero = _mm512_setzero_si512();
    const long whole = plane & ~15L;
    const __mmask16 tail = (__mmask16)((1u << (plane - whole)) - 1u);
    for (long kk = 0; kk < kernel_area; kk++) {
        const float *s = cols + kk * row_stride;
        const int *t = offsets + kk * plane;
        // The entries of one table are distinct pixels, so a vector's lanes never collide.
        for (long q = 0; q < whole; q += 16) {
            const __m512i ix = _mm512_loadu_si512((const void *)(t + q));
            const __mmask16 inside = _mm512_cmpge_epi32_mask(ix, zero);
            const __m512 sum = _mm512_add_ps(_mm512_mask_i32gather_ps(_mm512_setzero_ps(), inside, ix, dst, 4),
                                             _mm512_loadu_ps(s + q));
            _mm512_mask_i32scatter_ps(dst, inside, ix, sum, 4);
        }
        if (tail) {
            const __m512i ix = _mm512_maskz_loadu_epi32(tail, t + whole);
            const __mmask16 inside = _mm512_mask_cmpge_epi32_mask(tail, ix, zero);
            const __m512 sum = _mm512_add_ps(_mm512_mask_i32gather_ps(_mm512_setzero_ps(), inside, ix, dst, 4),
                                             _mm512_maskz_loadu_ps(tail, s + whole));
            _mm512_mask_i32scatter_ps(dst, inside, ix, sum, 4);
        }
    }
}

__attribute__((target("avx2")))
static void gather_planes_avx2(const float *src, long src_stride, long planes, const int *offsets, long plane,
                               float *dst, long dst_stride) {
    const long whole = plane & ~7L;
    const __m256i minus = _mm256_set1_epi32(-1);
    for (long j = 0; j < planes; j++) {
        const float *s = src + j * src_stride;
        float *d = dst + j * dst_stride;
        for (long q = 0; q < whole; q += 8) {
            const __m256i ix = _mm256_loadu_si256((const __m256i *)(offsets + q));
            const __m256 inside = _mm256_castsi256_ps(_mm256_cmpgt_epi32(ix, minus));
            _mm256_storeu_ps(d + q, _mm256_mask_i32gather_ps(_mm256_setzero_ps(), s, ix, inside, 4));
        }
        for (long q = whole; q < plane; q++) d[q] = offsets[q] >= 0 ? s[offsets[q]] : 0.0f;
    }
}

void masklab_gather_planes(const float *src, long src_stride, long planes, const int *offsets, long plane,
                           float *dst, long dst_stride) {
    switch (gather_level()) {
    case 2: gather_planes_avx512(src, src_stride, planes, offsets, plane, dst, dst_stride); break;
    case 1: gather_planes_avx2(src, src_stride, planes, offsets, plane, dst, dst_stride); break;
    default: gather_planes_scalar(src, src_stride, planes, offsets, plane, dst, dst_stride);
    }
}

void masklab_col2im_plane(const float *cols, long row_stride, long kernel_area, const int *offsets, long plane,
                          float *dst, long dst_count) {
    // AVX2 has gathers but no scatters: it takes the scalar loop.
    if (gather_level() == 2) col2im_plane_avx512(cols, row_stride, kernel_area, offsets, plane, dst, dst_count);
    else col2im_plane_scalar(cols, row_stride, kernel_area, offsets, plane, dst, dst_count);
}

int masklab_gather_vector_width(void) { return gather_level() == 2 ? 16 : gather_level() == 1 ? 8 : 1; }

#else

void masklab_gather_planes(const float *src, long src_stride, long planes, const int *offsets, long plane,
                           float *dst, long dst_stride) {
    gather_planes_scalar(src, src_stride, planes, offsets, plane, dst, dst_stride);
}

void masklab_col2im_plane(const float *cols, long row_stride, long kernel_area, const int *offsets, long plane,
                          float *dst, long dst_count) {
    col2im_plane_scalar(cols, row_stride, kernel_area, offsets, plane, dst, dst_count);
}

int masklab_gather_vector_width(void) { return 1; }

int masklab_gather_set_vector_width(int width) { (void)width; return 1; }

#endif
