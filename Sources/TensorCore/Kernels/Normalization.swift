/// Batch-normalisation kernels over channel-major batches `[n, C, S]` (S = H·W, or 1 for
/// `[N, C]`), with the ReLU and the residual add of a ResNet block fused in, so each costs one
/// memory pass instead of three.
///
/// The forward is a per-channel affine map of the input, `a[c]·x + b[c]` with `a = γ·inv` and
/// `b = β − γ·μ·inv` (inv = 1/√(σ² + ε)), optionally plus a second affine-mapped tensor (the
/// shortcut: `ra[c]·r + rb[c]`, identity `ra = 1, rb = 0`) and a ReLU. The normalised input
/// `x̂ = (x − μ)·inv` is never stored: backward recomputes it from `x`. With `g` the upstream
/// gradient masked by the ReLU (`g = dy·[y > 0]`), the input gradient is again affine,
///
///     dx = k·g + p·(x − μ) + q,   k = γ·inv,  p = −γ·inv²·Σ(g·x̂)/M,  q = −γ·inv·Σg/M
///
/// (batch statistics over M = n·S values; with running statistics p = q = 0).
///
/// Sums run in `SIMD8<Float>` lanes within one image row of a channel and in Double across rows,
/// in a fixed order; the work is split over channels in fixed chunks, so results are
/// bit-identical for a given thread count. Plain twins: `Reference.batchNorm…`.
public enum Normalization {
    /// `mean[c]` and biased `variance[c]` over the n·S values of each channel (two passes:
    /// the mean, then the centred squares).
    @inlinable
    public static func statistics(_ x: UnsafePointer<Float>, images n: Int, channels c: Int, plane s: Int,
                                  mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>) {
        let m = Double(n * s)
        Parallel.forEachChunk(c, costPerItem: 2 * n * s) { _, chans in
            for ch in chans {
                var sum = 0.0
                for i in 0..<n { sum += Double(rowSum(x + (i * c + ch) * s, s)) }
                let mu = Float(sum / m)
                var sq = 0.0
                for i in 0..<n { sq += Double(rowSumOfSquares(x + (i * c + ch) * s, s, centre: mu)) }
                mean[ch] = mu
                variance[ch] = Float(sq / m)
            }
        }
    }

    /// `y = a[c]·x + b[c] (+ ra[c]·r + rb[c])`, then `max(·, 0)` when `relu`. `y` may alias `x` or `r`.
    @inlinable
    public static func affine(_ x: UnsafePointer<Float>, images n: Int, channels c: Int, plane s: Int,
                              scale a: UnsafePointer<Float>, shift b: UnsafePointer<Float>,
                              residual r: UnsafePointer<Float>?, residualScale ra: UnsafePointer<Float>?,
                              residualShift rb: UnsafePointer<Float>?, relu: Bool, into y: UnsafeMutablePointer<Float>) {
        Parallel.forEachChunk(n * c, costPerItem: s) { _, rows in
            for q in rows {
                let ch = q % c, o = q * s
                let av = a[ch], bv = b[ch]
                var ar: Float = 0, br: Float = 0
                if r != nil { ar = ra?[ch] ?? 1; br = rb?[ch] ?? 0 }
                let xp = x + o, yp = y + o
                var j = 0
                if let r {
                    let rp = r + o
                    while j + 8 <= s {
                        var v = load(xp + j) * av + bv + load(rp + j) * ar + br
                        if relu { v.replace(with: 0, where: v .< 0) }
                        store(v, yp + j)
                        j += 8
                    }
                    while j < s {
                        let v = xp[j] * av + bv + rp[j] * ar + br
                        yp[j] = relu && v < 0 ? 0 : v
                        j += 1
                    }
                } else {
                    while j + 8 <= s {
                        var v = load(xp + j) * av + bv
                        if relu { v.replace(with: 0, where: v .< 0) }
                        store(v, yp + j)
                        j += 8
                    }
                    while j < s {
                        let v = xp[j] * av + bv
                        yp[j] = relu && v < 0 ? 0 : v
                        j += 1
                    }
                }
            }
        }
    }

    /// Per channel, with `g = dy·[y > 0]` (or `dy` when `reluOutput` is nil): `sumG[c] = Σ g` and
    /// `sumGX[c] = Σ g·(x − mean[c])` over the channel's n·S values. `x` and `mean` may be given
    /// twice (`x2`, `mean2`, `sumGX2`) for a second input read with the same `g` (the shortcut).
    /// With `reluOf` instead of `reluOutput`, `y = relu(a[c]·x + b[c])` is not read but recomputed
    /// from `x` exactly as `affine` computed it (same mask, one tensor less to read).
    @inlinable
    public static func gradientSums(_ dy: UnsafePointer<Float>, reluOutput y: UnsafePointer<Float>?,
                                    reluOf affine: ReluOfAffine? = nil,
                                    _ x: UnsafePointer<Float>, mean: UnsafePointer<Float>,
                                    images n: Int, channels c: Int, plane s: Int,
                                    sumG: UnsafeMutablePointer<Float>, sumGX: UnsafeMutablePointer<Float>,
                                    second x2: UnsafePointer<Float>? = nil, mean2: UnsafePointer<Float>? = nil,
                                    sumGX2: UnsafeMutablePointer<Float>? = nil) {
        precondition(y == nil || affine == nil, "gradientSums: a ReLU output and a ReLU to recompute")
        Parallel.forEachChunk(c, costPerItem: (x2 == nil ? 3 : 4) * n * s) { _, chans in
            for ch in chans {
                channelSums(ch, dy, reluOutput: y, reluOf: affine, x, mean: mean, images: n, channels: c, plane: s,
                            sumG: sumG, sumGX: sumGX, second: x2, mean2: mean2, sumGX2: sumGX2)
            }
        }
    }

    /// `gradientSums`, then `finish`, then `inputGradient` of the same tensors, one channel at a
    /// time: channel `ch`'s sums, `finish(ch)` (which must set `p[ch]`, `q[ch]` from `sumG[ch]`,
    /// `sumGX[ch]` and touch no other channel; `k` is only read), then the channel's rows of `dx` while
    /// its `dy` and `x` are still in the core's cache (n·S values of each: 512 KB at ResNet-18's
    /// 32×32 maps, batch 128), instead of reading both tensors again from memory. Each value goes
    /// through the operations of the two separate calls in the same order, so the bits are theirs
    /// (`NormalizationTests` checks it). `dx` may alias `dy`.
    @inlinable
    public static func backward(_ dy: UnsafePointer<Float>, reluOutput y: UnsafePointer<Float>?,
                                reluOf affine: ReluOfAffine? = nil,
                                _ x: UnsafePointer<Float>, mean: UnsafePointer<Float>,
                                images n: Int, channels c: Int, plane s: Int,
                                sumG: UnsafeMutablePointer<Float>, sumGX: UnsafeMutablePointer<Float>,
                                second x2: UnsafePointer<Float>? = nil, mean2: UnsafePointer<Float>? = nil,
                                sumGX2: UnsafeMutablePointer<Float>? = nil,
                                finish: (Int) -> Void,
                                k: UnsafePointer<Float>, p: UnsafePointer<Float>, q: UnsafePointer<Float>,
                                accumulate: Bool = false, into dx: UnsafeMutablePointer<Float>) {
        precondition(y == nil || affine == nil, "backward: a ReLU output and a ReLU to recompute")
        Parallel.forEachChunk(c, costPerItem: (x2 == nil ? 5 : 6) * n * s) { _, chans in
            for ch in chans {
                channelSums(ch, dy, reluOutput: y, reluOf: affine, x, mean: mean, images: n, channels: c, plane: s,
                            sumG: sumG, sumGX: sumGX, second: x2, mean2: mean2, sumGX2: sumGX2)
                finish(ch)
                for i in 0..<n {
                    gradientRow(i * c + ch, dy, reluOutput: y, reluOf: affine, x, mean: mean, channels: c, plane: s,
                                k: k, p: p, q: q, accumulate: accumulate, into: dx)
                }
            }
        }
    }

    /// `gradientSums` for channel `ch` alone: its n rows in order, each in `SIMD8` lanes, the rows
    /// added in Double.
    @inlinable @inline(__always)
    static func channelSums(_ ch: Int, _ dy: UnsafePointer<Float>, reluOutput y: UnsafePointer<Float>?,
                            reluOf affine: ReluOfAffine?, _ x: UnsafePointer<Float>, mean: UnsafePointer<Float>,
                            images n: Int, channels c: Int, plane s: Int,
                            sumG: UnsafeMutablePointer<Float>, sumGX: UnsafeMutablePointer<Float>,
                            second x2: UnsafePointer<Float>?, mean2: UnsafePointer<Float>?,
                            sumGX2: UnsafeMutablePointer<Float>?) {
        var tg = 0.0, tgx = 0.0, tgx2 = 0.0
        let mu = mean[ch], mu2 = mean2?[ch] ?? 0
        let av = affine?.scale[ch] ?? 0, bv = affine?.shift[ch] ?? 0, recompute = affine != nil
        for i in 0..<n {
            let o = (i * c + ch) * s
            let d = dy + o, yp = y.map { $0 + o }, xp = x + o, xp2 = x2.map { $0 + o }
            var sg = SIMD8<Float>(), sgx = SIMD8<Float>(), sgx2 = SIMD8<Float>()
            var j = 0
            while j + 8 <= s {
                var g = load(d + j)
                if let yp { g.replace(with: 0, where: load(yp + j) .<= 0) }
                if recompute { g.replace(with: 0, where: load(xp + j) * av + bv .<= 0) }
                sg += g
                sgx += g * (load(xp + j) - mu)
                if let xp2 { sgx2 += g * (load(xp2 + j) - mu2) }
                j += 8
            }
            var rg = sg.sum(), rgx = sgx.sum(), rgx2 = sgx2.sum()
            while j < s {
                var g = yp.map { $0[j] > 0 ? d[j] : 0 } ?? d[j]
                if recompute && !(xp[j] * av + bv > 0) { g = 0 }
                rg += g
                rgx += g * (xp[j] - mu)
                if let xp2 { rgx2 += g * (xp2[j] - mu2) }
                j += 1
            }
            tg += Double(rg); tgx += Double(rgx); tgx2 += Double(rgx2)
        }
        sumG[ch] = Float(tg)
        sumGX[ch] = Float(tgx)
        sumGX2?[ch] = Float(tgx2)
    }

    /// `dx = k[c]·g + p[c]·(x − mean[c]) + q[c]` with `g = dy·[y > 0]` (or `dy`); adds into `dx`
    /// when `accumulate`. `dx` may alias `dy` (each element is read before it is written). With
    /// `reluOf`, `y = relu(a[c]·x + b[c])` is recomputed from `x` instead of read (see `gradientSums`).
    @inlinable
    public static func inputGradient(_ dy: UnsafePointer<Float>, reluOutput y: UnsafePointer<Float>?,
                                     reluOf affine: ReluOfAffine? = nil,
                                     _ x: UnsafePointer<Float>, mean: UnsafePointer<Float>,
                                     images n: Int, channels c: Int, plane s: Int,
                                     k: UnsafePointer<Float>, p: UnsafePointer<Float>, q: UnsafePointer<Float>,
                                     accumulate: Bool = false, into dx: UnsafeMutablePointer<Float>) {
        precondition(y == nil || affine == nil, "inputGradient: a ReLU output and a ReLU to recompute")
        Parallel.forEachChunk(n * c, costPerItem: 2 * s) { _, rows in
            for row in rows {
                gradientRow(row, dy, reluOutput: y, reluOf: affine, x, mean: mean, channels: c, plane: s,
                            k: k, p: p, q: q, accumulate: accumulate, into: dx)
            }
        }
    }

    /// `inputGradient` for one row (image `row / c`, channel `row % c`) of S values.
    @inlinable @inline(__always)
    static func gradientRow(_ row: Int, _ dy: UnsafePointer<Float>, reluOutput y: UnsafePointer<Float>?,
                            reluOf affine: ReluOfAffine?, _ x: UnsafePointer<Float>, mean: UnsafePointer<Float>,
                            channels c: Int, plane s: Int,
                            k: UnsafePointer<Float>, p: UnsafePointer<Float>, q: UnsafePointer<Float>,
                            accumulate: Bool, into dx: UnsafeMutablePointer<Float>) {
        let ch = row % c, o = row * s
        let kv = k[ch], pv = p[ch], qv = q[ch], mu = mean[ch]
        let av = affine?.scale[ch] ?? 0, bv = affine?.shift[ch] ?? 0, recompute = affine != nil
        let d = dy + o, yp = y.map { $0 + o }, xp = x + o, out = dx + o
        var j = 0
        while j + 8 <= s {
            var g = load(d + j)
            if let yp { g.replace(with: 0, where: load(yp + j) .<= 0) }
            if recompute { g.replace(with: 0, where: load(xp + j) * av + bv .<= 0) }
            var v = g * kv + (load(xp + j) - mu) * pv + qv
            if accumulate { v += load(out + j) }
            store(v, out + j)
            j += 8
        }
        while j < s {
            var g = yp.map { $0[j] > 0 ? d[j] : 0 } ?? d[j]
            if recompute && !(xp[j] * av + bv > 0) { g = 0 }
            let v = kv * g + pv * (xp[j] - mu) + qv
            out[j] = accumulate ? out[j] + v : v
            j += 1
        }
    }

    /// `Σ p[0..<count]` in eight float lanes (then the lanes in order).
    @inlinable
    static func rowSum(_ p: UnsafePointer<Float>, _ count: Int) -> Float {
        var acc = SIMD8<Float>()
        var j = 0
        while j + 8 <= count { acc += load(p + j); j += 8 }
        var t = acc.sum()
        while j < count { t += p[j]; j += 1 }
        return t
    }

    /// `Σ (p[j] − centre)²` in eight float lanes.
    @inlinable
    static func rowSumOfSquares(_ p: UnsafePointer<Float>, _ count: Int, centre: Float) -> Float {
        var acc = SIMD8<Float>()
        var j = 0
        while j + 8 <= count { let d = load(p + j) - centre; acc += d * d; j += 8 }
        var t = acc.sum()
        while j < count { let d = p[j] - centre; t += d * d; j += 1 }
        return t
    }

    /// The forward `y = relu(a[c]·x + b[c])` of a BatchNorm with its ReLU (`affine` with `relu`
    /// and no residual), for the backward to recompute the ReLU's mask from `x` instead of reading `y`.
    public struct ReluOfAffine {
        public let scale: UnsafePointer<Float>, shift: UnsafePointer<Float>
        @inlinable public init(scale: UnsafePointer<Float>, shift: UnsafePointer<Float>) {
            self.scale = scale
            self.shift = shift
        }
    }

    @inlinable @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }

    @inlinable @inline(__always)
    static func load(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }

    @inlinable @inline(__always)
    static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self) }
}
