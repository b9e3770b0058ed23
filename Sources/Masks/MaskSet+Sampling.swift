import Foundation
import TensorCore

extension MaskSet {
    /// The number of entries an exact-k mask keeps in parameter `i` at keep rate `q`: round(q·n), at least 1.
    public func exactKept(_ i: Int, keep q: Double) -> Int {
        max(1, Int((q * Double(parameters[i].shape.count)).rounded()))
    }

    /// Draws this step's multipliers from the keep probabilities `keep` of every parameter
    /// (Bernoulli, or systematic over a fresh random order with exactly round(q·n) kept), and
    /// records the numbers kept.
    public func draw(_ sampling: MaskSampling, keep q: Double, inverted: Bool) {
        for i in parameters.indices {
            let n = parameters[i].shape.count
            let p = UnsafePointer(keep.base + offsets[i]), out = multipliers.base + offsets[i]
            switch sampling {
            case .bernoulli:
                kept[i] = MaskKernels.bernoulli(keep: p, inverted: inverted, random: random, into: out, count: n)
            case .exactK:
                guard let order else { preconditionFailure("exact-k sampling needs a MaskSet made with samplingOrder: true") }
                let o = order + offsets[i]
                MaskKernels.shuffle(o, count: n, random: random)
                kept[i] = MaskKernels.systematic(keep: p, total: exactKept(i, keep: q), offset: random.uniform(), order: o,
                                                 inverted: inverted, into: out, count: n)
            }
        }
    }

    /// The mean keep probability a tensor of `i`'s size targets: q, or round(q·n)/n for exact-k.
    public func targetKeep(_ i: Int, keep q: Double, sampling: MaskSampling) -> Double {
        sampling == .exactK ? Double(exactKept(i, keep: q)) / Double(parameters[i].shape.count) : q
    }

    /// Σp of parameter `i` (Double, index order).
    public func sumKeep(_ i: Int) -> Double {
        var s = 0.0
        for x in keep(i).buffer { s += Double(x) }
        return s
    }
}
