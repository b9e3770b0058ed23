import Layers

/// `dropconnect`: a new uniform mask every mini-batch, each masked entry kept with probability
/// q (Bernoulli), or exactly round(q·n) per tensor kept: a uniformly random subset of that size
/// (random-order systematic sampling with equal p).
public final class DropConnect: PerStepMask {
    public let name = "dropconnect"
    public let config: MaskConfig

    public init(config: MaskConfig) { self.config = config }

    public func start(_ run: MaskRun, restored: [HookState]?) throws(MaskError) {
        let masks = run.masks
        for i in masks.parameters.indices {
            masks.keepProbabilities(i).fill(Float(masks.targetKeepRate(i)))
            masks.expectedKeptCounts[i] = masks.sumKeepProbabilities(i)
        }
    }

    public func sample(_ step: TrainingStep, run: MaskRun) {
        run.masks.draw()
    }

    public static let entry = MaskSamplerEntry(name: "dropconnect", summary: "uniform DropConnect: keep each weight with probability q, a new mask per step",
                                               reads: MaskSamplerEntry.perStepReads) { c throws(MaskError) in
        DropConnect(config: c)
    }
}
