// The weight-gradient step both AVX-512 kernel files share (include after defining AVX512 and
// including <immintrin.h>): a 16×16 transpose in registers, and the sum of 16 outer products
// that adds one block's share into four rows of a gradient.
#ifndef MASKLAB_OUTER16_H
#define MASKLAB_OUTER16_H

/// Transposes the 16×16 block whose rows are `r[0…15]` in place (row i becomes column i).
AVX512 static inline void transpose16(__m512 r[16]) {
    __m512 t[16], s[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    // Per group g of four rows, s[4g + j] holds columns j, j + 4, j + 8, j + 12 of those rows.
    for (int g = 0; g < 4; g++) {
        const __m512d a = _mm512_castps_pd(t[4 * g]), b = _mm512_castps_pd(t[4 * g + 1]);
        const __m512d c = _mm512_castps_pd(t[4 * g + 2]), d = _mm512_castps_pd(t[4 * g + 3]);
        s[4 * g] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
        s[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
        s[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
        s[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
    }
    for (int j = 0; j < 4; j++) {
        const __m512 u = _mm512_shuffle_f32x4(s[j], s[4 + j], 0x88), u2 = _mm512_shuffle_f32x4(s[j], s[4 + j], 0xdd);
        const __m512 w = _mm512_shuffle_f32x4(s[8 + j], s[12 + j], 0x88), w2 = _mm512_shuffle_f32x4(s[8 + j], s[12 + j], 0xdd);
        r[j] = _mm512_shuffle_f32x4(u, w, 0x88);
        r[j + 8] = _mm512_shuffle_f32x4(u, w, 0xdd);
        r[j + 4] = _mm512_shuffle_f32x4(u2, w2, 0x88);
        r[j + 12] = _mm512_shuffle_f32x4(u2, w2, 0xdd);
    }
}

/// `dst[r·dst_stride + j] += Σ_k g[r·g_stride + k] · vt[k][j]` for rows r < 4, j < 16, k < 16:
/// four rows of a gradient get one block's share, `vt[k]` the block's lane k (transposed by
/// `transpose16`) and `g` four rows of the block's output gradient, 16 lanes each. Each row sums
/// in two chains (even and odd k, k ascending) that are added, then added to `dst`: eight
/// independent chains of eight fused multiply-adds, and the result depends on the values only.
AVX512 static inline void outer16x4(const float *g, long g_stride, const __m512 vt[16], float *dst, long dst_stride) {
    const float *g0 = g, *g1 = g + g_stride, *g2 = g + 2 * g_stride, *g3 = g + 3 * g_stride;
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    for (int k = 0; k < 16; k += 2) {
        a0 = _mm512_fmadd_ps(_mm512_set1_ps(g0[k]), vt[k], a0);
        a1 = _mm512_fmadd_ps(_mm512_set1_ps(g1[k]), vt[k], a1);
        a2 = _mm512_fmadd_ps(_mm512_set1_ps(g2[k]), vt[k], a2);
        a3 = _mm512_fmadd_ps(_mm512_set1_ps(g3[k]), vt[k], a3);
        b0 = _mm512_fmadd_ps(_mm512_set1_ps(g0[k + 1]), vt[k + 1], b0);
        b1 = _mm512_fmadd_ps(_mm512_set1_ps(g1[k + 1]), vt[k + 1], b1);
        b2 = _mm512_fmadd_ps(_mm512_set1_ps(g2[k + 1]), vt[k + 1], b2);
        b3 = _mm512_fmadd_ps(_mm512_set1_ps(g3[k + 1]), vt[k + 1], b3);
    }
    _mm512_storeu_ps(dst, _mm512_add_ps(_mm512_loadu_ps(dst), _mm512_add_ps(a0, b0)));
    _mm512_storeu_ps(dst + dst_stride, _mm512_add_ps(_mm512_loadu_ps(dst + dst_stride), _mm512_add_ps(a1, b1)));
    _mm512_storeu_ps(dst + 2 * dst_stride, _mm512_add_ps(_mm512_loadu_ps(dst + 2 * dst_stride), _mm512_add_ps(a2, b2)));
    _mm512_storeu_ps(dst + 3 * dst_stride, _mm512_add_ps(_mm512_loadu_ps(dst + 3 * dst_stride), _mm512_add_ps(a3, b3)));
}

#endif
