// The product step both AVX-512 kernel files share (include after defining AVX512 and
// including <immintrin.h>).
#ifndef MASKLAB_PRODUCTS16_H
#define MASKLAB_PRODUCTS16_H

/// m[o][t] = Σ_c u[o][c] · v[c][t] for 16 lanes t: `v` `[channels][16]` (64-byte aligned), `u`
/// `[out_channels][channels]` (row-major, any alignment), `m` `[out_channels][16]` (64-byte
/// aligned); `out_channels` a multiple of 16. Sixteen output channels at a time in registers, c
/// ascending, one fused multiply-add per (o, c): the result depends on the values only.
AVX512 static inline void products16(const float *v, const float *u, long channels, long out_channels, float *m) {
    const __m512 z = _mm512_setzero_ps();
    for (long ob = 0; ob < out_channels; ob += 16) {
        const float *uo = u + ob * channels;
        __m512 a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z;
        __m512 a8 = z, a9 = z, a10 = z, a11 = z, a12 = z, a13 = z, a14 = z, a15 = z;
        for (long c = 0; c < channels; c++) {
            const __m512 x = _mm512_load_ps(v + 16 * c);
            const float *w = uo + c;
            const long s = channels;
            a0 = _mm512_fmadd_ps(_mm512_set1_ps(w[0 * s]), x, a0);
            a1 = _mm512_fmadd_ps(_mm512_set1_ps(w[1 * s]), x, a1);
            a2 = _mm512_fmadd_ps(_mm512_set1_ps(w[2 * s]), x, a2);
            a3 = _mm512_fmadd_ps(_mm512_set1_ps(w[3 * s]), x, a3);
            a4 = _mm512_fmadd_ps(_mm512_set1_ps(w[4 * s]), x, a4);
            a5 = _mm512_fmadd_ps(_mm512_set1_ps(w[5 * s]), x, a5);
            a6 = _mm512_fmadd_ps(_mm512_set1_ps(w[6 * s]), x, a6);
            a7 = _mm512_fmadd_ps(_mm512_set1_ps(w[7 * s]), x, a7);
            a8 = _mm512_fmadd_ps(_mm512_set1_ps(w[8 * s]), x, a8);
            a9 = _mm512_fmadd_ps(_mm512_set1_ps(w[9 * s]), x, a9);
            a10 = _mm512_fmadd_ps(_mm512_set1_ps(w[10 * s]), x, a10);
            a11 = _mm512_fmadd_ps(_mm512_set1_ps(w[11 * s]), x, a11);
            a12 = _mm512_fmadd_ps(_mm512_set1_ps(w[12 * s]), x, a12);
            a13 = _mm512_fmadd_ps(_mm512_set1_ps(w[13 * s]), x, a13);
            a14 = _mm512_fmadd_ps(_mm512_set1_ps(w[14 * s]), x, a14);
            a15 = _mm512_fmadd_ps(_mm512_set1_ps(w[15 * s]), x, a15);
        }
        float *o = m + 16 * ob;
        _mm512_store_ps(o + 0 * 16, a0);   _mm512_store_ps(o + 1 * 16, a1);   _mm512_store_ps(o + 2 * 16, a2);
        _mm512_store_ps(o + 3 * 16, a3);   _mm512_store_ps(o + 4 * 16, a4);   _mm512_store_ps(o + 5 * 16, a5);
        _mm512_store_ps(o + 6 * 16, a6);   _mm512_store_ps(o + 7 * 16, a7);   _mm512_store_ps(o + 8 * 16, a8);
        _mm512_store_ps(o + 9 * 16, a9);   _mm512_store_ps(o + 10 * 16, a10); _mm512_store_ps(o + 11 * 16, a11);
        _mm512_store_ps(o + 12 * 16, a12); _mm512_store_ps(o + 13 * 16, a13); _mm512_store_ps(o + 14 * 16, a14);
        _mm512_store_ps(o + 15 * 16, a15);
    }
}

#endif
