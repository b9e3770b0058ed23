import Layers
import Stats

/// `random`: a fixed mask keeping round(q·n) entries of each tensor chosen uniformly at random
/// (`MaskBuilder.randomSubset`: a partial Fisher–Yates shuffle on stream (seed, pruning,
/// parameter index)): the control for magnitude pruning with the same count per tensor.
/// `--mask prune --criterion random` draws i.i.d. uniform scores instead (another, equally
/// uniform mask).
public final class RandomMask: FixedMask {
    public let name = "random"
    public let config: MaskConfig

    public init(config: MaskConfig) { self.config = config }

    public func initialMask(_ run: MaskRun) throws(MaskError) {
        let masks = run.masks
        let streams = RandomStreams(seed: run.seed)
        let parameters = masks.parameters
        let mask = MaskBuilder.randomSubset(sizes: parameters.map(\.shape.count), counts: parameters.indices.map(masks.exactKeptCount)) {
            streams.stream(.pruning, parameters[$0].index)
        }
        for i in parameters.indices { masks.multipliers(i).copy(from: mask[i]) }
    }

    public static let entry = MaskSamplerEntry(name: "random", summary: "fixed random mask keeping round(q·n) weights per tensor") { c throws(MaskError) in
        RandomMask(config: c)
    }
}
