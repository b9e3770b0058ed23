import Foundation

/// Mirror descent (exponentiated gradient) on the scaled simplex nΔ = {w ≥ 0, Σw = n} with
/// KL-to-uniform regularisation, kept in log space.
///
/// One step with step size η and regularisation λ on a gradient d = ∇φ(w) (already normalised):
///
///     w⁺ ∝ (w · exp(−η d))^(1/(1+ηλ)),   rescaled so that Σw⁺ = n,
///
/// the minimiser over nΔ of ⟨d, u⟩ + (1/η)·KL(u‖w) + λ·KL(u‖1). In log space, l = log w:
///
///     l⁺ = (l − η d)/(1 + ηλ);   l⁺ ← l⁺ − logsumexp(l⁺) + log n,
///
/// which never overflows (the largest entry of w is at most n) and keeps importances far below
/// Float's smallest normal number distinguishable. Fixed point: w* = n·softmax(−d/λ).
///
/// Kernels run over unsafe buffers and allocate nothing; `MirrorDescentReference` holds the
/// plain twins (linear space, Double) the tests compare against.
public enum MirrorDescentSimplex {
    /// One step in place on `logW` (n entries) with gradient `d` multiplied by `gradientScale`
    /// (1/s of the normalisation). Sums run in Double in index order (deterministic).
    public static func step(logW: UnsafeMutableBufferPointer<Float>, gradient d: UnsafeBufferPointer<Float>,
                            gradientScale: Float, eta: Double, lambda: Double) {
        let n = logW.count
        precondition(d.count == n && n > 0, "mirror step: \(n) importances, \(d.count) gradients")
        let contraction = Float(1 / (1 + eta * lambda))
        let etaScale = Float(eta) * gradientScale
        var top = -Float.infinity
        for i in 0..<n {
            let l = (logW[i] - etaScale * d[i]) * contraction
            logW[i] = l
            top = max(top, l)
        }
        shift(logW, top: top)
    }

    /// Rescales `logW` in place so that Σ exp(logW) = n.
    public static func normalise(logW: UnsafeMutableBufferPointer<Float>) {
        var top = -Float.infinity
        for l in logW { top = max(top, l) }
        shift(logW, top: top)
    }

    /// l ← l − (logsumexp(l) − log n), with the sum taken relative to the maximum.
    @inline(__always)
    static func shift(_ logW: UnsafeMutableBufferPointer<Float>, top: Float) {
        precondition(top.isFinite, "mirror step: non-finite log-importance (max \(top)); is ∇φ finite?")
        var sum = 0.0
        for l in logW { sum += Foundation.exp(Double(l - top)) }
        let offset = Float(Double(top) + Foundation.log(sum) - Foundation.log(Double(logW.count)))
        for i in 0..<logW.count { logW[i] -= offset }
    }

    /// Starting point in log space from the gradient `g`: uniform (0), log g² or log |g|, then
    /// normalised to Σw = n. Entries with g = 0 get log(1e-30·mean) so that logs stay finite;
    /// an all-zero `g` gives the uniform start.
    public static func initialise(logW: UnsafeMutableBufferPointer<Float>, gradient g: UnsafeBufferPointer<Float>,
                                  _ kind: ImportanceInitialisation) {
        let n = logW.count
        precondition(g.count == n && n > 0, "initialise: \(n) importances, \(g.count) gradients")
        func magnitude(_ x: Float) -> Double {
            kind == .gradientSquared ? Double(x) * Double(x) : Double(abs(x))
        }
        var mean = 0.0
        if kind != .uniform { for x in g { mean += magnitude(x) } }
        mean /= Double(n)
        guard kind != .uniform, mean > 0, mean.isFinite else {
            logW.initialize(repeating: 0)
            return
        }
        let floor = mean * 1e-30
        for i in 0..<n { logW[i] = Float(Foundation.log(max(magnitude(g[i]), floor) / mean)) }
        normalise(logW: logW)
    }

    /// Σ w log w over the entries (w = exp(logW)), in Double: the KL of w to the uniform
    /// importance on nΔ (Σw = n), times n. The regulariser of the step control's objective.
    public static func negativeEntropy(logW: UnsafeBufferPointer<Float>) -> Double {
        var sum = 0.0
        for l in logW { sum += Foundation.exp(Double(l)) * Double(l) }
        return sum
    }

    /// The normalisation scale s of ∇φ (see `GradientNormalisation`); 1 when ∇φ is all zero.
    public static func scale(of d: UnsafeBufferPointer<Float>, _ kind: GradientNormalisation) -> Float {
        guard kind != .none, d.count > 0 else { return 1 }
        var s = 0.0
        switch kind {
        case .rms:
            for x in d { s += Double(x) * Double(x) }
            s = (s / Double(d.count)).squareRoot()
        case .maxAbs:
            for x in d { s = max(s, Double(abs(x))) }
        case .none:
            s = 1
        }
        return s > 0 && s.isFinite ? Float(s) : 1
    }
}
