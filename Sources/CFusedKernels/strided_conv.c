// Direct stride-2 convolution (3×3 padding 1, or 1×1 padding 0): forward, weight gradient and
// input gradient, per block of 16 output pixels (see fused_kernels.h).
//
// Lane t of a block is output pixel b·16 + t of the image: with Wo the output width and R = 16/Wo
// rows per block, lane t is output row i0 + t / Wo, column t % Wo, where i0 = b·R. For a kernel
// row ky, the input row of output row i is r = 2i + ky − pad. Two vectors P, Q hold the 32 input
// values the block needs from those rows, R rows of 2·Wo values each (Wo 16: one 32-wide row,
// P its columns 0–15 and Q 16–31; Wo 8: P row r0, Q row r1; Wo 4: P rows r0 and r1, Q rows r2 and
// r3, 8 each). Columns 2j of every row are the `even` lanes of (P, Q), columns 2j + 1 the `odd`
// lanes, and columns 2j − 1 the odd lanes moved one lane right within each row of Wo lanes, zero
// at the row's first lane (the padding column). Rows above the image are zeros (only r = −1 for
// ky = 0 at the top; 2i + ky − 1 never passes the last row).
//
// The block's columns V[c·k·k + ky·k + kx][t] (im2col's, for these 16 pixels) stay in L1; the
// products are `products16` over K = C·k·k with the weight `[O, C·k·k]` as stored, and each
// output channel's 16 values are 16 consecutive floats of its output plane. The weight gradient
// transposes V 16 rows at a time in registers and adds the block's outer products with dy's
// rows into the gradient four output channels at a time (`outer16x4`, as the fused Winograd
// weight gradient does).
#include "fused_kernels.h"

long masklab_strided_conv_scratch(long channels, long kernel, long out_channels) {
    return 16 * (channels * kernel * kernel + out_channels) + 16;
}

int masklab_strided_conv_fits(long channels, long out_channels, long height, long width, long kernel) {
    const long ow = width / 2, oh = height / 2;
    if (kernel != 1 && kernel != 3) return 0;
    if (channels < 1 || out_channels < 16 || out_channels % 16 != 0) return 0;
    if (width % 2 != 0 || height % 2 != 0) return 0;
    if (ow != 16 && ow != 8 && ow != 4) return 0;
    return oh >= 16 / ow && oh % (16 / ow) == 0;
}

#if defined(__x86_64__)
#include <immintrin.h>
#include <stdint.h>

#define AVX512 __attribute__((target("avx512f")))
#include "products16.h"
#include "outer16.h"

/// `[a, b]` (AVX-512F has no 8-float insert; the 4-double one moves the same bits).
AVX512 static inline __m512 join8(__m256 a, __m256 b) {
    return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(a)), _mm256_castps_pd(b), 1));
}

/// The 32 input values of channel plane `xc` that kernel row `ky` needs for the block whose
/// first output row is `i0` (see the file's comment); rows above the image are zeros.
AVX512 static inline void block_rows(const float *xc, long width, long i0, long ky, long pad, __m512 *p, __m512 *q) {
    const long ow = width / 2;
    const __m512 zero = _mm512_setzero_ps();
    const long r0 = 2 * i0 + ky - pad;   // rows r0 + 2q, q < 16 / ow; only r0 can be −1
    if (ow == 16) {
        *p = r0 >= 0 ? _mm512_loadu_ps(xc + r0 * width) : zero;
        *q = r0 >= 0 ? _mm512_loadu_ps(xc + r0 * width + 16) : zero;
    } else if (ow == 8) {
        *p = r0 >= 0 ? _mm512_loadu_ps(xc + r0 * width) : zero;
        *q = _mm512_loadu_ps(xc + (r0 + 2) * width);
    } else {
        const __m256 z8 = _mm256_setzero_ps();
        const __m256 a = r0 >= 0 ? _mm256_loadu_ps(xc + r0 * width) : z8;
        *p = join8(a, _mm256_loadu_ps(xc + (r0 + 2) * width));
        *q = join8(_mm256_loadu_ps(xc + (r0 + 4) * width), _mm256_loadu_ps(xc + (r0 + 6) * width));
    }
}

/// The block's columns `v[c·k·k + ky·k + kx][t]` (im2col's rows for output pixels b·16 + t,
/// whose first output row is `i0`): 16 floats per row, 64-byte aligned.
AVX512 static inline void block_columns(const float *x, long channels, long height, long width, long kernel, long i0,
                                        float *v) {
    const long ow = width / 2, plane = height * width, pad = kernel / 2, taps = kernel * kernel;
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    const __m512i right = _mm512_setr_epi32(0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14);
    const __mmask16 notFirst = ow == 16 ? 0xFFFE : ow == 8 ? 0xFEFE : 0xEEEE;
    for (long c = 0; c < channels; c++) {
        const float *xc = x + c * plane;
        float *vc = v + 16 * taps * c;
        for (long ky = 0; ky < kernel; ky++) {
            __m512 p, q;
            block_rows(xc, width, i0, ky, pad, &p, &q);
            const __m512 e = _mm512_permutex2var_ps(p, even, q);
            if (kernel == 1) {
                _mm512_store_ps(vc, e);
            } else {
                const __m512 o = _mm512_permutex2var_ps(p, odd, q);
                float *vr = vc + 16 * 3 * ky;
                _mm512_store_ps(vr, _mm512_maskz_permutexvar_ps(notFirst, right, o));
                _mm512_store_ps(vr + 16, e);
                _mm512_store_ps(vr + 32, o);
            }
        }
    }
}

AVX512 void masklab_strided_conv_image(const float *x, const float *weight, const float *bias, long channels,
                                       long out_channels, long height, long width, long kernel, float *y,
                                       float *scratch) {
    const long ow = width / 2, oh = height / 2, outPlane = oh * ow;
    const long rows = 16 / ow, k = channels * kernel * kernel;
    float *v = (float *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    float *m = v + 16 * k;
    for (long b = 0; b < outPlane / 16; b++) {
        block_columns(x, channels, height, width, kernel, b * rows, v);
        products16(v, weight, k, out_channels, m);
        for (long o = 0; o < out_channels; o++) {
            __m512 r = _mm512_load_ps(m + 16 * o);
            if (bias) r = _mm512_add_ps(r, _mm512_set1_ps(bias[o]));
            _mm512_storeu_ps(y + o * outPlane + 16 * b, r);
        }
    }
}

AVX512 void masklab_strided_conv_weight_gradient_image(const float *x, const float *dy, long channels, long out_channels,
                                                       long height, long width, long kernel, float *dw, float *scratch) {
    const long ow = width / 2, oh = height / 2, outPlane = oh * ow;
    const long rows = 16 / ow, k = channels * kernel * kernel;
    float *v = (float *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    for (long b = 0; b < outPlane / 16; b++) {
        block_columns(x, channels, height, width, kernel, b * rows, v);
        const float *g = dy + 16 * b;   // row o of the block's output gradient: g + o · outPlane
        for (long kb = 0; kb < k; kb += 16) {
            // vt[t]: pixel t of column rows kb … kb + 15.
            __m512 vt[16];
            for (int i = 0; i < 16; i++) vt[i] = _mm512_load_ps(v + 16 * (kb + i));
            transpose16(vt);
            for (long o = 0; o < out_channels; o += 4) outer16x4(g + o * outPlane, outPlane, vt, dw + o * k + kb, k);
        }
    }
}

AVX512 void masklab_strided_conv_input_gradient_image(const float *dy, const float *weight_t, long channels,
                                                      long out_channels, long height, long width, long kernel, float *dx,
                                                      float *scratch) {
    const long ow = width / 2, oh = height / 2, outPlane = oh * ow, plane = height * width;
    const long rows = 16 / ow, pad = kernel / 2, taps = kernel * kernel, k = channels * taps;
    float *d = (float *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    float *g = d + 16 * out_channels;
    const __m512i left = _mm512_setr_epi32(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 15);
    const __m512i low = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i high = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    const __mmask16 notLast = ow == 16 ? 0x7FFF : ow == 8 ? 0x7F7F : 0x7777;
    const __m512 zero = _mm512_setzero_ps();
    for (long i = 0; i < channels * plane; i++) dx[i] = 0;
    for (long b = 0; b < outPlane / 16; b++) {
        const long i0 = b * rows;
        for (long o = 0; o < out_channels; o++) _mm512_store_ps(d + 16 * o, _mm512_loadu_ps(dy + o * outPlane + 16 * b));
        products16(d, weight_t, out_channels, k, g);   // g[c·k·k + t][lane] = Σ_o w[o][c·k·k + t] · dy[o][lane]
        for (long c = 0; c < channels; c++) {
            float *xc = dx + c * plane;
            const float *gc = g + 16 * taps * c;
            for (long ky = 0; ky < kernel; ky++) {
                __m512 e, odd;
                if (kernel == 1) {
                    e = _mm512_load_ps(gc);
                    odd = zero;
                } else {
                    const float *gr = gc + 16 * 3 * ky;
                    e = _mm512_load_ps(gr + 16);
                    // column 2j + 1 gets tap kx = 2 of pixel j and tap kx = 0 of pixel j + 1 (same row)
                    odd = _mm512_add_ps(_mm512_load_ps(gr + 32),
                                        _mm512_maskz_permutexvar_ps(notLast, left, _mm512_load_ps(gr)));
                }
                const __m512 lo = _mm512_permutex2var_ps(e, low, odd), hi = _mm512_permutex2var_ps(e, high, odd);
                const long r0 = 2 * i0 + ky - pad;
                if (ow == 16) {
                    if (r0 < 0) continue;
                    float *row = xc + r0 * width;
                    _mm512_storeu_ps(row, _mm512_add_ps(_mm512_loadu_ps(row), lo));
                    _mm512_storeu_ps(row + 16, _mm512_add_ps(_mm512_loadu_ps(row + 16), hi));
                } else if (ow == 8) {
                    if (r0 >= 0) {
                        float *row = xc + r0 * width;
                        _mm512_storeu_ps(row, _mm512_add_ps(_mm512_loadu_ps(row), lo));
                    }
                    float *next = xc + (r0 + 2) * width;
                    _mm512_storeu_ps(next, _mm512_add_ps(_mm512_loadu_ps(next), hi));
                } else {
                    // lo = rows r0, r0 + 2 and hi = rows r0 + 4, r0 + 6, 8 floats each
                    const __m256 parts[4] = { _mm512_castps512_ps256(lo), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(lo), 1)),
                                              _mm512_castps512_ps256(hi), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(hi), 1)) };
                    for (int q = 0; q < 4; q++) {
                        const long r = r0 + 2 * q;
                        if (r < 0) continue;
                        float *row = xc + r * width;
                        _mm256_storeu_ps(row, _mm256_add_ps(_mm256_loadu_ps(row), parts[q]));
                    }
                }
            }
        }
    }
}

#else

void masklab_strided_conv_weight_gradient_image(const float *x, const float *dy, long channels, long out_channels,
                                                long height, long width, long kernel, float *dw, float *scratch) {
    (void)x; (void)dy; (void)channels; (void)out_channels; (void)height; (void)width; (void)kernel; (void)dw; (void)scratch;
}

void masklab_strided_conv_input_gradient_image(const float *dy, const float *weight_t, long channels, long out_channels,
                                               long height, long width, long kernel, float *dx, float *scratch) {
    (void)dy; (void)weight_t; (void)channels; (void)out_channels; (void)height; (void)width; (void)kernel;
    (void)dx; (void)scratch;
}

void masklab_strided_conv_image(const float *x, const float *weight, const float *bias, long channels,
                                long out_channels, long height, long width, long kernel, float *y, float *scratch) {
    (void)x; (void)weight; (void)bias; (void)channels; (void)out_channels; (void)height; (void)width; (void)kernel;
    (void)y; (void)scratch;
}

#endif
