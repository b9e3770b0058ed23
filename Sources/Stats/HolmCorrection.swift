/// Holm's step-down correction of p-values for a family of m tests (the contrasts a study
/// declares as primary): sort p₍₁₎ ≤ … ≤ p₍ₘ₎, adjusted p₍ᵢ₎ = max_{j ≤ i} min(1, (m − j + 1) · p₍ⱼ₎),
/// returned in the input order. Rejecting where the adjusted p < α controls the family-wise
/// error rate at α under any dependence between the tests; it is uniformly more powerful than
/// Bonferroni. Equals `statsmodels.stats.multitest.multipletests(p, method="holm")[1]`.
public enum HolmCorrection {
    /// The Holm-adjusted p-values of `p`, in the same order.
    public static func adjust(_ p: [Double]) -> [Double] {
        let m = p.count
        let order = p.indices.sorted { p[$0] < p[$1] }
        var adjusted = [Double](repeating: 0, count: m)
        var running = 0.0
        for (j, index) in order.enumerated() {
            running = max(running, min(1, Double(m - j) * p[index]))
            adjusted[index] = running
        }
        return adjusted
    }
}
