import Foundation
import Stats

/// How concentrated one tensor's importance is, for logs and plots.
///
/// With π = w/n (a probability vector): `kl` = KL(π‖uniform) = (1/n)·Σ w log w (nats, 0 for the
/// uniform importance, log n when one weight holds everything); `entropy` = H(π) = log n − kl;
/// `top1`/`top10` = the share of Σw held by the largest ⌈1%⌉/⌈10%⌉ of the entries (0.01 and 0.1
/// when uniform). The histogram counts log₁₀ w in the fixed bins `histogramEdges`, so refreshes
/// and runs compare bin by bin; values below 1e-6 and at or above 1e3 are the under/overflow.
public struct ImportanceStats: Sendable, Equatable {
    public let count: Int
    public let kl: Double
    public let entropy: Double
    public let top1: Double
    public let top10: Double
    public let minimum: Double
    public let maximum: Double
    /// Counts per bin of log₁₀ w (`histogramEdges.count − 1` bins), then under- and overflow.
    public let histogram: [Int]
    public let underflow: Int
    public let overflow: Int

    /// Edges of the log₁₀ w bins: −6 … 3 in steps of 0.25 (36 bins; uniform w = 1 sits at 0).
    public static let histogramEdges: [Double] = (0...36).map { -6 + 0.25 * Double($0) }

    /// Measures importance given as log w (Σ exp(log w) = n). Allocates a sorted copy.
    public init(logW: UnsafeBufferPointer<Float>) {
        let n = logW.count
        precondition(n > 0, "importance stats of an empty tensor")
        count = n
        var klSum = 0.0
        var lo = Double.infinity, hi = -Double.infinity
        let hist = Histogram(edges: Self.histogramEdges)
        var w = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let l = Double(logW[i])
            let x = Foundation.exp(l)
            w[i] = x
            klSum += x * l
            lo = min(lo, x)
            hi = max(hi, x)
            hist.add(l / M_LN10)
        }
        kl = max(klSum / Double(n), 0)
        entropy = Foundation.log(Double(n)) - kl
        w.sort(by: >)
        let total = w.reduce(0, +)
        func share(_ fraction: Double) -> Double {
            let k = max(1, Int((fraction * Double(n)).rounded(.up)))
            return w.prefix(k).reduce(0, +) / total
        }
        top1 = share(0.01)
        top10 = share(0.10)
        minimum = lo
        maximum = hi
        histogram = hist.counts
        underflow = hist.underflow
        overflow = hist.overflow
    }
}
