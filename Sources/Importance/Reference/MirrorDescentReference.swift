import Foundation

/// Plain, slow twins of `MirrorDescentSimplex` in linear space and Double, for tests.
public enum MirrorDescentReference {
    /// w⁺ ∝ (w · exp(−η d))^(1/(1+ηλ)), rescaled to Σw⁺ = n (exactly the formula of docs/importance.md).
    public static func step(_ w: [Double], gradient d: [Double], eta: Double, lambda: Double) -> [Double] {
        let e = 1 / (1 + eta * lambda)
        let raw = zip(w, d).map { Foundation.pow($0 * Foundation.exp(-eta * $1), e) }
        let total = raw.reduce(0, +)
        return raw.map { $0 * Double(w.count) / total }
    }

    /// The proximal objective the step minimises over nΔ:
    /// ⟨d, u⟩ + (1/η)·KL(u‖w) + λ·KL(u‖1), with KL(u‖v) = Σ u log(u/v) (Σu = Σv = n).
    public static func proximalObjective(_ u: [Double], w: [Double], gradient d: [Double], eta: Double, lambda: Double) -> Double {
        var f = 0.0
        for i in u.indices {
            let ulog = u[i] > 0 ? u[i] * Foundation.log(u[i] / w[i]) : 0
            let ureg = u[i] > 0 ? u[i] * Foundation.log(u[i]) : 0
            f += d[i] * u[i] + ulog / eta + lambda * ureg
        }
        return f
    }
}
