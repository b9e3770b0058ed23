import CGSL

/// Power of the two-sided paired t-test, and the smallest effect a study can detect: the
/// numbers a study states before it runs.
///
/// With n pairs, differences of standard deviation σ and a true mean difference Δ, the test
/// statistic follows a noncentral t distribution with n − 1 degrees of freedom and
/// noncentrality λ = Δ√n / σ; the power at level α is
///
///     P(|T′| > c) = E_V[ Q(c·√(V/ν) − λ) + Q(c·√(V/ν) + λ) ],   c = t_{1−α/2, ν},  V ~ χ²_ν,  ν = n − 1
///
/// (Q the standard normal upper tail). The expectation over V is computed by the midpoint rule
/// on the χ² quantile scale with 4 000 points, which agrees with SciPy's `nct` to ≈ 1e-6.
public enum PairedPower {
    /// Probability that a two-sided paired t-test at level `alpha` rejects H₀ with `pairs`
    /// pairs (≥ 2) when the true mean difference is `effect` standard deviations of the differences.
    public static func power(effect: Double, pairs: Int, alpha: Double = 0.05) -> Double {
        precondition(pairs >= 2, "power needs at least 2 pairs, got \(pairs)")
        precondition(alpha > 0 && alpha < 1, "alpha must be in (0, 1), got \(alpha)")
        let nu = Double(pairs - 1)
        let c = gsl_cdf_tdist_Pinv(1 - alpha / 2, nu)
        let lambda = abs(effect) * Double(pairs).squareRoot()
        let points = 4000
        var sum = 0.0
        for k in 0..<points {
            let u = (Double(k) + 0.5) / Double(points)
            let v = gsl_cdf_chisq_Pinv(u, nu)
            let scale = c * (v / nu).squareRoot()
            sum += gsl_cdf_ugaussian_Q(scale - lambda) + gsl_cdf_ugaussian_Q(scale + lambda)
        }
        return sum / Double(points)
    }

    /// The smallest true mean difference, in standard deviations of the differences, that a
    /// two-sided paired t-test at level `alpha` with `pairs` pairs detects with probability
    /// `power` (default 0.8). Multiply by the differences' standard deviation for the effect in
    /// the metric's units.
    public static func minimumDetectableEffect(pairs: Int, alpha: Double = 0.05, power target: Double = 0.8) -> Double {
        precondition(target > alpha && target < 1, "power must be in (alpha, 1), got \(target)")
        var low = 0.0, high = 1.0
        while power(effect: high, pairs: pairs, alpha: alpha) < target { high *= 2 }
        for _ in 0..<50 {
            let mid = (low + high) / 2
            if power(effect: mid, pairs: pairs, alpha: alpha) < target { low = mid } else { high = mid }
        }
        return (low + high) / 2
    }
}
