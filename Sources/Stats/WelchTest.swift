import CGSL

/// Welch's unequal-variances t-test of two independent samples (e.g. one metric of two arms
/// over seeds): is the difference of their means distinguishable from 0?
///
///     t  = (x̄₁ − x̄₂) / √(s₁²/n₁ + s₂²/n₂)
///     df = (s₁²/n₁ + s₂²/n₂)² / ((s₁²/n₁)²/(n₁−1) + (s₂²/n₂)²/(n₂−1))      (Welch–Satterthwaite)
///     p  = 2 · P(T_df ≥ |t|)                                                (two-sided)
///
/// With s the sample standard deviation (n − 1 in the denominator). Each sample needs at least
/// two values. When both variances are 0 the statistic is undefined: equal means give t = 0,
/// p = 1; different means give t = ±∞, p = 0 (and df = n₁ + n₂ − 2, the pooled count), so a
/// report never prints NaN for deterministic metrics.
public struct WelchTest: Sendable, Equatable, Codable {
    /// Difference of the means, x̄₁ − x̄₂.
    public let difference: Double
    public let t: Double
    /// Welch–Satterthwaite degrees of freedom (not an integer in general).
    public let degreesOfFreedom: Double
    /// Two-sided p-value.
    public let p: Double

    /// Compares sample `a` with sample `b`; nil when either has fewer than two values.
    public init?(_ a: [Double], _ b: [Double]) {
        guard a.count >= 2, b.count >= 2 else { return nil }
        let sa = Summary(a), sb = Summary(b)
        let va = sa.standardDeviation * sa.standardDeviation / Double(a.count)
        let vb = sb.standardDeviation * sb.standardDeviation / Double(b.count)
        difference = sa.mean - sb.mean
        let se2 = va + vb
        guard se2 > 0 else {
            t = difference == 0 ? 0 : (difference > 0 ? .infinity : -.infinity)
            degreesOfFreedom = Double(a.count + b.count - 2)
            p = difference == 0 ? 1 : 0
            return
        }
        t = difference / se2.squareRoot()
        degreesOfFreedom = se2 * se2 / (va * va / Double(a.count - 1) + vb * vb / Double(b.count - 1))
        // Q is the upper tail; computing the tail directly keeps tiny p-values accurate.
        p = min(1, 2 * gsl_cdf_tdist_Q(abs(t), degreesOfFreedom))
    }
}
