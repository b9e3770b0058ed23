// Winograd F(2×2, 3×3) for narrow layers, fused per block of 16 tiles (see fused_kernels.h).
//
// Lane t of every vector is one tile; how a block's 16 tiles map to image rows is described at
// `block_layout` below (one tile row at width 32, two at 16, the whole 8×8 image at width 8,
// four 4×4 images at width 4). Each block's patch rows are loaded as two 16-float halves `lo`,
// `hi` (tiles 0–7 and 8–15, each one or more row segments) that hold the even and odd patch
// columns of their tiles, which one two-source permute per parity separates. Rows outside the
// image are zeros.
//
// Input transform (the same order of operations as `Winograd.transformInput`): down the patch
// rows r0…r3, P0 = r0 − r2, P1 = r1 + r2, P2 = r2 − r1, P3 = r1 − r3; across, with columns
// a = 2t − 1, b = 2t, c = 2t + 1, d = 2t + 2 of P_i, V[4i …] = a − c, b + c, c − b, b − d
// (column 2t − 1 of the first tile and 2t + 2 of the last are padding: zeros).
// Products: M[ξ][o] = Σ_c u[ξ][o][c] · V[ξ][c], 16 output channels at a time, c ascending.
// Output transform (the order of `Winograd.transformOutput`): across, S_i = m0 + m1 + m2 (even
// output column) and m1 − m2 − m3 (odd), m_j = M[4i + j]; down, a tile's first output row gets
// S0 + S1 + S2 + bias and its second S1 − S2 − S3 + bias.
//
// Weight gradient: per block, V as above and dM = A dy Aᵀ (`output_gradient_block`), then per ξ
// and 16 input channels the block's V rows are transposed in registers (tile k of 16 channels
// per vector) and dU[ξ][o][c…c+15] += Σ_k dM[ξ][o][k] · Vᵀ[k], four output channels at a time.
#include "fused_kernels.h"

long masklab_fused_winograd_scratch(long channels, long out_channels) {
    return 256 * (channels + out_channels) + 16;
}

int masklab_fused_winograd_fits(long channels, long out_channels, long height, long width) {
    if (channels < 1 || out_channels < 16 || out_channels % 16 != 0 || height < 2 || height % 2 != 0) return 0;
    if (width == 32) return 1;
    if (width != 16 && width != 8 && width != 4) return 0;
    const long perBlock = 16 / (width / 2), tileRows = height / 2;
    return tileRows % perBlock == 0 || perBlock % tileRows == 0;
}

long masklab_fused_winograd_images_per_call(long height, long width) {
    if (width == 32) return 1;
    const long perBlock = 16 / (width / 2), tileRows = height / 2;
    return tileRows >= perBlock ? 1 : perBlock / tileRows;
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

// A block is 16 tiles, lane t one tile, in two halves of 8 lanes (0–7, 8–15). With T = width / 2
// tiles per tile row: at width 32 each half is half a tile row (one segment of 16 floats of an
// image row, columns 0–15 or 16–31); at widths 16, 8 and 4 each half is 8 / T whole tile rows
// (segments of `width` floats, one per tile row), taken from the call's images' tile rows
// counted on across images (`rows = height / 2` per image), so that at width 4 a block holds
// the four 2×2-tile images of a group. Lanes of tile rows past the call's last image are zeros
// on load and not stored. Patch row k of tile row ty is image row 2ty − 1 + k (rows outside the
// image are zeros); output row e of it is 2ty + e.

// The constants the block functions share: permutes that split a block's two 16-float halves
// into even and odd patch columns, shift them by one tile, and interleave them back.
typedef struct {
    __m512i even, odd, right, left, low, high;
    __mmask16 notFirst, notLast;
    long segments;      // per half: 1 (widths 32, 16), 2 (width 8), 4 (width 4)
    long length;        // floats per segment: 16, 16, 8, 4
    long rowsPerBlock;  // tile rows per block: 1 (width 32), 2, 4, 8
} block_layout;

AVX512 static inline block_layout layout_for(long width) {
    block_layout l;
    l.even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    l.odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    l.right = _mm512_setr_epi32(0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14);
    l.left = _mm512_setr_epi32(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 15);
    l.low = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    l.high = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    // Lanes whose tile has a left (notFirst) or right (notLast) neighbour in its tile row.
    switch (width) {
    case 32: l.notFirst = 0xFFFE; l.notLast = 0x7FFF; break;
    case 16: l.notFirst = 0xFEFE; l.notLast = 0x7F7F; break;
    case 8: l.notFirst = 0xEEEE; l.notLast = 0x7777; break;
    default: l.notFirst = 0xAAAA; l.notLast = 0x5555; break;
    }
    l.segments = width >= 16 ? 1 : 16 / width;
    l.length = width >= 16 ? 16 : width;
    l.rowsPerBlock = width == 32 ? 1 : 16 / (width / 2);
    return l;
}

// Where one half of a block reads or writes one of its rows (patch row or output row): per
// segment the offset of the row's first float from the channel's base pointer, minus the
// segment's first lane (so that a masked load or store at it puts the row in its lanes), and
// the segment's lanes; mask 0 (nothing read, zeros; nothing written) for a row outside the
// image or an absent image. The block functions take the segment count `n` as a constant
// (`INLINE`, called with 1, 2 or 4), so that each layout's loads unroll.
typedef struct {
    long offset[4];
    __mmask16 mask[4];
} half_rows;

#define INLINE static inline __attribute__((always_inline))

// The segments of one block: per half and segment, its image, its tile row's first image row
// (-1 for absent images) and the offset of that row's first float within the image (minus the
// segment's first lane); the same for the input and the output arrays, whose images differ only
// in their stride.
typedef struct {
    long image[2][4];
    long row[2][4];
    long offset[2][4];
} block_segments;

// The segments of the block whose first tile row is tile row `ty` of image `image` (widths 16,
// 8, 4: the halves' segments take the following tile rows, on into the next images; width 32:
// both halves are that tile row).
AVX512 INLINE block_segments segments_of(const block_layout *l, long image, long ty, long images, long height, long width,
                                        const long n) {
    block_segments b;
    const long tileRows = height / 2;
    for (int h = 0; h < 2; h++) {
        for (long j = 0; j < n; j++) {
            const long col = width == 32 ? 16 * h : 0, lane = j * l->length;
            b.image[h][j] = image;
            b.row[h][j] = image < images ? 2 * ty : -1;
            b.offset[h][j] = 2 * ty * width + col - lane;
            if (width != 32 && ++ty == tileRows) { ty = 0; image++; }
        }
    }
    return b;
}

// Row `2ty + rel` of every segment of half `h` of `b`, in arrays whose images are `imageStride` floats apart.
AVX512 INLINE half_rows rows_of(const block_layout *l, const block_segments *b, int h, long rel, long height, long width,
                                long imageStride, const long n) {
    half_rows r;
    for (long j = 0; j < n; j++) {
        const long row = b->row[h][j] + rel;
        const int present = b->row[h][j] >= 0 && row >= 0 && row < height;
        r.offset[j] = present ? b->image[h][j] * imageStride + b->offset[h][j] + rel * width : 0;
        r.mask[j] = present ? (__mmask16)(((1u << l->length) - 1) << (j * l->length)) : 0;
    }
    return r;
}

// The 16 floats of one half's row from channel base `p` (zeros where `r` has no segment).
// Masked loads, not branches: rows outside the image come and go block by block (a branch per
// load made widths 32 and 16 up to 10% slower than the unmasked loads of session 25's kernel).
AVX512 INLINE __m512 load_row(const float *p, const half_rows *r, const long n) {
    __m512 v = _mm512_maskz_loadu_ps(r->mask[0], p + r->offset[0]);
    for (long i = 1; i < n; i++) v = _mm512_mask_loadu_ps(v, r->mask[i], p + r->offset[i]);
    return v;
}

AVX512 INLINE void store_row(float *p, const half_rows *r, __m512 v, const long n) {
    if (n == 1) {
        if (r->mask[0]) _mm512_storeu_ps(p + r->offset[0], v);
        return;
    }
    for (long i = 0; i < n; i++) _mm512_mask_storeu_ps(p + r->offset[i], r->mask[i], v);
}

// Where the patch rows (`patch[k][h]`, from images `inStride` apart) and output rows
// (`out[e][h]`, images `outStride` apart) of the block starting at tile row `ty` of `image` are.
AVX512 INLINE void block_rows(const block_layout *l, long image, long ty, long images, long height, long width,
                              long inStride, long outStride, half_rows patch[4][2], half_rows out[2][2], const long n) {
    const block_segments b = segments_of(l, image, ty, images, height, width, n);
    for (int h = 0; h < 2; h++) {
        for (int k = 0; k < 4; k++) patch[k][h] = rows_of(l, &b, h, k - 1, height, width, inStride, n);
        for (int e = 0; e < 2; e++) out[e][h] = rows_of(l, &b, h, e, height, width, outStride, n);
    }
}

// Moves the block cursor (`image`, tile row `ty`) to the next block.
static inline void next_block(const block_layout *l, long height, long *image, long *ty) {
    *ty += l->rowsPerBlock;
    while (*ty >= height / 2) { *ty -= height / 2; (*image)++; }
}

// Blocks of a call over `images` images.
static inline long block_count(const block_layout *l, long images, long height) {
    const long rows = images * (height / 2);
    return (rows + l->rowsPerBlock - 1) / l->rowsPerBlock;
}

/// The input transform of block `block`: `v [16, channels, 16]`; `patch[k][h]` say where patch
/// row k of half h is.
AVX512 INLINE void input_block(const float *x, long channels, long plane, const half_rows patch[4][2],
                               const block_layout *l, float *v, const long n) {
    const long vStride = 16 * channels;
    for (long c = 0; c < channels; c++) {
        const float *xc = x + c * plane;
        __m512 lo[4], hi[4];
        for (int k = 0; k < 4; k++) {
            lo[k] = load_row(xc, &patch[k][0], n);
            hi[k] = load_row(xc, &patch[k][1], n);
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

// The forward's blocks with `n` segments per half (see `masklab_fused_winograd_images`).
AVX512 INLINE void forward_blocks(const float *x, long images, const float *u, const float *bias, long channels,
                                  long out_channels, long height, long width, float *y, float *scratch, const long n) {
    const block_layout l = layout_for(width);
    const long plane = height * width;
    float *v = (float *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    float *m = v + 256 * channels;
    const long vStride = 16 * channels, mStride = 16 * out_channels;
    const long blocks = block_count(&l, images, height);

    long image = 0, ty = 0;
    for (long block = 0; block < blocks; block++, next_block(&l, height, &image, &ty)) {
        half_rows patch[4][2], out[2][2];
        block_rows(&l, image, ty, images, height, width, channels * plane, out_channels * plane, patch, out, n);
        input_block(x, channels, plane, patch, &l, v, n);
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
            store_row(yo, &out[0][0], _mm512_permutex2var_ps(te, l.low, to), n);
            store_row(yo, &out[0][1], _mm512_permutex2var_ps(te, l.high, to), n);
            store_row(yo, &out[1][0], _mm512_permutex2var_ps(be, l.low, bo), n);
            store_row(yo, &out[1][1], _mm512_permutex2var_ps(be, l.high, bo), n);
        }
    }
}

AVX512 void masklab_fused_winograd_images(const float *x, long images, const float *u, const float *bias, long channels,
                                          long out_channels, long height, long width, float *y, float *scratch) {
    switch (layout_for(width).segments) {
    case 1: forward_blocks(x, images, u, bias, channels, out_channels, height, width, y, scratch, 1); break;
    case 2: forward_blocks(x, images, u, bias, channels, out_channels, height, width, y, scratch, 2); break;
    default: forward_blocks(x, images, u, bias, channels, out_channels, height, width, y, scratch, 4); break;
    }
}

/// The output gradient's transform of a block whose output rows `rows[e][h]` locate:
/// `dm [16, out_channels, 16]`, `dM = A dy Aᵀ` per tile. Down, from the tile's dy rows g0, g1:
/// `P0 = g0, P1 = g0 + g1, P2 = g0 − g1, P3 = −g1`; across, with `p`, `q` the tile's even and odd
/// column of `P_i`: `dM[4i …] = p, p + q, p − q, −q` (the order of `Winograd.transformOutputGradient`).
AVX512 INLINE void output_gradient_block(const float *dy, long out_channels, long plane, const half_rows rows[2][2],
                                         const block_layout *l, float *dm, const long n) {
    const long mStride = 16 * out_channels;
    for (long o = 0; o < out_channels; o++) {
        const float *g = dy + o * plane;
        const __m512 lo0 = load_row(g, &rows[0][0], n), hi0 = load_row(g, &rows[0][1], n);
        const __m512 lo1 = load_row(g, &rows[1][0], n), hi1 = load_row(g, &rows[1][1], n);
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

// The weight gradient's blocks with `n` segments per half.
AVX512 INLINE void weight_gradient_blocks(const float *x, const float *dy, long images, long channels, long out_channels,
                                          long height, long width, float *du, float *scratch, const long n) {
    const block_layout l = layout_for(width);
    const long plane = height * width;
    float *v = (float *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    float *dm = v + 256 * channels;
    const long vStride = 16 * channels, mStride = 16 * out_channels;
    const long blocks = block_count(&l, images, height);

    long image = 0, ty = 0;
    for (long block = 0; block < blocks; block++, next_block(&l, height, &image, &ty)) {
        half_rows patch[4][2], out[2][2];
        block_rows(&l, image, ty, images, height, width, channels * plane, out_channels * plane, patch, out, n);
        input_block(x, channels, plane, patch, &l, v, n);
        output_gradient_block(dy, out_channels, plane, out, &l, dm, n);
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

AVX512 void masklab_fused_winograd_weight_gradient(const float *x, const float *dy, long images, long channels,
                                                   long out_channels, long height, long width, float *du, float *scratch) {
    switch (layout_for(width).segments) {
    case 1: weight_gradient_blocks(x, dy, images, channels, out_channels, height, width, du, scratch, 1); break;
    case 2: weight_gradient_blocks(x, dy, images, channels, out_channels, height, width, du, scratch, 2); break;
    default: weight_gradient_blocks(x, dy, images, channels, out_channels, height, width, du, scratch, 4); break;
    }
}

#else

int masklab_fused_winograd_available(void) { return 0; }

void masklab_fused_winograd_images(const float *x, long images, const float *u, const float *bias, long channels,
                                   long out_channels, long height, long width, float *y, float *scratch) {
    (void)x; (void)images; (void)u; (void)bias; (void)channels; (void)out_channels; (void)height; (void)width; (void)y; (void)scratch;
    __builtin_trap();   // never called: masklab_fused_winograd_available() is 0 on this architecture
}

void masklab_fused_winograd_weight_gradient(const float *x, const float *dy, long images, long channels,
                                            long out_channels, long height, long width, float *du, float *scratch) {
    (void)x; (void)dy; (void)images; (void)channels; (void)out_channels; (void)height; (void)width; (void)du; (void)scratch;
    __builtin_trap();   // never called, as above
}

#endif
