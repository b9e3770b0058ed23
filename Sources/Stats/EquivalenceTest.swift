import CGSL

/// Two one-sided tests (TOST) for the equivalence of two paired arms within a margin δ > 0:
/// H₀: |E[d]| ≥ δ against H₁: |E[d]| < δ, with d the per-seed differences.
///
///     t₋ = (d̄ + δ) / se,  p₋ = P(T_{n−1} ≥ t₋)       (is d̄ above −δ?)
///     t₊ = (d̄ − δ) / se,  p₊ = P(T_{n−1} ≤ t₊)       (is d̄ below +δ?)
///     p  = max(p₋, p₊)
///
/// The arms are declared equivalent at level α when p < α, which is the same as the
/// (1 − 2α) confidence interval of d̄ lying inside (−δ, δ). Not rejecting equivalence does not
/// show a difference: with few seeds a study may be able to say neither.
public struct EquivalenceTest: Sendable, Equatable, Codable {
    public let margin: Double
    public let lowerP: Double
    public let upperP: Double
    /// max(p₋, p₊): equivalence is shown at level α when p < α.
    public let p: Double

    /// Tests the differences `d` (at least two) against the margin `margin` (> 0, in the units of d).
    public init?(differences d: [Double], margin: Double) {
        precondition(margin > 0, "equivalence margin must be > 0, got \(margin)")
        guard d.count >= 2 else { return nil }
        self.margin = margin
        let s = Summary(d)
        let df = Double(d.count - 1)
        let se = s.standardDeviation / Double(d.count).squareRoot()
        if se > 0 {
            lowerP = gsl_cdf_tdist_Q((s.mean + margin) / se, df)
            upperP = gsl_cdf_tdist_P((s.mean - margin) / se, df)
        } else {
            lowerP = s.mean > -margin ? 0 : 1
            upperP = s.mean < margin ? 0 : 1
        }
        p = max(lowerP, upperP)
    }

    /// Whether equivalence is shown at level `alpha` (default 0.05).
    public func isEquivalent(alpha: Double = 0.05) -> Bool { p < alpha }
}
