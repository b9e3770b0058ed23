import Foundation
import TensorCore

extension MaskSet {
    /// The kept count of an exact-k mask of parameter `i` at the keep rate: round(q·n), at least 1.
    public func exactKeptCount(_ i: Int) -> Int { Self.exactKeptCount(keepRate: keepRate, count: parameters[i].shape.count) }

    /// round(q·n), at least 1: the kept count of an exact-k mask of `n` weights at keep rate `q`.
    public static func exactKeptCount(keepRate q: Double, count n: Int) -> Int { max(1, Int((q * Double(n)).rounded())) }

    /// The mean keep probability parameter `i` targets: q, or round(q·n)/n for exact-k.
    public func targetKeepRate(_ i: Int) -> Double {
        sampling == .exactK ? Double(exactKeptCount(i)) / Double(parameters[i].shape.count) : keepRate
    }

    /// Draws this step's multipliers from the keep probabilities of every parameter (Bernoulli,
    /// or systematic over a fresh random order with exactly round(q·n) kept), and records the
    /// kept counts.
    public func draw() {
        for i in parameters.indices {
            let n = parameters[i].shape.count
            let p = UnsafePointer(keepProbabilities.base + offsets[i]), out = multipliers.base + offsets[i]
            switch sampling {
            case .bernoulli:
                keptCounts[i] = MaskKernels.bernoulli(keepProbabilities: p, inverted: inverted, random: random, into: out, count: n)
            case .exactK:
                guard let order else { preconditionFailure("exact-k sampling needs a per-step MaskSet") }
                let o = order + offsets[i]
                MaskKernels.shuffle(o, count: n, random: random)
                keptCounts[i] = MaskKernels.systematic(keepProbabilities: p, total: exactKeptCount(i), offset: random.uniform(),
                                                       order: o, inverted: inverted, into: out, count: n)
            }
        }
    }

    /// Σp of parameter `i` (Double, index order): its expected kept count.
    public func sumKeepProbabilities(_ i: Int) -> Double {
        var s = 0.0
        for x in keepProbabilities(i).buffer { s += Double(x) }
        return s
    }
}
