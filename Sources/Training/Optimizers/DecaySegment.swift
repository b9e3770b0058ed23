import TensorCore
import Layers

/// A contiguous run of parameters in the store sharing one weight-decay coefficient.
///
/// Optimisers sweep `store.values`/`store.grads` as flat arrays; weight decay is the only
/// per-parameter difference, so consecutive parameters with the same decay are merged.
struct DecaySegment: Sendable {
    let start: Int, end: Int
    let weightDecay: Float

    /// Segments covering `0..<store.count`: `weightDecay` for every parameter, or 0 for biases
    /// and BatchNorm γ/β when `decayNormAndBias` is false.
    static func make(_ store: ParameterStore, weightDecay: Float, decayNormAndBias: Bool) -> [DecaySegment] {
        var out: [DecaySegment] = []
        for p in store.parameters {
            let wd: Float = decayNormAndBias || p.role == .weight ? weightDecay : 0
            let end = p.offset + p.shape.count
            if let last = out.last, last.weightDecay == wd, last.end == p.offset {
                out[out.count - 1] = DecaySegment(start: last.start, end: end, weightDecay: wd)
            } else {
                out.append(DecaySegment(start: p.offset, end: end, weightDecay: wd))
            }
        }
        return out
    }
}

extension Array where Element == DecaySegment {
    /// Runs `body(range, weightDecay)` over every element of `0..<total`, split over
    /// `Parallel.threads` chunks and cut at segment boundaries. Each element's update depends
    /// only on its own index, so results do not depend on the thread count.
    @inline(__always)
    func sweep(total: Int, costPerItem: Int, _ body: (Range<Int>, Float) -> Void) {
        self.withUnsafeBufferPointer { segs in
            Parallel.forEachChunk(total, costPerItem: costPerItem) { _, r in
                for s in segs where s.end > r.lowerBound && s.start < r.upperBound {
                    body(Swift.max(s.start, r.lowerBound)..<Swift.min(s.end, r.upperBound), s.weightDecay)
                }
            }
        }
    }
}
