// The lane mask the F(4×4) transform files share (include after <immintrin.h>).
#ifndef MASKLAB_LANES16_H
#define MASKLAB_LANES16_H

/// The first `n` lanes of a 16-lane vector (none for n ≤ 0, all for n ≥ 16).
static inline __mmask16 first_lanes(long n) {
    return n >= 16 ? 0xFFFF : n > 0 ? (__mmask16)((1u << n) - 1) : 0;
}

#endif
