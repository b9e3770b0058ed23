/// What a product does to its output values right after writing them: in inference, BatchNorm's
/// affine map with running statistics, a residual and a ReLU, so that `relu(bn(conv(x)) +
/// shortcut)` needs no memory pass of its own; in training, the identity shortcut's gradient added
/// to a convolution's input gradient (`residualMask`, below). Winograd applies it to output rows
/// as soon as the output transform has stored them (still in L1; F(4×4)'s C output transform, to
/// each output channel's planes of a chunk as soon as it has written them); the im2col lowerings to each
/// chunk's output (in cache); linear layers together with the bias (`applyRows`).
///
/// For output channel `o` and a value `t` as the product would write it (bias included):
///
///     v = a[o]·t + b[o]                  (when `scale` is given; else v = t)
///     v = v + ra[o]·r + rb[o]            (when `residual` is given; ra = 1, rb = 0 when absent)
///     v = v < 0 ? 0 : v                  (when `relu`)
///
/// with `r` the residual tensor at the output's own position (same layout as the output). The
/// operations and their order are those of `Normalization.affine`, so the fused forward writes
/// the same bits as the product followed by that separate pass (tests check it bit for bit).
///
/// With `residualMask` (a tensor of the output's layout; no residual scale or shift), the
/// residual is added only where the mask is positive, `v = v + (m > 0 ? r : 0)` (+0 elsewhere):
/// the identity shortcut's gradient `dx += dy·[y > 0]`, the operations of `Elementwise.addMasked`.
/// Its plain twin is that separate pass; `Reference.batchNormForward` is the double-precision one.
public struct OutputEpilogue {
    /// `a`, `b` per output channel (BatchNorm's `affineScale`, `affineShift`), or nil.
    public var scale: UnsafePointer<Float>?, shift: UnsafePointer<Float>?
    /// A tensor of the output's layout added after the affine map, with its own per-channel
    /// affine map (`residualScale`, `residualShift`, identity when nil).
    public var residual: UnsafePointer<Float>?
    public var residualScale: UnsafePointer<Float>?, residualShift: UnsafePointer<Float>?
    /// Where given, the residual is added only where this tensor (the output's layout) is > 0.
    /// Set only by `init`, which checks that it comes with a residual and no residual map.
    public private(set) var residualMask: UnsafePointer<Float>?
    public var relu: Bool

    public init(scale: UnsafePointer<Float>? = nil, shift: UnsafePointer<Float>? = nil, residual: UnsafePointer<Float>? = nil,
                residualScale: UnsafePointer<Float>? = nil, residualShift: UnsafePointer<Float>? = nil,
                residualMask: UnsafePointer<Float>? = nil, relu: Bool = false) {
        precondition((scale == nil) == (shift == nil), "output epilogue: scale and shift go together")
        precondition(residualMask == nil || (residual != nil && residualScale == nil && residualShift == nil),
                     "output epilogue: a residual mask needs a residual without scale or shift")
        self.residualMask = residualMask
        self.scale = scale
        self.shift = shift
        self.residual = residual
        self.residualScale = residualScale
        self.residualShift = residualShift
        self.relu = relu
    }

    /// Writes the products' values unchanged.
    public static var none: OutputEpilogue { OutputEpilogue() }

    /// Whether it changes nothing.
    public var isNone: Bool { scale == nil && residual == nil && !relu }

    /// The coefficients of output channel `o`.
    func channel(_ o: Int) -> Channel {
        Channel(affine: scale != nil, a: scale?[o] ?? 1, b: shift?[o] ?? 0, residual: residual, mask: residualMask,
                ra: residualScale?[o] ?? 1, rb: residualShift?[o] ?? 0, relu: relu)
    }

    /// One output channel's coefficients, applied to values at element offsets of the output.
    struct Channel {
        let affine: Bool
        let a: Float, b: Float
        let residual: UnsafePointer<Float>?
        let mask: UnsafePointer<Float>?
        let ra: Float, rb: Float
        let relu: Bool

        init(affine: Bool, a: Float, b: Float, residual: UnsafePointer<Float>?, mask: UnsafePointer<Float>?, ra: Float, rb: Float,
             relu: Bool) {
            (self.affine, self.a, self.b, self.residual, self.mask, self.ra, self.rb, self.relu) = (affine, a, b, residual, mask, ra, rb, relu)
        }

        /// Applies the epilogue in place to `count` output values starting at element `at` of
        /// the output (`y` points at that element). Concrete `SIMD8` blocks and a scalar tail,
        /// the operations of `Normalization.affine` in its order (of `Elementwise.addMasked`
        /// with a mask).
        @inline(__always)
        func apply(_ y: UnsafeMutablePointer<Float>, count: Int, at: Int) {
            let r = residual.map { $0 + at }, m = mask.map { $0 + at }
            var j = 0
            while j + 8 <= count {
                var v = Normalization.load(y + j)
                if affine { v = v * a + b }
                if let r, let m {
                    var g = Normalization.load(r + j)
                    g.replace(with: 0, where: .!(Normalization.load(m + j) .> 0))
                    v = v + g
                } else if let r {
                    v = v + Normalization.load(r + j) * ra + rb
                }
                if relu { v.replace(with: 0, where: v .< 0) }
                Normalization.store(v, y + j)
                j += 8
            }
            while j < count {
                var v = y[j]
                if affine { v = v * a + b }
                if let r, let m { v = v + (m[j] > 0 ? r[j] : 0) } else if let r { v = v + r[j] * ra + rb }
                y[j] = relu && v < 0 ? 0 : v
                j += 1
            }
        }
    }
}

extension OutputEpilogue {
    /// Applies the epilogue in place to images `images` of `y [N, O, S]` (element offsets from
    /// `y`, which the residual shares), on the calling thread or spread over the threads.
    public func apply(_ y: UnsafeMutablePointer<Float>, channels o: Int, plane s: Int, images: Range<Int>, spread: Bool = false) {
        guard !isNone else { return }
        let first = images.lowerBound * o
        func planes(_ r: Range<Int>) { for q in r { channel(q % o).apply(y + q * s, count: s, at: q * s) } }
        if spread {
            Parallel.forEachChunk(images.count * o, costPerItem: s) { _, r in planes((first + r.lowerBound)..<(first + r.upperBound)) }
        } else {
            planes(first..<(images.upperBound * o))
        }
    }
}

extension OutputEpilogue {
    /// For a linear layer's output `y [rows, O]` (channels along the row): `y[i, j] += bias[j]`
    /// when a bias is given, then the epilogue, on rows `rows`, spread over the threads.
    public func applyRows(_ y: UnsafeMutablePointer<Float>, rows: Range<Int>, columns o: Int, bias: UnsafePointer<Float>?) {
        precondition(residualMask == nil, "output epilogue: a residual mask on a linear layer's rows is not supported")
        let a = scale, b = shift, relu = relu
        let r = residual, ra = residualScale, rb = residualShift
        Parallel.forEachChunk(rows.count, costPerItem: o) { _, part in
            for i in part {
                let at = (rows.lowerBound + i) * o, row = y + at, rrow = r.map { $0 + at }
                var j = 0
                while j + 8 <= o {
                    var v = Normalization.load(row + j)
                    if let bias { v += Normalization.load(bias + j) }
                    if let a, let b { v = v * Normalization.load(a + j) + Normalization.load(b + j) }
                    if let rrow {
                        let sr = ra.map { Normalization.load($0 + j) } ?? SIMD8(repeating: 1)
                        let sb = rb.map { Normalization.load($0 + j) } ?? SIMD8(repeating: 0)
                        v = v + Normalization.load(rrow + j) * sr + sb
                    }
                    if relu { v.replace(with: 0, where: v .< 0) }
                    Normalization.store(v, row + j)
                    j += 8
                }
                while j < o {
                    var v = row[j]
                    if let bias { v += bias[j] }
                    if let a, let b { v = v * a[j] + b[j] }
                    if let rrow { v = v + rrow[j] * (ra?[j] ?? 1) + (rb?[j] ?? 0) }
                    row[j] = relu && v < 0 ? 0 : v
                    j += 1
                }
            }
        }
    }
}
