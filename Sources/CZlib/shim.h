// zlib, for reading the gzipped MNIST and CIFAR-10 archives. Only Datasets imports it.
#pragma once
#include <zlib.h>

/// `inflateInit2(strm, 16 + MAX_WBITS)`: a gzip-only inflater (the macro does not import into Swift).
static inline int masklab_inflate_init_gzip(z_streamp strm) {
    return inflateInit2(strm, 16 + MAX_WBITS);
}
