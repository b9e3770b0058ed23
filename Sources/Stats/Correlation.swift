import CGSL

/// Correlation coefficients of paired samples (GSL's `gsl_stats_correlation` and
/// `gsl_stats_spearman`).
public enum Correlation {
    /// Pearson's r = cov(x, y) / (s_x s_y) of `x` and `y` (same length ≥ 2); NaN when either
    /// sample is constant.
    public static func pearson(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count && x.count >= 2, "pearson: need two samples of equal length ≥ 2, got \(x.count) and \(y.count)")
        if isConstant(x) || isConstant(y) { return .nan }
        return x.withUnsafeBufferPointer { xp in
            y.withUnsafeBufferPointer { yp in gsl_stats_correlation(xp.baseAddress, 1, yp.baseAddress, 1, x.count) }
        }
    }

    /// Spearman's ρ: Pearson's r of the ranks, ties given their mean rank; NaN when either
    /// sample is constant.
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count && x.count >= 2, "spearman: need two samples of equal length ≥ 2, got \(x.count) and \(y.count)")
        if isConstant(x) || isConstant(y) { return .nan }
        var work = [Double](repeating: 0, count: 2 * x.count)
        return x.withUnsafeBufferPointer { xp in
            y.withUnsafeBufferPointer { yp in
                work.withUnsafeMutableBufferPointer { wp in
                    gsl_stats_spearman(xp.baseAddress, 1, yp.baseAddress, 1, x.count, wp.baseAddress)
                }
            }
        }
    }

    private static func isConstant(_ v: [Double]) -> Bool { v.allSatisfy { $0 == v[0] } }
}
