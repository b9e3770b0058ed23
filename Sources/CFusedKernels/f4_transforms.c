// Winograd F(4×4, 3×3)'s three per-chunk transforms with AVX-512, 16 tiles per vector (see
// fused_kernels.h): the input transform, the output transform (one output channel per call; the
// caller applies the epilogue) and the weight gradient's output-gradient transform.
//
// Input transform: the same arithmetic, in the same order, as `WinogradF4.transformInputPortable`,
// so the two give the same bits. Per channel:
//
// - **Down** the patch rows r0…r5 of every tile row of the call (image rows 4ty − 1 … 4ty + 4,
//   zeros outside the image): P0 = 4r0 − 5r2 + r4, P1 = (r4 + r3) − 4(r1 + r2),
//   P2 = (r4 − r3) + 4(r1 − r2), P3 = (r4 − r2) + 2(r3 − r1), P4 = (r4 − r2) − 2(r3 − r1),
//   P5 = 4r1 − 5r3 + r5, 16 columns per vector. Each P_i is one flat row of `4 · tiles` floats:
//   tile row r's columns at `4 · tilesWide · r`, columns ≥ W zeros.
// - **Across**, 16 tiles per vector: tile t reads entries 4t − 1 … 4t + 4 of P_i. Four vectors
//   of 64 consecutive entries split by two rounds of two-source permutes into the entries
//   4t, 4t + 1, 4t + 2, 4t + 3 of 16 tiles (d1…d4); d0 is d4 one tile to the left (with entry
//   4t₀ − 1 in lane 0), d5 is d1 one tile to the right (entry 4t₀ + 64 in lane 15). Where the
//   tile is the first of its tile row d0 is the left padding, where it is the last d5 is the
//   right padding: zeros (masks). Then V[6i + j] = the same six combinations of d0…d5.
//
// The flat rows let the across pass use whole vectors on maps of any width: the portable
// version's across pass sweeps each tile row on its own, so on maps 8 and 4 wide (two tiles and
// one across) it runs one float at a time. (The down passes here use `width` lanes of 16 on maps
// narrower than 16, as the portable ones use 8 or 4.)
//
// Output-gradient transform (`WinogradF4.transformOutputGradientPortable`'s order): down the
// rows dy(4ty … 4ty + 3) of every tile row (zeros below the image) into the same flat rows with
// A = [1 0 0 0; 1 1 1 1; 1 −1 1 −1; 1 2 4 8; 1 −2 4 −8; 0 0 0 1], then across, 16 tiles per
// vector, entries 4t … 4t + 3 of Q_i through A again into dM[6i + j].
//
// Output transform (`WinogradF4.transformOutputPortable`'s order, without the epilogue): across,
// 16 tiles per vector, Q_i[4t + s] = Σ_j Aᵀ[s][j] M[6i + j][t] interleaved into the flat rows;
// down, output row 4ty + r = Σ_i Aᵀ[r][i] Q_i + bias, 16 columns per vector.
//
// The input and output-gradient transforms read their planes in the order (channel, image): each
// plane is a jump of `channels · plane` floats or more from the last, which the hardware
// prefetchers do not follow, so the plane ≈ 8 KiB ahead (2 planes of 32×32, 128 of 4×4) is
// prefetched line by line, spread over the tile rows. Why: on ResNet-18 width 64 the input
// transform spent most of its samples on its loads of `x` (perf annotate, session 34); in a probe
// of one 64-channel 32×32 layer the prefetch took the C input transform from 7.4–8.0 to 6.1 ms
// (two runs each; `results/bench/session34-f4-input/`).
#include "fused_kernels.h"
#include <stdint.h>

// The bits equal the Swift twins' only if every multiply and add rounds on its own: no fused
// multiply-add, whatever the compiler's default (GCC's GNU mode contracts; AVX-512F implies FMA).
#pragma STDC FP_CONTRACT OFF
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

// Floats of one flat P row: 4 per tile, entry −1 before it and a vector's overhang after it,
// rounded to whole 64-byte lines.
static long p_stride(long tiles) { return (4 * tiles + 96 + 15) / 16 * 16; }

long masklab_f4_transform_scratch(long tiles) { return 6 * p_stride(tiles) + 32; }

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f")))
#include "lanes16.h"

// Software prefetch of the plane `ahead` planes on in the (channel, image) order, `lines` cache
// lines spread over the `tileRows` tile rows of the current plane.
typedef struct {
    long plane, lines, ahead, tileRows;
} plane_prefetch;

static inline plane_prefetch prefetch_plan(long plane, long tileRows) {
    plane_prefetch p = {plane, (plane * 4 + 63) / 64, plane * 4 >= 8192 ? 1 : 8192 / (plane * 4), tileRows};
    return p;
}

// The plane to prefetch while plane (ch, j) of the call is transformed, or NULL past the last.
static inline const char *plane_ahead(const plane_prefetch *p, const float *base, long channels, long first_image,
                                      long images, long ch, long j) {
    const long next = ch * images + j + p->ahead;
    if (next >= channels * images) return 0;
    return (const char *)(base + ((first_image + next % images) * channels + next / images) * p->plane);
}

static inline void prefetch_rows(const plane_prefetch *p, const char *later, long ty) {
    if (!later) return;
    for (long line = ty * p->lines / p->tileRows; line < (ty + 1) * p->lines / p->tileRows; line++)
        _mm_prefetch(later + 64 * line, _MM_HINT_T0);
}

// The six flat rows of a call in its scratch: 64-byte aligned, entry −1 of the first readable.
static inline void flat_rows(float *scratch, long tiles, float *p[6]) {
    float *base = (float *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63) + 16;
    for (int i = 0; i < 6; i++) p[i] = base + i * p_stride(tiles);
}


// Stores the six down-pass vectors at entry `at` of the flat rows, the first `stored` lanes (all 16 when ≥ 16).
AVX512 static inline void store_flat(float *const p[6], long at, long stored, const __m512 o[6]) {
    if (stored >= 16) {
        for (int i = 0; i < 6; i++) _mm512_storeu_ps(p[i] + at, o[i]);
    } else {
        for (int i = 0; i < 6; i++) _mm512_mask_storeu_ps(p[i] + at, first_lanes(stored), o[i]);
    }
}

// Entries 4t + k (k = 0…3) of the 16 tiles whose entries start at `e` (64 floats, 64-byte
// aligned): two rounds of two-source permutes, first pairs of vectors into the entries ≡ 0, 1
// and ≡ 2, 3 (mod 4) of 8 tiles, then halves of two of those into one class of 16 tiles.
AVX512 static inline void load_quarters(const float *e, __m512 q[4]) {
    const __m512i split01 = _mm512_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
    const __m512i split23 = _mm512_setr_epi32(2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31);
    const __m512i lowHalves = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
    const __m512i highHalves = _mm512_setr_epi32(8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
    const __m512 e0 = _mm512_load_ps(e), e1 = _mm512_load_ps(e + 16), e2 = _mm512_load_ps(e + 32), e3 = _mm512_load_ps(e + 48);
    const __m512 a01 = _mm512_permutex2var_ps(e0, split01, e1), a23 = _mm512_permutex2var_ps(e0, split23, e1);
    const __m512 b01 = _mm512_permutex2var_ps(e2, split01, e3), b23 = _mm512_permutex2var_ps(e2, split23, e3);
    q[0] = _mm512_permutex2var_ps(a01, lowHalves, b01);
    q[1] = _mm512_permutex2var_ps(a01, highHalves, b01);
    q[2] = _mm512_permutex2var_ps(a23, lowHalves, b23);
    q[3] = _mm512_permutex2var_ps(a23, highHalves, b23);
}

// Stores six vectors of 16 tiles at `d`, `d + ld`, … `d + 5·ld`, the lanes of `present`.
AVX512 static inline void store_six(float *d, long ld, __mmask16 present, const __m512 o[6]) {
    if (present == 0xFFFF) {
        for (int j = 0; j < 6; j++) _mm512_storeu_ps(d + j * ld, o[j]);
    } else {
        for (int j = 0; j < 6; j++) _mm512_mask_storeu_ps(d + j * ld, present, o[j]);
    }
}

// The lanes of block `b` (tiles 16b …) that are tiles of a call of `tiles` tiles.
static inline __mmask16 present_lanes(long b, long tiles) { return first_lanes(tiles - 16 * b); }

// The six combinations of the transform, in the portable version's order of operations.
#define F4_COMBINE(a0, a1, a2, a3, a4, a5, out0, out1, out2, out3, out4, out5)                        \
    do {                                                                                                \
        const __m512 four = _mm512_set1_ps(4.0f), five = _mm512_set1_ps(5.0f), two = _mm512_set1_ps(2.0f); \
        out0 = _mm512_add_ps(_mm512_sub_ps(_mm512_mul_ps(four, a0), _mm512_mul_ps(five, a2)), a4);      \
        out1 = _mm512_sub_ps(_mm512_add_ps(a4, a3), _mm512_mul_ps(four, _mm512_add_ps(a1, a2)));        \
        out2 = _mm512_add_ps(_mm512_sub_ps(a4, a3), _mm512_mul_ps(four, _mm512_sub_ps(a1, a2)));        \
        out3 = _mm512_add_ps(_mm512_sub_ps(a4, a2), _mm512_mul_ps(two, _mm512_sub_ps(a3, a1)));         \
        out4 = _mm512_sub_ps(_mm512_sub_ps(a4, a2), _mm512_mul_ps(two, _mm512_sub_ps(a3, a1)));         \
        out5 = _mm512_add_ps(_mm512_sub_ps(_mm512_mul_ps(four, a1), _mm512_mul_ps(five, a3)), a5);      \
    } while (0)

AVX512 void masklab_f4_input_transform(const float *x, long channels, long height, long width, long first_image,
                                       long images, float *scratch, float *v) {
    if (channels <= 0 || height <= 0 || width <= 0 || images <= 0) return;
    const long th = (height + 3) / 4, tw = (width + 3) / 4, tiles = images * th * tw, ld = channels * tiles;
    const long plane = height * width, rowLength = 4 * tw, blocks = (tiles + 15) / 16;
    float *p[6];
    flat_rows(scratch, tiles, p);
    // Per block of 16 tiles, the lanes whose tile has a left / right neighbour in its tile row.
    __mmask16 notFirst[blocks], notLast[blocks];
    for (long b = 0; b < blocks; b++) {
        unsigned nf = 0, nl = 0;
        for (int l = 0; l < 16 && 16 * b + l < tiles; l++) {
            const long t = 16 * b + l;
            if (t % tw != 0) nf |= 1u << l;
            if (t % tw != tw - 1) nl |= 1u << l;
        }
        notFirst[b] = (__mmask16)nf;
        notLast[b] = (__mmask16)nl;
    }
    const __m512i right = _mm512_setr_epi32(16, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14);
    const __m512i left = _mm512_setr_epi32(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
    const __m512 zero = _mm512_setzero_ps();
    const plane_prefetch ahead = prefetch_plan(plane, th);

    for (long ch = 0; ch < channels; ch++) {
        for (long j = 0; j < images; j++) {
            const float *in = x + ((first_image + j) * channels + ch) * plane;
            const char *later = plane_ahead(&ahead, x, channels, first_image, images, ch, j);
            for (long ty = 0; ty < th; ty++) {
                prefetch_rows(&ahead, later, ty);
                const float *rows[6];
                for (int k = 0; k < 6; k++) {
                    const long y = 4 * ty - 1 + k;
                    rows[k] = y >= 0 && y < height ? in + y * width : 0;
                }
                const long at = (j * th + ty) * rowLength;
                for (long col = 0; col < rowLength; col += 16) {
                    const __mmask16 load = first_lanes(width - col);
                    __m512 a[6], o[6];
                    for (int k = 0; k < 6; k++) a[k] = rows[k] ? _mm512_maskz_loadu_ps(load, rows[k] + col) : zero;
                    F4_COMBINE(a[0], a[1], a[2], a[3], a[4], a[5], o[0], o[1], o[2], o[3], o[4], o[5]);
                    store_flat(p, at + col, rowLength - col, o);
                }
            }
        }
        for (int i = 0; i < 6; i++) {
            float *out = v + 6 * i * ld + ch * tiles;
            for (long b = 0; b < blocks; b++) {
                const float *e = p[i] + 64 * b;
                __m512 q[4], o[6];
                load_quarters(e, q);
                const __m512 d0 = _mm512_maskz_mov_ps(notFirst[b], _mm512_permutex2var_ps(q[3], right, _mm512_set1_ps(e[-1])));
                const __m512 d5 = _mm512_maskz_mov_ps(notLast[b], _mm512_permutex2var_ps(q[0], left, _mm512_set1_ps(e[64])));
                F4_COMBINE(d0, q[0], q[1], q[2], q[3], d5, o[0], o[1], o[2], o[3], o[4], o[5]);
                store_six(out + 16 * b, ld, present_lanes(b, tiles), o);
            }
        }
    }
}

// A · (a0, a1, a2, a3)ᵀ in `WinogradF4.aTimes`'s order of operations.
#define F4_A_TIMES(a0, a1, a2, a3, out0, out1, out2, out3, out4, out5)                                  \
    do {                                                                                                \
        const __m512 even = _mm512_add_ps(a0, a2), odd = _mm512_add_ps(a1, a3);                         \
        const __m512 evenFour = _mm512_add_ps(a0, _mm512_mul_ps(_mm512_set1_ps(4.0f), a2));             \
        const __m512 oddEight = _mm512_add_ps(_mm512_mul_ps(_mm512_set1_ps(2.0f), a1),                  \
                                              _mm512_mul_ps(_mm512_set1_ps(8.0f), a3));                 \
        out0 = a0;                                                                                      \
        out1 = _mm512_add_ps(even, odd);                                                                \
        out2 = _mm512_sub_ps(even, odd);                                                                \
        out3 = _mm512_add_ps(evenFour, oddEight);                                                       \
        out4 = _mm512_sub_ps(evenFour, oddEight);                                                       \
        out5 = a3;                                                                                      \
    } while (0)

AVX512 void masklab_f4_output_gradient_transform(const float *dy, long out_channels, long height, long width,
                                                 long first_image, long images, float *scratch, float *dm) {
    if (out_channels <= 0 || height <= 0 || width <= 0 || images <= 0) return;
    const long th = (height + 3) / 4, tw = (width + 3) / 4, tiles = images * th * tw, ld = out_channels * tiles;
    const long plane = height * width, rowLength = 4 * tw, blocks = (tiles + 15) / 16;
    float *p[6];
    flat_rows(scratch, tiles, p);
    const __m512 zero = _mm512_setzero_ps();
    const plane_prefetch ahead = prefetch_plan(plane, th);

    for (long ch = 0; ch < out_channels; ch++) {
        for (long j = 0; j < images; j++) {
            const float *in = dy + ((first_image + j) * out_channels + ch) * plane;
            const char *later = plane_ahead(&ahead, dy, out_channels, first_image, images, ch, j);
            for (long ty = 0; ty < th; ty++) {
                prefetch_rows(&ahead, later, ty);
                const float *rows[4];
                for (int k = 0; k < 4; k++) rows[k] = 4 * ty + k < height ? in + (4 * ty + k) * width : 0;
                const long at = (j * th + ty) * rowLength;
                for (long col = 0; col < rowLength; col += 16) {
                    const __mmask16 load = first_lanes(width - col);
                    __m512 a[4], o[6];
                    for (int k = 0; k < 4; k++) a[k] = rows[k] ? _mm512_maskz_loadu_ps(load, rows[k] + col) : zero;
                    F4_A_TIMES(a[0], a[1], a[2], a[3], o[0], o[1], o[2], o[3], o[4], o[5]);
                    store_flat(p, at + col, rowLength - col, o);
                }
            }
        }
        for (int i = 0; i < 6; i++) {
            float *out = dm + 6 * i * ld + ch * tiles;
            for (long b = 0; b < blocks; b++) {
                __m512 q[4], o[6];
                load_quarters(p[i] + 64 * b, q);
                F4_A_TIMES(q[0], q[1], q[2], q[3], o[0], o[1], o[2], o[3], o[4], o[5]);
                store_six(out + 16 * b, ld, present_lanes(b, tiles), o);
            }
        }
    }
}

// Aᵀ · (a0 … a5)ᵀ in `WinogradF4.transformOutputPortable`'s order of operations (both passes).
AVX512 static inline void at_times(const __m512 a[6], __m512 q[4]) {
    const __m512 plus12 = _mm512_add_ps(a[1], a[2]), minus12 = _mm512_sub_ps(a[1], a[2]);
    const __m512 plus34 = _mm512_add_ps(a[3], a[4]), minus34 = _mm512_sub_ps(a[3], a[4]);
    q[0] = _mm512_add_ps(_mm512_add_ps(a[0], plus12), plus34);
    q[1] = _mm512_add_ps(minus12, _mm512_mul_ps(_mm512_set1_ps(2.0f), minus34));
    q[2] = _mm512_add_ps(plus12, _mm512_mul_ps(_mm512_set1_ps(4.0f), plus34));
    q[3] = _mm512_add_ps(_mm512_add_ps(minus12, _mm512_mul_ps(_mm512_set1_ps(8.0f), minus34)), a[5]);
}

AVX512 void masklab_f4_output_transform_channel(const float *m, long out_channels, long height, long width,
                                                long first_image, long images, long channel, float bias, float *scratch,
                                                float *y) {
    if (height <= 0 || width <= 0 || images <= 0) return;
    const long th = (height + 3) / 4, tw = (width + 3) / 4, tiles = images * th * tw, ld = out_channels * tiles;
    const long plane = height * width, rowLength = 4 * tw, blocks = (tiles + 15) / 16;
    float *p[6];
    flat_rows(scratch, tiles, p);
    const __m512i pairsLow = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i pairsHigh = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    const __m512i quadsLow = _mm512_setr_epi32(0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
    const __m512i quadsHigh = _mm512_setr_epi32(8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31);
    const __m512 b = _mm512_set1_ps(bias);
    // Across: Q_i[4t + s] = Σ_j Aᵀ[s][j] M[6i + j][t], 16 tiles at a time, interleaved by 4 (the
    // inverse of `load_quarters`) into the flat rows.
    for (int i = 0; i < 6; i++) {
        const float *src = m + 6 * i * ld + channel * tiles;
        for (long blk = 0; blk < blocks; blk++) {
            const __mmask16 present = present_lanes(blk, tiles);
            __m512 a[6], q[4];
            for (int j = 0; j < 6; j++) a[j] = _mm512_maskz_loadu_ps(present, src + j * ld + 16 * blk);
            at_times(a, q);
            const __m512 lo01 = _mm512_permutex2var_ps(q[0], pairsLow, q[1]), hi01 = _mm512_permutex2var_ps(q[0], pairsHigh, q[1]);
            const __m512 lo23 = _mm512_permutex2var_ps(q[2], pairsLow, q[3]), hi23 = _mm512_permutex2var_ps(q[2], pairsHigh, q[3]);
            float *d = p[i] + 64 * blk;
            _mm512_store_ps(d, _mm512_permutex2var_ps(lo01, quadsLow, lo23));
            _mm512_store_ps(d + 16, _mm512_permutex2var_ps(lo01, quadsHigh, lo23));
            _mm512_store_ps(d + 32, _mm512_permutex2var_ps(hi01, quadsLow, hi23));
            _mm512_store_ps(d + 48, _mm512_permutex2var_ps(hi01, quadsHigh, hi23));
        }
    }
    // Down: output row 4ty + r = Σ_i Aᵀ[r][i] Q_i + bias; rows and columns outside the image dropped.
    for (long j = 0; j < images; j++) {
        float *out = y + ((first_image + j) * out_channels + channel) * plane;
        for (long ty = 0; ty < th; ty++) {
            const long at = (j * th + ty) * rowLength, outRows = height - 4 * ty < 4 ? height - 4 * ty : 4;
            float *top = out + 4 * ty * width;
            for (long col = 0; col < width; col += 16) {
                const __mmask16 store = first_lanes(width - col);
                __m512 a[6], r[4];
                for (int i = 0; i < 6; i++) a[i] = _mm512_loadu_ps(p[i] + at + col);
                at_times(a, r);
                for (long k = 0; k < outRows; k++) {
                    const __m512 value = _mm512_add_ps(r[k], b);
                    if (store == 0xFFFF) _mm512_storeu_ps(top + k * width + col, value);
                    else _mm512_mask_storeu_ps(top + k * width + col, store, value);
                }
            }
        }
    }
}
#else
void masklab_f4_output_transform_channel(const float *m, long out_channels, long height, long width, long first_image,
                                         long images, long channel, float bias, float *scratch, float *y) {
    (void)m; (void)out_channels; (void)height; (void)width; (void)first_image; (void)images; (void)channel; (void)bias;
    (void)scratch; (void)y;
    __builtin_trap();   // masklab_fused_winograd_available() is 0 here: never called
}
void masklab_f4_output_gradient_transform(const float *dy, long out_channels, long height, long width, long first_image,
                                          long images, float *scratch, float *dm) {
    (void)dy; (void)out_channels; (void)height; (void)width; (void)first_image; (void)images; (void)scratch; (void)dm;
    __builtin_trap();   // masklab_fused_winograd_available() is 0 here: never called
}
void masklab_f4_input_transform(const float *x, long channels, long height, long width, long first_image, long images,
                                float *scratch, float *v) {
    (void)x; (void)channels; (void)height; (void)width; (void)first_image; (void)images; (void)scratch; (void)v;
    __builtin_trap();   // masklab_fused_winograd_available() is 0 here: never called
}
#endif
