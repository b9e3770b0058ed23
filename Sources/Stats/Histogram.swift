import CGSL

/// Counts of values in fixed bins, on GSL's `gsl_histogram`, plus the values that fall below the
/// first edge or at/above the last one (GSL drops those; we keep them so no value goes missing).
///
/// Bins are half-open `[edges[i], edges[i+1])`. Fixed edges make histograms from different
/// times (importance refreshes) or runs directly comparable.
public final class Histogram: @unchecked Sendable {
    private let h: UnsafeMutablePointer<gsl_histogram>
    /// The `bins + 1` increasing bin edges.
    public let edges: [Double]
    /// Values below `edges[0]` and at or above `edges.last` (NaN counts as above).
    public private(set) var underflow = 0, overflow = 0

    /// A histogram with the given increasing edges (at least two).
    public init(edges: [Double]) {
        precondition(edges.count >= 2 && zip(edges, edges.dropFirst()).allSatisfy { $0 < $1 },
                     "histogram edges must be ≥ 2 strictly increasing values, got \(edges.prefix(8))…")
        gsl_set_error_handler_off()
        guard let p = gsl_histogram_alloc(edges.count - 1) else { fatalError("gsl_histogram_alloc failed (out of memory)") }
        h = p
        self.edges = edges
        var e = edges
        _ = e.withUnsafeMutableBufferPointer { gsl_histogram_set_ranges(h, $0.baseAddress, $0.count) }
    }

    /// `bins` equal bins over `[lower, upper)`.
    public convenience init(bins: Int, lower: Double, upper: Double) {
        precondition(bins >= 1 && lower < upper, "histogram needs bins ≥ 1 and lower < upper, got \(bins), \(lower), \(upper)")
        self.init(edges: (0...bins).map { lower + (upper - lower) * Double($0) / Double(bins) })
    }

    deinit { gsl_histogram_free(h) }

    /// Number of bins.
    public var bins: Int { edges.count - 1 }

    /// Adds one value.
    public func add(_ x: Double) {
        if x < edges[0] { underflow += 1; return }
        if !(x < edges[edges.count - 1]) { overflow += 1; return }
        _ = gsl_histogram_increment(h, x)
    }

    /// Count in bin `i`.
    public func count(_ i: Int) -> Int {
        precondition(i >= 0 && i < bins, "bin \(i) outside 0..<\(bins)")
        return Int(gsl_histogram_get(h, i))
    }

    /// All bin counts, in order.
    public var counts: [Int] { (0..<bins).map(count) }

    /// Empties every bin and the under/overflow counts.
    public func reset() {
        gsl_histogram_reset(h)
        underflow = 0
        overflow = 0
    }
}
