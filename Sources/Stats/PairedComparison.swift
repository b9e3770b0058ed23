import CGSL

/// The paired comparison of two arms that share everything but the treatment (same seed, θ0,
/// subset and data order): the mean of the per-seed differences dᵢ = aᵢ − bᵢ, its Student-t
/// confidence interval and the paired t-test.
///
///     d̄ = mean(d),  s = sd(d) (n − 1 in the denominator),  se = s / √n
///     CI = d̄ ± t_{1−α/2, n−1} · se,   t = d̄ / se,   p = 2 · P(T_{n−1} ≥ |t|)
///
/// This is `scipy.stats.ttest_rel(a, b)`. Pairing removes the between-seed variance that both
/// arms share, which is what makes a few seeds informative. When every difference is equal
/// (s = 0) the statistic is undefined: d̄ = 0 gives t = 0, p = 1; otherwise t = ±∞, p = 0, and
/// the interval has width 0, so reports never print NaN for deterministic metrics.
public struct PairedComparison: Sendable, Equatable, Codable {
    /// Number of pairs n.
    public let count: Int
    /// Mean difference d̄ = mean(aᵢ − bᵢ).
    public let meanDifference: Double
    /// Sample standard deviation of the differences.
    public let standardDeviation: Double
    /// Half-width of the two-sided `confidence` interval of d̄.
    public let halfWidth: Double
    public let confidence: Double
    public let t: Double
    /// n − 1.
    public let degreesOfFreedom: Double
    /// Two-sided p-value of H₀: E[d] = 0.
    public let p: Double

    /// Compares `a` with `b` pair by pair (same length); nil when there are fewer than two pairs.
    public init?(_ a: [Double], _ b: [Double], confidence: Double = 0.95) {
        precondition(a.count == b.count, "paired comparison needs samples of equal length, got \(a.count) and \(b.count)")
        self.init(differences: zip(a, b).map { $0 - $1 }, confidence: confidence)
    }

    /// The same from the differences dᵢ directly; nil for fewer than two.
    public init?(differences d: [Double], confidence: Double = 0.95) {
        guard d.count >= 2 else { return nil }
        let s = Summary(d, confidence: confidence)
        count = d.count
        meanDifference = s.mean
        standardDeviation = s.standardDeviation
        halfWidth = s.halfWidth
        self.confidence = confidence
        degreesOfFreedom = Double(d.count - 1)
        let se = s.standardDeviation / Double(d.count).squareRoot()
        guard se > 0 else {
            t = s.mean == 0 ? 0 : (s.mean > 0 ? .infinity : -.infinity)
            p = s.mean == 0 ? 1 : 0
            return
        }
        t = s.mean / se
        p = min(1, 2 * gsl_cdf_tdist_Q(abs(t), degreesOfFreedom))
    }

    /// Whether every difference is the same (σ_d = 0 to rounding): the t statistics are then
    /// undefined, whatever `t` and `p` hold (see `hasNoSpread`).
    public var isDegenerate: Bool { Self.hasNoSpread(standardDeviation: standardDeviation, mean: meanDifference) }

    /// Whether differences with standard deviation `sd` and mean `mean` are all the same up to
    /// rounding: σ_d ≤ 10⁻¹² · max(1, |d̄|), so that equal differences of values read from CSV
    /// (0.9812 − 0.9761 against 0.9807 − 0.9756) count as equal. The one definition every
    /// paired table and the seed-extension rule use.
    public static func hasNoSpread(standardDeviation sd: Double, mean: Double = 0) -> Bool {
        sd <= 1e-12 * max(1, abs(mean))
    }

    /// The interval's ends (d̄ − h, d̄ + h).
    public var interval: (lower: Double, upper: Double) { (meanDifference - halfWidth, meanDifference + halfWidth) }
}
