/// Plain twins of the convolution lowering and pooling kernels (`Im2Col`, `Pooling`), on arrays,
/// written from the definitions with no shared index arithmetic. Tests only.
extension Reference {
    /// `cols [C·K·K, nb·S]` for images `images` of `x [N, C, H, W]` (zeros in the padding).
    public static func im2col(_ x: [Float], _ g: WindowGeometry, images: Range<Int>) -> [Float] {
        let k = g.kernel, s = g.outputPlane, nb = images.count
        var cols = [Float](repeating: 0, count: g.columnRows * nb * s)
        for (j, i) in images.enumerated() {
            for c in 0..<g.channels { for kh in 0..<k { for kw in 0..<k {
                let r = (c * k + kh) * k + kw
                for oh in 0..<g.outHeight { for ow in 0..<g.outWidth {
                    let ih = oh * g.stride - g.padding + kh, iw = ow * g.stride - g.padding + kw
                    guard ih >= 0, ih < g.height, iw >= 0, iw < g.width else { continue }
                    cols[r * nb * s + j * s + oh * g.outWidth + ow] = x[((i * g.channels + c) * g.height + ih) * g.width + iw]
                } }
            } } }
        }
        return cols
    }

    /// The adjoint of `im2col`: images `images` of a zero `[N, C, H, W]` tensor with every column
    /// entry added back onto its pixel (other images stay zero).
    public static func col2im(_ cols: [Float], _ g: WindowGeometry, batch: Int, images: Range<Int>) -> [Float] {
        let k = g.kernel, s = g.outputPlane, nb = images.count
        var x = [Float](repeating: 0, count: batch * g.channels * g.inputPlane)
        for (j, i) in images.enumerated() {
            for c in 0..<g.channels { for kh in 0..<k { for kw in 0..<k {
                let r = (c * k + kh) * k + kw
                for oh in 0..<g.outHeight { for ow in 0..<g.outWidth {
                    let ih = oh * g.stride - g.padding + kh, iw = ow * g.stride - g.padding + kw
                    guard ih >= 0, ih < g.height, iw >= 0, iw < g.width else { continue }
                    x[((i * g.channels + c) * g.height + ih) * g.width + iw] += cols[r * nb * s + j * s + oh * g.outWidth + ow]
                } }
            } } }
        }
        return x
    }

    /// Max pooling of `[n, C, H, W]`: values and the argmax within each input plane (first on ties).
    public static func maxPool(_ x: [Float], _ g: WindowGeometry, images n: Int) -> (values: [Float], argmax: [Int32]) {
        var values: [Float] = [], argmax: [Int32] = []
        for q in 0..<(n * g.channels) {
            for oh in 0..<g.outHeight { for ow in 0..<g.outWidth {
                var best = -Float.infinity, arg = -1
                for kh in 0..<g.kernel { for kw in 0..<g.kernel {
                    let t = (oh * g.stride + kh) * g.width + ow * g.stride + kw
                    if arg < 0 || x[q * g.inputPlane + t] > best { best = x[q * g.inputPlane + t]; arg = t }
                } }
                values.append(best)
                argmax.append(Int32(arg))
            } }
        }
        return (values, argmax)
    }

    /// Average pooling of `[n, C, H, W]` over unpadded K×K windows.
    public static func avgPool(_ x: [Float], _ g: WindowGeometry, images n: Int) -> [Float] {
        var out: [Float] = []
        for q in 0..<(n * g.channels) {
            for oh in 0..<g.outHeight { for ow in 0..<g.outWidth {
                var sum = 0.0
                for kh in 0..<g.kernel { for kw in 0..<g.kernel {
                    sum += Double(x[q * g.inputPlane + (oh * g.stride + kh) * g.width + ow * g.stride + kw])
                } }
                out.append(Float(sum / Double(g.kernel * g.kernel)))
            } }
        }
        return out
    }

    /// Mean of each of the `x.count / plane` planes.
    public static func globalAvgPool(_ x: [Float], plane: Int) -> [Float] {
        stride(from: 0, to: x.count, by: plane).map { start in
            Float(x[start..<(start + plane)].reduce(0.0) { $0 + Double($1) } / Double(plane))
        }
    }
}
