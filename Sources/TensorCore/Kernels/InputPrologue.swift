/// A BatchNorm step that a Winograd transform applies to each plane of its input as it reads it,
/// in training, so that the step's output tensor is never written nor read back: the input
/// counterpart of `OutputEpilogue`.
///
/// - `reluOfAffine`: the forward `a1 = relu(a[c]·h + b[c])` of a BatchNorm with its ReLU
///   (`Normalization.affine` without a residual); the convolution reads `h` and normalises it
///   plane by plane, in the forward and again when its backward recomputes the input transform.
/// - `batchNormGradient`: BatchNorm's input gradient `dh = k[c]·g + p[c]·(x − μ[c]) + q[c]`, `g`
///   being `dy` masked by the ReLU (`Normalization.inputGradient`); the convolution's backward
///   reads `dy` and maps it plane by plane instead of reading a `dh` written by a separate pass.
///
/// A plane `[H·W]` of channel `c` is mapped into the transform's plane buffer (L1-sized) with the
/// row functions of the separate passes (`Normalization.affineRow`, `inputGradientRow`), so the
/// transform sees the same bits as it would reading the separate pass's output (tests check the
/// products and gradients bit for bit). Padding stays zero: it lies outside the mapped planes.
/// The pointers must stay valid until the backward that uses the prologue has run.
public struct InputPrologue {
    enum Kind {
        case reluOfAffine(Normalization.ReluOfAffine)
        case gradient(reluOutput: UnsafePointer<Float>?, reluOf: Normalization.ReluOfAffine?, input: UnsafePointer<Float>,
                      mean: UnsafePointer<Float>, k: UnsafePointer<Float>, p: UnsafePointer<Float>, q: UnsafePointer<Float>)
    }
    let kind: Kind

    /// Reads `relu(a[c]·x + b[c])` for `x` (the forward of `BatchNorm(relu: true)`).
    public static func reluOfAffine(_ map: Normalization.ReluOfAffine) -> InputPrologue { InputPrologue(kind: .reluOfAffine(map)) }

    /// Reads `k[c]·g + p[c]·(x − mean[c]) + q[c]` for `dy`, with `g = dy·[y > 0]` (`reluOutput`
    /// `y` given), `g = dy·[a·x + b > 0]` (`reluOf`) or `g = dy`; `x` (`input`) and `y` have
    /// `dy`'s layout. The coefficients are `BatchNorm.finishSums`'s.
    public static func batchNormGradient(reluOutput: UnsafePointer<Float>?, reluOf: Normalization.ReluOfAffine?,
                                         input: UnsafePointer<Float>, mean: UnsafePointer<Float>,
                                         k: UnsafePointer<Float>, p: UnsafePointer<Float>, q: UnsafePointer<Float>) -> InputPrologue {
        precondition(reluOutput == nil || reluOf == nil, "InputPrologue: a ReLU output and a ReLU to recompute")
        return InputPrologue(kind: .gradient(reluOutput: reluOutput, reluOf: reluOf, input: input, mean: mean, k: k, p: p, q: q))
    }

    /// The mapped plane of channel `ch` whose `count` values start at element `offset` of
    /// `source` (the transform's input tensor), written to `out`; returns `out`.
    @inline(__always)
    func plane(_ source: UnsafePointer<Float>, offset o: Int, channel ch: Int, count s: Int,
               into out: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        switch kind {
        case let .reluOfAffine(m):
            Normalization.affineRow(source + o, s, scale: m.scale[ch], shift: m.shift[ch], relu: true, into: out)
        case let .gradient(y, reluOf, x, mean, k, p, q):
            Normalization.inputGradientRow(source + o, reluOutput: y.map { $0 + o }, reluOf: reluOf, x + o, mean: mean, channel: ch,
                                           count: s, k: k, p: p, q: q, accumulate: false, into: out)
        }
        return UnsafePointer(out)
    }
}
