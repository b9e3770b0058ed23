// Winograd F(4×4, 3×3)'s two weight transforms with AVX-512, 16 filters per vector (see
// fused_kernels.h): the forward's U = G g Gᵀ (also straight from the unflipped weights for the
// input gradient's flipped, transposed filters) and the weight gradient's dW += Gᵀ dU G.
//
// Each does the arithmetic of its Swift twin (`WinogradF4.transformWeightsPortable`,
// `WinogradF4.transformWeightGradientPortable`) in the same order, so the two give the same bits.
// Every filter's values depend on that filter only, so 16 lanes here and 8 there do not matter.
// Two details of Swift's order are kept on purpose:
//
// - Swift's `-v` on a SIMD vector is `0 − v` (it gives +0 for v = +0, where a sign flip gives −0),
//   so the negations here are subtractions from zero.
// - The constants are single-precision quotients, `1.0f / 6.0f` as Swift's `Float(1) / 6`.
//
// The forward transform loads each block's 144 taps (16 filters × 9, consecutive) as nine vectors
// and picks tap k of every filter out of them by two-source permutes; the flipped transform, whose
// 16 filters `W′[c][o] = flip(W[o][c])` lie 9·C floats apart, gathers them (tap k of W′[c][o] is
// float 9(o·C + c) + 8 − k). Both write U's 36 rows 16 filters at a time, by streaming stores when U
// is larger than 2²⁰ floats (ResNet-18 width 64's 256- and 512-channel layers): the GEMMs read
// it again chunk by chunk, beyond L2, and the stores then skip reading the lines first. The
// gradient transform reads dU's 36 rows 16 filters at a time, and adds the nine taps of the 16
// filters into their 144 consecutive floats of dW (one rounding per tap, as Swift's `+=`).
//
// Measured (perf, ResNet-18 width 64, 1 thread, 4 steps and the evaluation, session 35): the
// Swift `transformWeights` (forward and flipped filters together), `flipFilters` and
// `transformWeightGradient` took 1.95%, 0.23% and 1.14% of the samples; these kernels 0.16%
// (forward), 0.38% (flipped) and 0.71% (gradient). A first version with gathers for the forward
// transform and without streaming stores took 1.33% and 1.02%, more than Swift; one with
// scatters for the gradient transform 0.73%.
#include "fused_kernels.h"
#include <stdint.h>

// The bits equal the Swift twins' only if every multiply and add rounds on its own.
#pragma STDC FP_CONTRACT OFF
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f")))
#include "lanes16.h"


// `0 − v`, Swift's SIMD negation.
AVX512 static inline __m512 swift_negate(__m512 v) { return _mm512_sub_ps(_mm512_setzero_ps(), v); }

// `G · (a, b, d)ᵀ` as `WinogradF4.gTimes`: (a/4, −(s + b)/6, −(s − b)/6, e + f, e − f, d) with
// s = a + d, e = a/24 + d/6, f = b/12 (each division a product with the rounded constant).
AVX512 static inline void g_times(__m512 a, __m512 b, __m512 d, __m512 r[6]) {
    const __m512 sixth = _mm512_set1_ps(1.0f / 6.0f);
    const __m512 s = _mm512_add_ps(a, d);
    const __m512 e = _mm512_add_ps(_mm512_mul_ps(a, _mm512_set1_ps(1.0f / 24.0f)), _mm512_mul_ps(d, sixth));
    const __m512 f = _mm512_mul_ps(b, _mm512_set1_ps(1.0f / 12.0f));
    r[0] = _mm512_mul_ps(a, _mm512_set1_ps(0.25f));
    r[1] = _mm512_mul_ps(swift_negate(_mm512_add_ps(s, b)), sixth);
    r[2] = _mm512_mul_ps(swift_negate(_mm512_sub_ps(s, b)), sixth);
    r[3] = _mm512_add_ps(e, f);
    r[4] = _mm512_sub_ps(e, f);
    r[5] = d;
}

// `Gᵀ · (d0 … d5)ᵀ` as `WinogradF4.gTransposedTimes`: with s12 = d1 + d2, s34 = d3 + d4,
// (d0/4 − s12/6 + s34/24, (d2 − d1)/6 + (d3 − d4)/12, (s34 − s12)/6 + d5).
AVX512 static inline void g_transposed_times(const __m512 d[6], __m512 r[3]) {
    const __m512 sixth = _mm512_set1_ps(1.0f / 6.0f);
    const __m512 s12 = _mm512_add_ps(d[1], d[2]), s34 = _mm512_add_ps(d[3], d[4]);
    r[0] = _mm512_add_ps(_mm512_sub_ps(_mm512_mul_ps(d[0], _mm512_set1_ps(0.25f)), _mm512_mul_ps(s12, sixth)),
                         _mm512_mul_ps(s34, _mm512_set1_ps(1.0f / 24.0f)));
    r[1] = _mm512_add_ps(_mm512_mul_ps(_mm512_sub_ps(d[2], d[1]), sixth),
                         _mm512_mul_ps(_mm512_sub_ps(d[3], d[4]), _mm512_set1_ps(1.0f / 12.0f)));
    r[2] = _mm512_add_ps(_mm512_mul_ps(_mm512_sub_ps(s34, s12), sixth), d[5]);
}

// Whether a call's stores into U (`[36, filters]`, its first filter at `at`) go to memory by
// streaming stores: U larger than `stream_floats` (past L2, and the GEMMs read it chunk after
// chunk anyway) and every whole block's place in every row 64-byte aligned (`at` aligned and
// `filters` a multiple of 16); otherwise ordinary stores.
static const long stream_floats = 1L << 20;
static inline int streams(const float *at, long filters) {
    return 36 * filters > stream_floats && filters % 16 == 0 && ((uintptr_t)at & 63) == 0;
}

// U's 36 rows for 16 filters from their taps g[0…8]: the columns of g through G, then each row of
// the result through G again (`WinogradF4.transformWeightsPortable`'s order); row ξ at `u + ξ·ld`.
AVX512 static inline void store_transformed(const __m512 g[9], float *u, long ld, __mmask16 present, int stream) {
    __m512 c0[6], c1[6], c2[6];
    g_times(g[0], g[3], g[6], c0);
    g_times(g[1], g[4], g[7], c1);
    g_times(g[2], g[5], g[8], c2);
    for (int i = 0; i < 6; i++) {
        __m512 r[6];
        g_times(c0[i], c1[i], c2[i], r);
        for (int j = 0; j < 6; j++) {
            float *dst = u + (6 * i + j) * ld;
            if (present == 0xFFFF && stream) _mm512_stream_ps(dst, r[j]);
            else if (present == 0xFFFF) _mm512_storeu_ps(dst, r[j]);
            else _mm512_mask_storeu_ps(dst, present, r[j]);
        }
    }
}

AVX512 void masklab_f4_weight_transform(const float *weight, long filters, long first, long count, float *u) {
    // Tap k of lane l is float 9l + k of the block's 144: in vector (9l + k) / 16 of the nine
    // loaded, taken by two-source permutes from the pairs (v0, v1), (v2, v3), (v4, v5), (v6, v7)
    // and v8, the lanes of pair a being those with (9l + k) / 32 = a.
    __m512i index[9];
    __mmask16 pair[9][5];
    for (int k = 0; k < 9; k++) {
        int lanes[16];
        unsigned masks[5] = {0, 0, 0, 0, 0};
        for (int l = 0; l < 16; l++) {
            lanes[l] = (9 * l + k) & 31;
            masks[(9 * l + k) >> 5] |= 1u << l;
        }
        index[k] = _mm512_loadu_si512(lanes);
        for (int a = 0; a < 5; a++) pair[k][a] = (__mmask16)masks[a];
    }
    const int stream = streams(u + first, filters);
    for (long f = first; f < first + count; f += 16) {
        const long here = first + count - f;
        const __mmask16 present = first_lanes(here);
        const float *base = weight + 9 * f;
        __m512 v[9], g[9];
        for (int m = 0; m < 9; m++)
            v[m] = here >= 16 ? _mm512_loadu_ps(base + 16 * m) : _mm512_maskz_loadu_ps(first_lanes(9 * here - 16 * m), base + 16 * m);
        for (int k = 0; k < 9; k++) {
            __m512 t = _mm512_permutex2var_ps(v[0], index[k], v[1]);
            t = _mm512_mask_mov_ps(t, pair[k][1], _mm512_permutex2var_ps(v[2], index[k], v[3]));
            t = _mm512_mask_mov_ps(t, pair[k][2], _mm512_permutex2var_ps(v[4], index[k], v[5]));
            t = _mm512_mask_mov_ps(t, pair[k][3], _mm512_permutex2var_ps(v[6], index[k], v[7]));
            g[k] = _mm512_mask_mov_ps(t, pair[k][4], _mm512_permutexvar_ps(index[k], v[8]));
        }
        store_transformed(g, u + f, filters, present, stream);
    }
    if (stream) _mm_sfence();
}

AVX512 void masklab_f4_flipped_weight_transform(const float *weight, long out_channels, long channels, long first,
                                                long count, float *u) {
    const long filters = out_channels * channels;
    const int stream = streams(u + first, filters);
    for (long f = first; f < first + count; f += 16) {
        const __mmask16 present = first_lanes(first + count - f);
        // Filter f + l of the flipped set is W′[c][o] with c·O + o = f + l: its taps are W[o][c] reversed.
        int start[16];
        for (int l = 0; l < 16; l++) {
            const long flipped = f + l < first + count ? f + l : f;
            start[l] = (int)(9 * ((flipped % out_channels) * channels + flipped / out_channels) + 8);
        }
        const __m512i last = _mm512_loadu_si512(start);
        __m512 g[9];
        for (int k = 0; k < 9; k++)
            g[k] = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), present, _mm512_sub_epi32(last, _mm512_set1_epi32(k)),
                                            weight, 4);
        store_transformed(g, u + f, filters, present, stream);
    }
    if (stream) _mm_sfence();
}

AVX512 void masklab_f4_weight_gradient_transform(const float *du, long filters, long first, long count,
                                                 float *weight_grad) {
    // Float e of a block's 144 in dW is tap e % 9 of lane e / 9: its index in the taps laid out
    // tap by tap (16 floats each), for reading them back in dW's order.
    __m512i back[9];
    for (int m = 0; m < 9; m++) {
        int lanes[16];
        for (int q = 0; q < 16; q++) lanes[q] = ((16 * m + q) % 9) * 16 + (16 * m + q) / 9;
        back[m] = _mm512_loadu_si512(lanes);
    }
    float taps[9 * 16] __attribute__((aligned(64)));
    for (long f = first; f < first + count; f += 16) {
        const long here = first + count - f;
        const __mmask16 present = first_lanes(here);
        // t = Gᵀ D down each column j of D (rows i = 0…5); then row a of the filter gradient is Gᵀ
        // applied to row a of t (its six columns).
        __m512 t[6][3];
        for (int j = 0; j < 6; j++) {
            __m512 d[6];
            for (int i = 0; i < 6; i++) d[i] = _mm512_maskz_loadu_ps(present, du + (6 * i + j) * filters + f);
            g_transposed_times(d, t[j]);
        }
        for (int a = 0; a < 3; a++) {
            const __m512 row[6] = {t[0][a], t[1][a], t[2][a], t[3][a], t[4][a], t[5][a]};
            __m512 g[3];
            g_transposed_times(row, g);
            for (int b = 0; b < 3; b++) _mm512_store_ps(taps + 16 * (3 * a + b), g[b]);
        }
        // dW's 144 floats of the block (9 · `here` of them when partial), each plus its tap.
        float *base = weight_grad + 9 * f;
        for (int m = 0; m < 9; m++) {
            const __m512 add = _mm512_i32gather_ps(back[m], taps, 4);
            if (here >= 16) {
                _mm512_storeu_ps(base + 16 * m, _mm512_add_ps(_mm512_loadu_ps(base + 16 * m), add));
            } else {
                const __mmask16 lanes = first_lanes(9 * here - 16 * m);
                _mm512_mask_storeu_ps(base + 16 * m, lanes, _mm512_add_ps(_mm512_maskz_loadu_ps(lanes, base + 16 * m), add));
            }
        }
    }
}
#else
void masklab_f4_weight_transform(const float *weight, long filters, long first, long count, float *u) {
    (void)weight; (void)filters; (void)first; (void)count; (void)u;
    __builtin_trap();   // masklab_fused_winograd_available() is 0 here: never called
}
void masklab_f4_flipped_weight_transform(const float *weight, long out_channels, long channels, long first,
                                         long count, float *u) {
    (void)weight; (void)out_channels; (void)channels; (void)first; (void)count; (void)u;
    __builtin_trap();   // masklab_fused_winograd_available() is 0 here: never called
}
void masklab_f4_weight_gradient_transform(const float *du, long filters, long first, long count, float *weight_grad) {
    (void)du; (void)filters; (void)first; (void)count; (void)weight_grad;
    __builtin_trap();   // masklab_fused_winograd_available() is 0 here: never called
}
#endif
