/// Pooling over `[N, C, H, W]` images, parallel over the N·C planes (each plane is handled by one
/// thread in a fixed order, so results are bit-identical for any thread count).
///
/// Windows are unpadded (`geometry.padding == 0`), as the pooling layers of the models here.
/// Plain twins: `Reference.maxPool`, `Reference.avgPool`, … .
public enum Pooling {
    /// `y[i, c, oh, ow] = max over the window`; `argmax` gets the index of the maximum within the
    /// input plane (`ih·W + iw`, the first one on ties, as PyTorch). Shapes: `x [n, C, H, W]`,
    /// `y` and `argmax` `[n, C, OH, OW]`.
    @inlinable
    public static func maxPool(_ x: UnsafePointer<Float>, _ g: WindowGeometry, images n: Int,
                               into y: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>) {
        precondition(g.padding == 0, "pooling supports padding 0, got \(g)")
        let w = g.width, k = g.kernel, s = g.stride, oh = g.outHeight, ow = g.outWidth
        let inPlane = g.inputPlane, outPlane = g.outputPlane
        Parallel.forEachChunk(n * g.channels, costPerItem: outPlane * k * k) { _, planes in
            for q in planes {
                let src = x + q * inPlane, dst = y + q * outPlane, arg = argmax + q * outPlane
                if k == 2 && s == 2 {
                    maxPool2x2(src, width: w, outHeight: oh, outWidth: ow, into: dst, argmax: arg)
                    continue
                }
                for a in 0..<oh {
                    for b in 0..<ow {
                        var best = (a * s) * w + b * s
                        var bv = src[best]
                        for kh in 0..<k {
                            let row = (a * s + kh) * w + b * s
                            for kw in 0..<k where src[row + kw] > bv || src[row + kw].isNaN {
                                bv = src[row + kw]; best = row + kw
                            }
                        }
                        dst[a * ow + b] = bv
                        arg[a * ow + b] = Int32(best)
                    }
                }
            }
        }
    }

    /// One plane of `maxPool` for 2×2 windows at stride 2 (every pool of Conv-2/4/6, VGG, LeNet-5
    /// and AlexNet), eight outputs at a time without branches: the same value and argmax as the
    /// scan of the general loop — the window's elements in row order, an element taken when it
    /// is larger than the best so far or NaN (so the first maximum wins, and a window holding a
    /// NaN gives its last NaN).
    @inlinable
    static func maxPool2x2(_ src: UnsafePointer<Float>, width w: Int, outHeight oh: Int, outWidth ow: Int,
                           into dst: UnsafeMutablePointer<Float>, argmax arg: UnsafeMutablePointer<Int32>) {
        typealias V = SIMD8<Float>
        let lanes = SIMD8<Int32>(0, 2, 4, 6, 8, 10, 12, 14)
        for a in 0..<oh {
            let r0 = src + 2 * a * w, r1 = r0 + w
            let top = Int32(2 * a * w), bottom = Int32((2 * a + 1) * w)
            var b = 0
            while b + 8 <= ow {
                let (v0, v1) = V.loadSplit(r0 + 2 * b), (v2, v3) = V.loadSplit(r1 + 2 * b)
                let col = lanes &+ Int32(2 * b)
                var best = v0, index = col &+ top
                var take = (v1 .> best) .| (v1 .!= v1)
                best.replace(with: v1, where: take); index.replace(with: col &+ (top + 1), where: take)
                take = (v2 .> best) .| (v2 .!= v2)
                best.replace(with: v2, where: take); index.replace(with: col &+ bottom, where: take)
                take = (v3 .> best) .| (v3 .!= v3)
                best.replace(with: v3, where: take); index.replace(with: col &+ (bottom + 1), where: take)
                UnsafeMutableRawPointer(dst + a * ow + b).storeBytes(of: best, as: V.self)
                UnsafeMutableRawPointer(arg + a * ow + b).storeBytes(of: index, as: SIMD8<Int32>.self)
                b += 8
            }
            while b < ow {
                let c = 2 * b
                var best = r0[c], index = Int(top) + c
                @inline(__always) func take(_ v: Float, _ i: Int) { if v > best || v.isNaN { (best, index) = (v, i) } }
                take(r0[c + 1], Int(top) + c + 1)
                take(r1[c], Int(bottom) + c)
                take(r1[c + 1], Int(bottom) + c + 1)
                dst[a * ow + b] = best
                arg[a * ow + b] = Int32(index)
                b += 1
            }
        }
    }

    /// `dx` (overwritten, `[n, C, H, W]`) gets each `dy [n, C, OH, OW]` entry at its recorded argmax.
    @inlinable
    public static func maxPoolBackward(_ dy: UnsafePointer<Float>, argmax: UnsafePointer<Int32>, _ g: WindowGeometry,
                                       images n: Int, into dx: UnsafeMutablePointer<Float>) {
        let inPlane = g.inputPlane, outPlane = g.outputPlane
        Parallel.forEachChunk(n * g.channels, costPerItem: inPlane + outPlane) { _, planes in
            for q in planes {
                let d = dx + q * inPlane, grad = dy + q * outPlane, arg = argmax + q * outPlane
                d.update(repeating: 0, count: inPlane)
                for t in 0..<outPlane { d[Int(arg[t])] += grad[t] }
            }
        }
    }

    /// `y[i, c, oh, ow] = mean over the K×K window`. Shapes: `x [n, C, H, W]`, `y [n, C, OH, OW]`.
    @inlinable
    public static func avgPool(_ x: UnsafePointer<Float>, _ g: WindowGeometry, images n: Int,
                               into y: UnsafeMutablePointer<Float>) {
        precondition(g.padding == 0, "pooling supports padding 0, got \(g)")
        let w = g.width, k = g.kernel, s = g.stride, oh = g.outHeight, ow = g.outWidth
        let inPlane = g.inputPlane, outPlane = g.outputPlane
        let scale = 1 / Float(k * k)
        Parallel.forEachChunk(n * g.channels, costPerItem: outPlane * k * k) { _, planes in
            for q in planes {
                let src = x + q * inPlane, dst = y + q * outPlane
                for a in 0..<oh {
                    for b in 0..<ow {
                        var sum: Float = 0
                        for kh in 0..<k {
                            let row = src + (a * s + kh) * w + b * s
                            for kw in 0..<k { sum += row[kw] }
                        }
                        dst[a * ow + b] = sum * scale
                    }
                }
            }
        }
    }

    /// `dx` (overwritten) gets `dy / K²` spread over each window (overlapping windows add).
    @inlinable
    public static func avgPoolBackward(_ dy: UnsafePointer<Float>, _ g: WindowGeometry, images n: Int,
                                       into dx: UnsafeMutablePointer<Float>) {
        let w = g.width, k = g.kernel, s = g.stride, oh = g.outHeight, ow = g.outWidth
        let inPlane = g.inputPlane, outPlane = g.outputPlane
        let scale = 1 / Float(k * k)
        Parallel.forEachChunk(n * g.channels, costPerItem: outPlane * k * k) { _, planes in
            for q in planes {
                let d = dx + q * inPlane, src = dy + q * outPlane
                d.update(repeating: 0, count: inPlane)
                for a in 0..<oh {
                    for b in 0..<ow {
                        let v = src[a * ow + b] * scale
                        for kh in 0..<k {
                            let row = d + (a * s + kh) * w + b * s
                            for kw in 0..<k { row[kw] += v }
                        }
                    }
                }
            }
        }
    }

    /// `y[q] = mean of plane q` for `planes` planes of `plane` elements (`[N, C, H, W] → [N, C]`).
    @inlinable
    public static func globalAvgPool(_ x: UnsafePointer<Float>, planes: Int, plane: Int, into y: UnsafeMutablePointer<Float>) {
        let scale = 1 / Float(plane)
        Parallel.forEachChunk(planes, costPerItem: plane) { _, qs in
            for q in qs {
                let src = x + q * plane
                var sum: Float = 0
                for t in 0..<plane { sum += src[t] }
                y[q] = sum * scale
            }
        }
    }

    /// `dx[q, t] = dy[q] / plane` (`[N, C] → [N, C, H, W]`, overwrites `dx`).
    @inlinable
    public static func globalAvgPoolBackward(_ dy: UnsafePointer<Float>, planes: Int, plane: Int,
                                             into dx: UnsafeMutablePointer<Float>) {
        let scale = 1 / Float(plane)
        Parallel.forEachChunk(planes, costPerItem: plane) { _, qs in
            for q in qs { (dx + q * plane).update(repeating: dy[q] * scale, count: plane) }
        }
    }
}
