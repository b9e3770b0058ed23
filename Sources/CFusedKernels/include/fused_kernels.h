// Kernels written in C with AVX-512 intrinsics, compiled for that instruction set function by
// function and chosen at run time: Swift's SIMD types compile to the baseline x86-64 (SSE) here,
// and a kernel that keeps its whole working set in L1 is limited by instruction width, not memory.
#ifndef MASKLAB_FUSED_KERNELS_H
#define MASKLAB_FUSED_KERNELS_H

/// 1 when this CPU runs `masklab_fused_winograd_images` (x86-64 with AVX-512F), else 0.
int masklab_fused_winograd_available(void);

/// Floats of scratch one call of `masklab_fused_winograd_images` needs for `channels` input and
/// `out_channels` output channels: the transformed input and products of one block of 16 tiles,
/// `256 · (channels + out_channels)`, plus 16 for aligning it to 64 bytes.
long masklab_fused_winograd_scratch(long channels, long out_channels);

/// Whether `masklab_fused_winograd_images` takes this shape (1 or 0): `width` 32 with even
/// `height`; or `width` 16, 8 or 4, whose blocks of 16 tiles are 2, 4 or 8 tile rows, with
/// `height / 2` tile rows per image a multiple or a divisor of that (a block is whole tile rows
/// of one image, or whole images); `out_channels` a positive multiple of 16, `channels` ≥ 1.
/// (Which channel counts a plan chooses the kernel for is `FusedWinograd`'s decision.)
int masklab_fused_winograd_fits(long channels, long out_channels, long height, long width);

/// Images per call of the two functions below that keeps every block of 16 tiles inside one
/// call, for a shape `masklab_fused_winograd_fits` takes: 1 where an image is whole blocks
/// (width 32, or at least a block's tile rows), else as many images as one block holds (four
/// 4×4 images, two 4×8, two 2×16, …).
long masklab_fused_winograd_images_per_call(long height, long width);

/// `images` consecutive images of a Winograd F(2×2, 3×3) convolution (3×3, stride 1, zero
/// padding 1), every step of it on one block of 16 tiles at a time so that nothing leaves the
/// core's caches between the input transform, the 16 products and the output transform:
///
///     y[o] = Σ_c conv(x[c], w[o, c]) + bias[o],   from   u[ξ][o][c] = (G w[o, c] Gᵀ)[ξ]
///
/// `x` the images `[images, channels, height, width]`, `u` the transformed weights `[16,
/// out_channels, channels]` (`Winograd.transformWeights`), `bias` `[out_channels]` or NULL, `y`
/// `[images, out_channels, height, width]` (overwritten). A block of 16 tiles is one tile row
/// (width 32), two (width 16), four (width 8: a whole 8×8 image) or eight (width 4: four 4×4
/// images); where a block holds several images (width 4, or widths 16 and 8 on maps of fewer
/// tile rows than a block) a call whose image count is not a multiple of that runs its last
/// block with the missing images' lanes empty. Shapes as
/// `masklab_fused_winograd_fits` says (the caller checks). An output value depends on its own
/// image's values only: not on threads, nor on which other images share its block.
/// Only call it when `masklab_fused_winograd_available()` is 1.
void masklab_fused_winograd_images(const float *x, long images, const float *u, const float *bias, long channels,
                                   long out_channels, long height, long width, float *y, float *scratch);

/// `images` consecutive images' share of a Winograd F(2×2, 3×3) weight gradient, block by block
/// as in `masklab_fused_winograd_images`:
///
///     du[ξ][o][c] += Σ_tiles dM[ξ][o][tile] · V[ξ][c][tile],   dM = A dy Aᵀ,  V = Bᵀ x B
///
/// (`Winograd.transformWeightGradient` then gives `dW = Gᵀ du G`). `x` is the forward's input
/// `[images, channels, height, width]`, `dy` the output's gradient `[images, out_channels,
/// height, width]`, `du` `[16, out_channels, channels]` (accumulated, not overwritten). Shapes as
/// for `masklab_fused_winograd_images`, with `channels` also a multiple of 16; the same scratch
/// size. Per block, the sum over its 16 tiles runs in tile order (two partial sums, even and odd
/// tiles, added at the end), then adds to `du`, block after block: the result depends on the
/// values and on how the images are grouped into calls (the caller fixes that per batch).
void masklab_fused_winograd_weight_gradient(const float *x, const float *dy, long images, long channels,
                                            long out_channels, long height, long width, float *du, float *scratch);

/// Gathers `planes` output planes of `plane` entries through an offset table:
///
///     dst[j · dst_stride + q] = offsets[q] ≥ 0 ? src[j · src_stride + offsets[q]] : 0
///
/// for `j < planes`, `q < plane` (one row of `Im2Col`'s column matrix for a chunk of images:
/// `src` the first image's input channel, `offsets` the table of one kernel offset). Vector
/// gathers with AVX-512F (16 entries) or AVX2 (8), else a scalar loop, chosen at run time; the
/// values are copies, so every version writes the same bits.
void masklab_gather_planes(const float *src, long src_stride, long planes, const int *offsets, long plane,
                           float *dst, long dst_stride);

/// One input plane of `Im2Col`'s `col2im`: zeroes `dst[0 ..< dst_count]`, then for each kernel
/// offset `kk < kernel_area` in order adds `cols[kk · row_stride + q]` onto `dst[offsets[kk ·
/// plane + q]]` for every `q < plane` whose offset is ≥ 0. The non-negative offsets of one table
/// must be distinct (they are for a convolution window: one pixel per output entry and kernel
/// offset). Each pixel gets its additions in kernel-offset order whichever version runs
/// (AVX-512F gather–add–scatter, else scalar), so the bits are those of the scalar loop.
void masklab_col2im_plane(const float *cols, long row_stride, long kernel_area, const int *offsets, long plane,
                          float *dst, long dst_count);

/// Entries per gather instruction on this CPU: 16 (AVX-512F), 8 (AVX2) or 1 (scalar).
int masklab_gather_vector_width(void);

/// Makes the two functions above use the widest version this CPU has of at most `width`
/// entries (16, 8 or 1; tests run each version this way) and returns the width now in use.
/// Not for use while another thread gathers.
int masklab_gather_set_vector_width(int width);

/// Whether `masklab_strided_conv_image` takes this shape (1 or 0): `kernel` 3 or 1, output width
/// (`width / 2`) 16, 8 or 4 with even `width`, even `height` whose half is a multiple of
/// `16 / output width` (a block of 16 output pixels is whole output rows), `out_channels` a
/// positive multiple of 16, `channels` ≥ 1.
int masklab_strided_conv_fits(long channels, long out_channels, long height, long width, long kernel);

/// Floats of scratch one call of `masklab_strided_conv_image` needs: one block's columns and
/// products, `16 · (channels · kernel² + out_channels)`, plus 16 for aligning them to 64 bytes.
long masklab_strided_conv_scratch(long channels, long kernel, long out_channels);

/// One image of a stride-2 convolution, 3×3 with zero padding 1 or 1×1 without, computed
/// directly per block of 16 output pixels (no column matrix in memory):
///
///     y[o][i][j] = Σ_c Σ_ky Σ_kx weight[o][c][ky][kx] · x[c][2i + ky − p][2j + kx − p] + bias[o]
///
/// (p = kernel / 2, x zero outside the image), the sum over c·k·k ascending, one fused
/// multiply-add each. `x` `[channels, height, width]`, `weight` `[out_channels, channels, kernel,
/// kernel]`, `bias` `[out_channels]` or NULL, `y` `[out_channels, height / 2, width / 2]`
/// (overwritten). Shapes as `masklab_strided_conv_fits` says (the caller checks). The result
/// depends on the values only. Only call it when `masklab_fused_winograd_available()` is 1.
void masklab_strided_conv_image(const float *x, const float *weight, const float *bias, long channels,
                                long out_channels, long height, long width, long kernel, float *y, float *scratch);

/// One image's share of the weight gradient of the stride-2 convolution of
/// `masklab_strided_conv_image`, per block of 16 output pixels: the block's columns `V` (as the
/// forward builds them, in L1) and its output gradient give
///
///     dw[o][c·k·k + t] += Σ_pixels dy[o][i][j] · x[c][2i + ky − p][2j + kx − p]   (t = ky·k + kx)
///
/// `x` `[channels, height, width]` (the forward's input), `dy` `[out_channels, height / 2,
/// width / 2]`, `dw` `[out_channels, channels · kernel²]` (accumulated, not overwritten). Per
/// block, each entry's 16 products sum in two chains (even and odd pixels, added at the end) and
/// then add to `dw`, block after block: the result depends on the values only. Shapes as for
/// `masklab_strided_conv_image`, with `channels` a multiple of 16 too; the same scratch size.
/// Only call it when `masklab_fused_winograd_available()` is 1.
void masklab_strided_conv_weight_gradient_image(const float *x, const float *dy, long channels, long out_channels,
                                                long height, long width, long kernel, float *dw, float *scratch);

/// One image's input gradient of the stride-2 convolution of `masklab_strided_conv_image`, per
/// block of 16 output pixels: the block's column gradients `g[c·k·k + t][·] = Σ_o weight[o][c·k·k
/// + t] · dy[o][·]` (in L1), added back into the input rows they came from:
///
///     dx[c][2i + ky − p][2j + kx − p] += Σ_o weight[o][c][ky][kx] · dy[o][i][j]
///
/// `dy` `[out_channels, height / 2, width / 2]`, `weight_t` the weight transposed, `[channels ·
/// kernel², out_channels]`, `dx` `[channels, height, width]` (overwritten: zeroed first, then the
/// blocks add in order, a pixel's taps in a fixed order). Shapes as for
/// `masklab_strided_conv_image`, with `channels` a multiple of 16 too; the same scratch size.
/// The result depends on the values only. Only call it when `masklab_fused_winograd_available()` is 1.
void masklab_strided_conv_input_gradient_image(const float *dy, const float *weight_t, long channels, long out_channels,
                                               long height, long width, long kernel, float *dx, float *scratch);

/// Floats of scratch `masklab_f4_input_transform`, `masklab_f4_output_transform_channel` and
/// `masklab_f4_output_gradient_transform` need
/// for a call of `tiles` tiles: six flat rows of `4 · tiles` floats with their margins, plus 32
/// (up to 15 for aligning them to 64 bytes, then 16 before the first row, whose entry −1 is read).
long masklab_f4_transform_scratch(long tiles);

/// Winograd F(4×4, 3×3)'s input transform of images `first_image …< first_image + images` of
/// `x` `[n, channels, height, width]` (`f4_transforms.c`): `v[ξ][c][t] = (Bᵀ d B)[ξ]` for the
/// 6×6 patch `d` of every tile `t` of those images (tiles counted across images, tile rows of
/// `⌈width / 4⌉` tiles; patch rows and columns outside the image are zeros), `v` `[36, channels,
/// tiles]` with `tiles = images · ⌈height / 4⌉ · ⌈width / 4⌉`. The same bits as the portable
/// Swift version (`WinogradF4.transformInputPortable`). `scratch`: at least
/// `masklab_f4_transform_scratch(tiles)` floats. Only call it when
/// `masklab_fused_winograd_available()` is 1.
void masklab_f4_input_transform(const float *x, long channels, long height, long width, long first_image,
                                long images, float *scratch, float *v);

/// Winograd F(4×4, 3×3)'s output transform of one output channel (`f4_transforms.c`): the 4×4
/// tiles `Aᵀ M A + bias` of channel `channel` of `m` `[36, out_channels, tiles]` (tiles of
/// images `first_image …< first_image + images` as in `masklab_f4_input_transform`) written into
/// `y` `[n, out_channels, height, width]`, rows and columns outside the image dropped. The same
/// bits as `WinogradF4.transformOutputPortable` without an epilogue (the caller applies it).
/// `scratch`: at least `masklab_f4_transform_scratch(tiles)` floats. Only call it when
/// `masklab_fused_winograd_available()` is 1.
void masklab_f4_output_transform_channel(const float *m, long out_channels, long height, long width,
                                         long first_image, long images, long channel, float bias, float *scratch,
                                         float *y);

/// The F(4×4, 3×3) weight gradient's output-gradient transform of images `first_image …<
/// first_image + images` of `dy` `[n, out_channels, height, width]` (`f4_transforms.c`):
/// `dm[ξ][o][t] = (A dy Aᵀ)[ξ]` for the 4×4 tile `t` of `dy` (tiles as in
/// `masklab_f4_input_transform`; rows and columns outside the image are zeros), `dm` `[36,
/// out_channels, tiles]`. The same bits as `WinogradF4.transformOutputGradientPortable`.
/// `scratch`: at least `masklab_f4_transform_scratch(tiles)` floats. Only call it when
/// `masklab_fused_winograd_available()` is 1.
void masklab_f4_output_gradient_transform(const float *dy, long out_channels, long height, long width,
                                          long first_image, long images, float *scratch, float *dm);

/// Winograd F(4×4, 3×3)'s weight transform of filters `first …< first + count` of `weight`
/// `[filters, 3, 3]` (`f4_weight_transforms.c`): `u[ξ][f] = (G g Gᵀ)[ξ]` for filter `f`, `u`
/// `[36, filters]`. The same bits as `WinogradF4.transformWeightsPortable`. Only call it when
/// `masklab_fused_winograd_available()` is 1.
void masklab_f4_weight_transform(const float *weight, long filters, long first, long count, float *u);

/// The same transform of the input gradient's filters `W′[c, o] = flip(W[o, c])` (`[channels,
/// out_channels, 3, 3]`), read straight from `weight` `[out_channels, channels, 3, 3]`: filters
/// `f = c · out_channels + o` in `first …< first + count`, `u` `[36, out_channels · channels]`.
/// The same bits as flipping the filters and then `masklab_f4_weight_transform`. The taps are
/// gathered by 32-bit indices: `9 · out_channels · channels` must be below 2³¹. Only call it when
/// `masklab_fused_winograd_available()` is 1.
void masklab_f4_flipped_weight_transform(const float *weight, long out_channels, long channels, long first,
                                         long count, float *u);

/// The F(4×4, 3×3) weight gradient's last transform (`f4_weight_transforms.c`): `weight_grad[f]
/// += Gᵀ dU[·][f] G` for filters `f` in `first …< first + count`, from `du` `[36, filters]`
/// (ξ = 6i + j), `weight_grad` `[filters, 3, 3]`. The same bits as
/// `WinogradF4.transformWeightGradientPortable`. Only call it when
/// `masklab_fused_winograd_available()` is 1.
void masklab_f4_weight_gradient_transform(const float *du, long filters, long first, long count, float *weight_grad);

#endif
