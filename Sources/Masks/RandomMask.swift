import Layers
import Stats

/// `random`: a fixed mask keeping round(q·n) entries of each tensor chosen uniformly at random
/// (a partial Fisher–Yates shuffle on stream (seed, pruning, parameter index)): the control
/// for magnitude pruning with the same count per tensor.
public final class RandomMask: MaskSampler {
    public let name = "random"
    public let kind = MaskKind.fixed
    public let config: MaskConfig
    private var masks: MaskSet?

    public init(config: MaskConfig) { self.config = config }

    /// The mask itself (a resumed run must not recompute it from the trained weights).
    public func state() -> [HookState] { masks?.fixedState() ?? [] }

    public func start(_ context: MaskContext, masks: MaskSet, restored: [HookState]?) throws(MaskError) {
        self.masks = masks
        if let restored { return try masks.restoreFixed(restored) }
        let streams = RandomStreams(seed: context.seed)
        for i in masks.parameters.indices {
            let n = masks.parameters[i].shape.count, k = masks.exactKeptCount(i)
            let rng = streams.stream(.pruning, masks.parameters[i].index)
            var index = Array(0..<n)
            for j in 0..<k { index.swapAt(j, j + rng.integer(below: n - j)) }
            let m = masks.multipliers(i)
            m.fill(0)
            for j in 0..<k { m[index[j]] = 1 }
        }
        masks.countKept()
    }

    public static let entry = MaskSamplerEntry(name: "random", summary: "fixed random mask keeping round(q·n) weights per tensor") { c throws(MaskError) in
        RandomMask(config: c)
    }
}
