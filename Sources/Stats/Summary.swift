import CGSL

/// Mean, spread and a Student-t confidence interval of a sample (e.g. one metric over seeds).
public struct Summary: Sendable, Equatable, Codable {
    public let count: Int
    public let mean: Double
    /// Sample standard deviation (n − 1 in the denominator); 0 for one value.
    public let standardDeviation: Double
    /// Half-width of the two-sided confidence interval: t_{1−α/2, n−1} · s / √n; 0 for one value.
    public let halfWidth: Double
    public let confidence: Double

    /// Summarises `values` (at least one) with a `confidence` (default 95%) interval.
    public init(_ values: [Double], confidence: Double = 0.95) {
        precondition(!values.isEmpty, "Summary of no values")
        count = values.count
        self.confidence = confidence
        mean = values.withUnsafeBufferPointer { gsl_stats_mean($0.baseAddress, 1, $0.count) }
        if values.count > 1 {
            standardDeviation = values.withUnsafeBufferPointer { gsl_stats_sd($0.baseAddress, 1, $0.count) }
            let t = gsl_cdf_tdist_Pinv(1 - (1 - confidence) / 2, Double(values.count - 1))
            halfWidth = t * standardDeviation / Double(values.count).squareRoot()
        } else {
            standardDeviation = 0
            halfWidth = 0
        }
    }
}
