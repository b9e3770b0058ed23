import CGSL

/// The Wilcoxon signed-rank test of paired differences dᵢ (H₀: the distribution of d is
/// symmetric about 0), two-sided, as `scipy.stats.wilcoxon(d)` computes it with its defaults
/// (`zero_method="wilcox"`, no continuity correction, `method="auto"`):
///
/// - zero differences are dropped; the rest are ranked by |dᵢ| (ties get their mean rank) and
///   W⁺ is the sum of the ranks of the positive dᵢ;
/// - n ≤ 13 (after dropping zeros, or when there were ties or zeros): the exact distribution of
///   W⁺ over all 2ⁿ sign flips, enumerated — SciPy's exact or permutation p, which coincide here;
/// - 13 < n ≤ 50 without ties or zeros: the exact distribution of W⁺ (counts of rank subsets);
/// - otherwise the normal approximation z = (W⁺ − n(n+1)/4) / σ with the tie correction
///   σ² = n(n+1)(2n+1)/24 − Σ(t³ − t)/48.
///
/// The two-sided p is 2 · min(P(W⁺ ≤ w), P(W⁺ ≥ w)), capped at 1. With five seeds the smallest
/// possible p is 2/32 = 0.0625: a signed-rank test needs n ≥ 6 to reach p < 0.05 at all, which a
/// study's seed count must allow for.
public struct WilcoxonSignedRank: Sendable, Equatable, Codable {
    /// The number of non-zero differences used.
    public let count: Int
    /// W⁺, the sum of the ranks of the positive differences.
    public let rankSumPositive: Double
    /// min(W⁺, W⁻), the statistic SciPy reports for a two-sided test.
    public let statistic: Double
    /// Two-sided p-value; 1 when every difference is zero.
    public let p: Double
    /// How p was computed: "exact" or "normal".
    public let method: String

    /// Tests the differences `d` (at least one value).
    public init(differences d: [Double]) {
        let nonzero = d.filter { $0 != 0 }
        let hadZeros = nonzero.count != d.count
        count = nonzero.count
        guard !nonzero.isEmpty else {
            rankSumPositive = 0; statistic = 0; p = 1; method = "exact"
            return
        }
        let ranks = Self.midRanks(nonzero.map(abs))
        let n = nonzero.count
        var wPlus = 0.0
        for i in 0..<n where nonzero[i] > 0 { wPlus += ranks[i] }
        rankSumPositive = wPlus
        let total = Double(n * (n + 1)) / 2
        statistic = min(wPlus, total - wPlus)
        let hasTies = Set(ranks).count != n
        if n <= 13 {
            p = Self.enumeratedP(ranks: ranks, observed: wPlus)
            method = "exact"
        } else if n <= 50 && !hasTies && !hadZeros {
            p = Self.exactP(n: n, observed: wPlus)
            method = "exact"
        } else {
            p = Self.normalP(ranks: ranks, observed: wPlus)
            method = "normal"
        }
    }

    /// Ranks 1…n of `values` in ascending order, ties given the mean of the ranks they span.
    static func midRanks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && values[order[end + 1]] == values[order[start]] { end += 1 }
            let mean = Double(start + end + 2) / 2
            for k in start...end { ranks[order[k]] = mean }
            start = end + 1
        }
        return ranks
    }

    /// Two-sided p over all 2ⁿ sign assignments of `ranks` (n ≤ 13: at most 8192 sums).
    /// A relative tolerance of 1e-12 counts sums equal to the observed one despite rounding of mid-ranks.
    static func enumeratedP(ranks: [Double], observed: Double) -> Double {
        let n = ranks.count
        let tolerance = 1e-12 * max(1, observed)
        var lessOrEqual = 0, greaterOrEqual = 0
        for mask in 0..<(1 << n) {
            var sum = 0.0
            for i in 0..<n where mask & (1 << i) != 0 { sum += ranks[i] }
            if sum <= observed + tolerance { lessOrEqual += 1 }
            if sum >= observed - tolerance { greaterOrEqual += 1 }
        }
        let all = Double(1 << n)
        return min(1, 2 * min(Double(lessOrEqual), Double(greaterOrEqual)) / all)
    }

    /// Two-sided p from the exact null distribution of W⁺ for ranks 1…n (integral `observed`).
    static func exactP(n: Int, observed: Double) -> Double {
        let maxSum = n * (n + 1) / 2
        // counts[s] = number of subsets of {1…n} whose ranks sum to s (as Double: up to 2⁵⁰).
        var counts = [Double](repeating: 0, count: maxSum + 1)
        counts[0] = 1
        for r in 1...n {
            for s in stride(from: maxSum, through: r, by: -1) { counts[s] += counts[s - r] }
        }
        let w = Int(observed.rounded())
        let all = Double(1 << n)
        let cdf = counts[0...w].reduce(0, +) / all
        let sf = counts[w...maxSum].reduce(0, +) / all
        return min(1, 2 * min(cdf, sf))
    }

    /// Two-sided p of the normal approximation with the tie correction (no continuity correction).
    static func normalP(ranks: [Double], observed: Double) -> Double {
        let n = Double(ranks.count)
        var tieTerm = 0.0
        var groups: [Double: Int] = [:]
        for r in ranks { groups[r, default: 0] += 1 }
        for (_, t) in groups where t > 1 { tieTerm += Double(t * t * t - t) }
        let variance = n * (n + 1) * (2 * n + 1) / 24 - tieTerm / 48
        guard variance > 0 else { return 1 }
        let z = (observed - n * (n + 1) / 4) / variance.squareRoot()
        return min(1, 2 * gsl_cdf_ugaussian_Q(abs(z)))
    }
}
