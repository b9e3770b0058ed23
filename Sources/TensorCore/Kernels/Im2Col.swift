import CFusedKernels

/// The lowering of a 2-D convolution to one matrix product per chunk of images.
///
/// For images `first..<first+nb` of `x [N, C, H, W]`, `im2col` writes the column matrix
/// `cols [C·K·K, nb·S]` (S = OH·OW) with
///
///     cols[(c·K + kh)·K + kw, j·S + oh·OW + ow] = x[first + j, c, oh·s − p + kh, ow·s − p + kw]   (0 in the padding)
///
/// so that `W [O, C·K·K] · cols` is the convolution, laid out `[O, nb·S]` (channel-major);
/// `unpack` moves it to NCHW and adds the bias in the same pass, `pack` is its adjoint
/// (and sums the bias gradient on the way). `col2im` is the adjoint of `im2col`: it adds every
/// column entry back onto the pixel it was read from.
///
/// Windows that are not "same" go through the layer's `WindowOffsets`: `im2col` gathers with
/// vector instructions, in C (`CFusedKernels`), and for strided windows `col2im` scatters back
/// the same way (stride-1 windows add back in Swift loops, row by row).
///
/// Parallel over rows (`im2col`), output channels (`unpack`, `pack`) or image planes (`col2im`),
/// so every output element is written by one thread in a fixed order: results are bit-identical
/// for any thread count. Plain twins: `Reference.im2col`, `Reference.col2im`.
public enum Im2Col {
    /// `cols [C·K·K, nb·S]` from images `images` of `x [N, C, H, W]` (see the type's comment);
    /// `window` is the layer's offset table (`WindowOffsets(g)`, made when it is prepared).
    @inlinable
    public static func im2col(_ x: UnsafePointer<Float>, _ window: WindowOffsets, images: Range<Int>,
                              into cols: UnsafeMutablePointer<Float>) {
        let g = window.geometry
        Parallel.forEachChunk(g.columnRows, costPerItem: images.count * g.outputPlane) { _, rows in
            im2col(x, window, images: images, rows: rows, into: cols)
        }
    }

    /// Rows `rows` of `im2col` on the calling thread.
    @inlinable
    public static func im2col(_ x: UnsafePointer<Float>, _ window: WindowOffsets, images: Range<Int>, rows: Range<Int>,
                              into cols: UnsafeMutablePointer<Float>) {
        let g = window.geometry
        let nb = images.count, first = images.lowerBound
        let c = g.channels, h = g.height, w = g.width, k = g.kernel, p = g.padding
        let plane = g.outputPlane, ld = nb * plane
        if g.isSame {
            // A "same" convolution (3×3, padding 1): each row of `cols` is the image plane shifted by
            // (kh − p, kw − p): one block copy per plane, then the wrapped-around edge column and
            // the rows outside the image set to zero. Source reads stay inside the plane.
            for r in rows {
                let ch = r / (k * k), dy = (r / k) % k - p, dx = r % k - p
                let y0 = max(0, -dy), y1 = max(y0, min(h, h - dy))
                for j in 0..<nb {
                    let src = x + ((first + j) * c + ch) * h * w
                    let d = cols + r * ld + j * plane
                    if y0 > 0 { d.update(repeating: 0, count: y0 * w) }
                    if y1 < h { (d + y1 * w).update(repeating: 0, count: (h - y1) * w) }
                    guard y1 > y0 else { continue }
                    let t0 = y0 * w + max(0, -dx), t1 = y1 * w - max(0, dx)
                    if t1 > t0 { (d + t0).update(from: src + t0 + dy * w + dx, count: t1 - t0) }
                    if dx < 0 { for y in y0..<y1 { for o in 0..<min(-dx, w) { d[y * w + o] = 0 } } }
                    if dx > 0 { for y in y0..<y1 { for o in max(0, w - dx)..<w { d[y * w + o] = 0 } } }
                }
            }
            return
        }
        // Any other window (strided, or not "same"): each row gathers the chunk's planes through
        // its kernel offset's table (`WindowOffsets`, vector gathers in C).
        window.table.withUnsafeBufferPointer { table in
            guard let offsets = table.baseAddress else { return }
            for r in rows {
                let ch = r / (k * k), offset = r % (k * k)
                masklab_gather_planes(x + (first * c + ch) * h * w, c * h * w, nb, offsets + offset * plane, plane,
                                      cols + r * ld, plane)
            }
        }
    }

    /// `dx [N, C, H, W]` for images `images` (overwritten) from `cols [C·K·K, nb·S]`: the adjoint
    /// of `im2col` through the same `window`.
    @inlinable
    public static func col2im(_ cols: UnsafePointer<Float>, _ window: WindowOffsets, images: Range<Int>,
                              into dx: UnsafeMutablePointer<Float>) {
        let g = window.geometry
        Parallel.forEachChunk(images.count * g.channels, costPerItem: g.kernel * g.kernel * g.outputPlane) { _, planes in
            col2im(cols, window, images: images, planes: planes, into: dx)
        }
    }

    /// Planes `planes` (index `j·C + c` within the chunk) of `col2im` on the calling thread. Every
    /// pixel starts at zero and gets its column entries added in kernel-offset order `(kh, kw)`,
    /// whichever loop runs (the order of `Reference.col2im`, so the same bits).
    @inlinable
    public static func col2im(_ cols: UnsafePointer<Float>, _ window: WindowOffsets, images: Range<Int>, planes: Range<Int>,
                              into dx: UnsafeMutablePointer<Float>) {
        let g = window.geometry
        let nb = images.count, first = images.lowerBound
        let c = g.channels, h = g.height, w = g.width, k = g.kernel, p = g.padding
        let oh = g.outHeight, ow = g.outWidth, plane = g.outputPlane, ld = nb * plane
        guard g.stride == 1 else {
            // Strided: one scatter-add per kernel offset through its table (vector scatters in C).
            window.table.withUnsafeBufferPointer { table in
                guard let offsets = table.baseAddress else { return }
                for q in planes {
                    let j = q / c, ch = q % c
                    masklab_col2im_plane(cols + ch * k * k * ld + j * plane, ld, k * k, offsets, plane,
                                         dx + ((first + j) * c + ch) * h * w, h * w)
                }
            }
            return
        }
        // Stride 1: whole rows shifted by (kh − p, kw − p), contiguous adds.
        for q in planes {
            let j = q / c, ch = q % c
            let dst = dx + ((first + j) * c + ch) * h * w
            dst.update(repeating: 0, count: h * w)
            for kh in 0..<k {
                for kw in 0..<k {
                    let r = (ch * k + kh) * k + kw
                    let lo = min(ow, max(0, p - kw)), hi = max(lo, min(ow, w + p - kw))
                    let src = cols + r * ld + j * plane
                    for y in 0..<oh {
                        let ih = y - p + kh
                        if ih < 0 || ih >= h { continue }
                        let shifted = dst + ih * w + (kw - p), srow = src + y * ow
                        for o in lo..<hi { shifted[o] += srow[o] }
                    }
                }
            }
        }
    }

    /// `y[first + j, o, :] = ycols[o, j·S ..< (j+1)·S] + bias[o]` for the images `images`
    /// (channel-major `[O, nb·S]` to NCHW `[N, O, S]`).
    @inlinable
    public static func unpack(_ ycols: UnsafePointer<Float>, channels o: Int, plane: Int, images: Range<Int>,
                              bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>) {
        Parallel.forEachChunk(o, costPerItem: images.count * plane) { _, chans in
            unpack(ycols, channels: o, plane: plane, images: images, only: chans, bias: bias, into: y)
        }
    }

    /// Channels `chans` of `unpack` on the calling thread.
    @inlinable
    public static func unpack(_ ycols: UnsafePointer<Float>, channels o: Int, plane: Int, images: Range<Int>, only chans: Range<Int>,
                              bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>) {
        let nb = images.count, first = images.lowerBound
        do {
            for ch in chans {
                let b = bias?[ch] ?? 0
                for j in 0..<nb {
                    let src = ycols + ch * nb * plane + j * plane
                    let dst = y + ((first + j) * o + ch) * plane
                    if bias == nil {
                        dst.update(from: src, count: plane)
                    } else {
                        for t in 0..<plane { dst[t] = src[t] + b }
                    }
                }
            }
        }
    }

    /// `dycols[o, j·S + t] = dy[first + j, o, t]` (NCHW to channel-major, the adjoint of `unpack`);
    /// when `biasGrad` is given, also `biasGrad[o] += Σ_{j,t} dy[first + j, o, t]`.
    @inlinable
    public static func pack(_ dy: UnsafePointer<Float>, channels o: Int, plane: Int, images: Range<Int>,
                            into dycols: UnsafeMutablePointer<Float>, biasGrad: UnsafeMutablePointer<Float>?) {
        Parallel.forEachChunk(o, costPerItem: images.count * plane) { _, chans in
            pack(dy, channels: o, plane: plane, images: images, only: chans, into: dycols, biasGrad: biasGrad)
        }
    }

    /// Channels `chans` of `pack` on the calling thread.
    @inlinable
    public static func pack(_ dy: UnsafePointer<Float>, channels o: Int, plane: Int, images: Range<Int>, only chans: Range<Int>,
                            into dycols: UnsafeMutablePointer<Float>, biasGrad: UnsafeMutablePointer<Float>?) {
        let nb = images.count, first = images.lowerBound
        do {
            for ch in chans {
                var sum: Float = 0
                for j in 0..<nb {
                    let src = dy + ((first + j) * o + ch) * plane
                    let dst = dycols + ch * nb * plane + j * plane
                    dst.update(from: src, count: plane)
                    if biasGrad != nil { for t in 0..<plane { sum += src[t] } }
                }
                if let biasGrad { biasGrad[ch] += sum }
            }
        }
    }

    /// `y[i, o, t] += bias[o]` over `n` images of `[N, O, S]`.
    @inlinable
    public static func addChannelBias(_ y: UnsafeMutablePointer<Float>, images n: Int, channels o: Int, plane: Int,
                                      bias: UnsafePointer<Float>) {
        Parallel.forEachChunk(n * o, costPerItem: plane) { _, planes in
            for q in planes {
                let b = bias[q % o], d = y + q * plane
                for t in 0..<plane { d[t] += b }
            }
        }
    }

    /// `biasGrad[o] += Σ_{i,t} dy[i, o, t]` over `n` images of `[N, O, S]` (images summed in order).
    @inlinable
    public static func sumChannels(_ dy: UnsafePointer<Float>, images n: Int, channels o: Int, plane: Int,
                                   into biasGrad: UnsafeMutablePointer<Float>) {
        Parallel.forEachChunk(o, costPerItem: n * plane) { _, chans in
            for ch in chans {
                var sum: Float = 0
                for i in 0..<n {
                    let src = dy + (i * o + ch) * plane
                    for t in 0..<plane { sum += src[t] }
                }
                biasGrad[ch] += sum
            }
        }
    }
}

extension Im2Col {
    /// `y[i, o, t] += bias[o]` for the images `images` of `[N, O, S]`, on the calling thread.
    @inlinable
    public static func addChannelBias(_ y: UnsafeMutablePointer<Float>, channels o: Int, plane: Int, images: Range<Int>,
                                      bias: UnsafePointer<Float>) {
        for q in (images.lowerBound * o)..<(images.upperBound * o) {
            let b = bias[q % o], d = y + q * plane
            for t in 0..<plane { d[t] += b }
        }
    }

    /// `biasGrad[o] += Σ_{i ∈ images, t} dy[i, o, t]` on the calling thread (images in order).
    @inlinable
    public static func sumChannels(_ dy: UnsafePointer<Float>, channels o: Int, plane: Int, images: Range<Int>,
                                   into biasGrad: UnsafeMutablePointer<Float>) {
        for ch in 0..<o {
            var sum: Float = 0
            for i in images {
                let src = dy + (i * o + ch) * plane
                for t in 0..<plane { sum += src[t] }
            }
            biasGrad[ch] += sum
        }
    }
}
