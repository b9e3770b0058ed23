// Winograd F(2×2, 3×3) for narrow layers, fused per block of 16 tiles (see fused_kernels.h).
//
// Lane t of every vector is one tile. Width 32: a block is tile row ty of the image (tiles
// tx = 0…15, patch rows 2ty − 1 … 2ty + 2). Width 16: lanes 0–7 are tile row 2p and lanes 8–15
// tile row 2p + 1. With `top` the first output row of the block, patch row k of the low lanes is
// image row top − 1 + k and of the high lanes image row top − 1 + k + shift (shift 0 for width
// 32, 2 for width 16), read from column offset 0 and `half` (16 for width 32, 0 for width 16):
// the two 16-float halves `lo`, `hi` hold the even and odd patch columns of both, which one
// two-source permute per parity separates. Rows outside the image are zeros.
//
// Input transform (the same order of operations as `Winograd.transformInput`): down the patch
// rows r0…r3, P0 = r0 − r2, P1 = r1 + r2, P2 = r2 − r1, P3 = r1 − r3; across, with columns
// a = 2t − 1, b = 2t, c = 2t + 1, d = 2t + 2 of P_i, V[4i …] = a − c, b + c, c − b, b − d
// (column 2t − 1 of the first tile and 2t + 2 of the last are padding: zeros).
// Products: M[ξ][o] = Σ_c u[ξ][o][c] · V[ξ][c], 16 output channels at a time, c ascending.
// Output transform (the order of `Winograd.transformOutput`): across, S_i = m0 + m1 + m2 (even
// output column) and m1 − m2 − m3 (odd), m_j = M[4i + j]; down, output row top gets
// S0 + S1 + S2 + bias and row top + 1 gets S1 − S2 − S3 + bias.
//
// Weight gradient: per block, V as above and dM = A dy Aᵀ (`output_gradient_block`), then per ξ
// and 16 input channels the block's V rows are transposed in registers (tile k of 16 channels
// per vector) and dU[ξ][o][c…c+15] += Σ_k dM[ξ][o][k] · Vᵀ[k], four output channels at a time.
#include "fused_kernels.h"

long masklab_fused_winograd_scratch(long channels, long out_channels) {
    return 256 * (channels + out_channels) + 16;
}

#if defined(__x86_64__)
#include <immintrin.h>
#include <stdint.h>

int masklab_fused_winograd_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? 1 : 0;
}

#define AVX512 __attribute__((target("avx512f")))
#include "products16.h"
#include "outer16.h"

// The constants the block functions share: permutes that split a block's two 16-float halves
// into even and odd patch columns, shift them by one tile, and interleave them back.
typedef struct {
    __m512i even, odd, right, left, low, high;
    __mmask16 notFirst, notLast;
    long shift, half, step;
} block_layout;

AVX512 static inline block_layout layout_for(long width) {
    const int wide = width == 32;
    block_layout l;
    l.even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    l.odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    l.right = _mm512_setr_epi32(0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14);
    l.left = _mm512_setr_epi32(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 15);
    l.low = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    l.high = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    l.notFirst = wide ? 0xFFFE : 0xFEFE;
    l.notLast = wide ? 0x7FFF : 0x7F7F;
    l.shift = wide ? 0 : 2;
    l.half = wide ? 16 : 0;
    l.step = wide ? 2 : 4;
    return l;
}

/// The input transform of the block whose first output row is `top`: `v [16, channels, 16]`.
AVX512 static inline void input_block(const float *x, long channels, long height, long width, long top,
                                      const block_layout *l, float *v) {
    const __m512 zero = _mm512_setzero_ps();
    const long plane = height * width, vStride = 16 * channels;
    for (long c = 0; c < channels; c++) {
        const float *xc = x + c * plane;
        __m512 lo[4], hi[4];
        for (int k = 0; k < 4; k++) {
            const long a = top - 1 + k, b = a + l->shift;
            lo[k] = a >= 0 && a < height ? _mm512_loadu_ps(xc + a * width) : zero;
            hi[k] = b >= 0 && b < height ? _mm512_loadu_ps(xc + b * width + l->half) : zero;
        }
        __m512 pl[4], ph[4];
        pl[0] = _mm512_sub_ps(lo[0], lo[2]); ph[0] = _mm512_sub_ps(hi[0], hi[2]);
        pl[1] = _mm512_add_ps(lo[1], lo[2]); ph[1] = _mm512_add_ps(hi[1], hi[2]);
        pl[2] = _mm512_sub_ps(lo[2], lo[1]); ph[2] = _mm512_sub_ps(hi[2], hi[1]);
        pl[3] = _mm512_sub_ps(lo[1], lo[3]); ph[3] = _mm512_sub_ps(hi[1], hi[3]);
        for (int i = 0; i < 4; i++) {
            const __m512 b = _mm512_permutex2var_ps(pl[i], l->even, ph[i]);
            const __m512 cc = _mm512_permutex2var_ps(pl[i], l->odd, ph[i]);
            const __m512 a = _mm512_maskz_permutexvar_ps(l->notFirst, l->right, cc);
            const __m512 d = _mm512_maskz_permutexvar_ps(l->notLast, l->left, b);
            float *o = v + 4 * i * vStride + 16 * c;
            _mm512_store_ps(o, _mm512_sub_ps(a, cc));
            _mm512_store_ps(o + vStride, _mm512_add_ps(b, cc));
            _mm512_store_ps(o + 2 * vStride, _mm512_sub_ps(cc, b));
            _mm512_store_ps(o + 3 * vStride, _mm512_sub_ps(b, d));
        }
    }
}

AVX512 void masklab_fused_winograd_image(const float *x, const float *u, const float *bias, long channels, long out_channels,
                                         long height, long width, float *y, float *scratch) {
    const block_layout l = layout_for(width);
    const long plane = height * width, shift = l.shift, half = l.half;
    float *v = (float *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    float *m = v + 256 * channels;
    const long vStride = 16 * channels, mStride = 16 * out_channels;

    for (long top = 0; top < height; top += l.step) {
        input_block(x, channels, height, width, top, &l, v);
        for (int xi = 0; xi < 16; xi++) {
            products16(v + xi * vStride, u + xi * out_channels * channels, channels, out_channels, m + xi * mStride);
        }
        for (long o = 0; o < out_channels; o++) {
            __m512 se[4], so[4];
            for (int i = 0; i < 4; i++) {
                const float *mi = m + 4 * i * mStride + 16 * o;
                const __m512 m0 = _mm512_load_ps(mi), m1 = _mm512_load_ps(mi + mStride);
                const __m512 m2 = _mm512_load_ps(mi + 2 * mStride), m3 = _mm512_load_ps(mi + 3 * mStride);
                se[i] = _mm512_add_ps(_mm512_add_ps(m0, m1), m2);
                so[i] = _mm512_sub_ps(_mm512_sub_ps(m1, m2), m3);
            }
            const __m512 bv = _mm512_set1_ps(bias ? bias[o] : 0.0f);
            const __m512 te = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(se[0], se[1]), se[2]), bv);
            const __m512 to = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(so[0], so[1]), so[2]), bv);
            const __m512 be = _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(se[1], se[2]), se[3]), bv);
            const __m512 bo = _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(so[1], so[2]), so[3]), bv);
            float *yo = y + o * plane;
            _mm512_storeu_ps(yo + top * width, _mm512_permutex2var_ps(te, l.low, to));
            _mm512_storeu_ps(yo + (top + shift) * width + half, _mm512_permutex2var_ps(te, l.high, to));
            _mm512_storeu_ps(yo + (top + 1) * width, _mm512_permutex2var_ps(be, l.low, bo));
            _mm512_storeu_ps(yo + (top + 1 + shift) * width + half, _mm512_permutex2var_ps(be, l.high, bo));
        }
    }
}

/// The output gradient's transform of the block whose first output row is `top`:
/// `dm [16, out_channels, 16]`, `dM = A dy Aᵀ` per tile. Down, from the tile's dy rows g0, g1:
/// `P0 = g0, P1 = g0 + g1, P2 = g0 − g1, P3 = −g1`; across, with `p`, `q` the tile's even and odd
/// column of `P_i`: `dM[4i …] = p, p + q, p − q, −q` (the order of `Winograd.transformOutputGradient`).
AVX512 static inline void output_gradient_block(const float *dy, long out_channels, long height, long width, long top,
                                                const block_layout *l, float *dm) {
    const long plane = height * width, mStride = 16 * out_channels;
    for (long o = 0; o < out_channels; o++) {
        const float *g = dy + o * plane;
        const __m512 lo0 = _mm512_loadu_ps(g + top * width), hi0 = _mm512_loadu_ps(g + (top + l->shift) * width + l->half);
        const __m512 lo1 = _mm512_loadu_ps(g + (top + 1) * width);
        const __m512 hi1 = _mm512_loadu_ps(g + (top + 1 + l->shift) * width + l->half);
        const __m512 e0 = _mm512_permutex2var_ps(lo0, l->even, hi0), q0 = _mm512_permutex2var_ps(lo0, l->odd, hi0);
        const __m512 e1 = _mm512_permutex2var_ps(lo1, l->even, hi1), q1 = _mm512_permutex2var_ps(lo1, l->odd, hi1);
        const __m512 zero = _mm512_setzero_ps();
        const __m512 pe[4] = {e0, _mm512_add_ps(e0, e1), _mm512_sub_ps(e0, e1), _mm512_sub_ps(zero, e1)};
        const __m512 pq[4] = {q0, _mm512_add_ps(q0, q1), _mm512_sub_ps(q0, q1), _mm512_sub_ps(zero, q1)};
        for (int i = 0; i < 4; i++) {
            float *d = dm + 4 * i * mStride + 16 * o;
            _mm512_store_ps(d, pe[i]);
            _mm512_store_ps(d + mStride, _mm512_add_ps(pe[i], pq[i]));
            _mm512_store_ps(d + 2 * mStride, _mm512_sub_ps(pe[i], pq[i]));
            _mm512_store_ps(d + 3 * mStride, _mm512_sub_ps(zero, pq[i]));
        }
    }
}

AVX512 void masklab_fused_winograd_weight_gradient(const float *x, const float *dy, long channels, long out_channels,
                                                   long height, long width, float *du, float *scratch) {
    const block_layout l = layout_for(width);
    float *v = (float *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    float *dm = v + 256 * channels;
    const long vStride = 16 * channels, mStride = 16 * out_channels;

    for (long top = 0; top < height; top += l.step) {
        input_block(x, channels, height, width, top, &l, v);
        output_gradient_block(dy, out_channels, height, width, top, &l, dm);
        for (int xi = 0; xi < 16; xi++) {
            const float *vx = v + xi * vStride, *mx = dm + xi * mStride;
            float *ux = du + xi * out_channels * channels;
            for (long cb = 0; cb < channels; cb += 16) {
                // vt[k]: tile k of channels cb … cb + 15.
                __m512 vt[16];
                for (int i = 0; i < 16; i++) vt[i] = _mm512_load_ps(vx + 16 * (cb + i));
                transpose16(vt);
                for (long o = 0; o < out_channels; o += 4) outer16x4(mx + 16 * o, 16, vt, ux + o * channels + cb, channels);
            }
        }
    }
}

#else

int masklab_fused_winograd_available(void) { return 0; }

void masklab_fused_winograd_image(const float *x, const float *u, const float *bias, long channels, long out_channels,
                                  long height, long width, float *y, float *scratch) {
    (void)x; (void)u; (void)bias; (void)channels; (void)out_channels; (void)height; (void)width; (void)y; (void)scratch;
    __builtin_trap();   // never called: masklab_fused_winograd_available() is 0 on this architecture
}

void masklab_fused_winograd_weight_gradient(const float *x, const float *dy, long channels, long out_channels,
                                            long height, long width, float *du, float *scratch) {
    (void)x; (void)dy; (void)channels; (void)out_channels; (void)height; (void)width; (void)du; (void)scratch;
    __builtin_trap();   // never called, as above
}

#endif
