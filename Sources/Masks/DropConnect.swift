/// `dropconnect`: a new uniform mask every mini-batch, each masked entry kept with probability
/// q (Bernoulli), or exactly round(q·n) per tensor kept: a uniformly random subset of that size
/// (random-order systematic sampling with equal p).
public final class DropConnect: MaskSampler {
    public let name = "dropconnect"
    public let kind = MaskKind.perStep
    public let config: MaskConfig

    public init(config: MaskConfig) { self.config = config }

    public func start(_ context: MaskContext, masks: MaskSet, restored: [MaskState]?) throws(MaskError) {
        for i in masks.parameters.indices {
            let q = masks.targetKeep(i, keep: config.keep, sampling: config.sampling)
            masks.keep(i).fill(Float(q))
            masks.expectedKept[i] = masks.sumKeep(i)
        }
    }

    public func sample(_ step: MaskStep, masks: MaskSet) {
        masks.draw(config.sampling, keep: config.keep, inverted: config.scaling == .inverted)
    }

    public static let entry = MaskSamplerEntry(name: "dropconnect", summary: "uniform DropConnect: keep each weight with probability q, a new mask per step") { c throws(MaskError) in
        DropConnect(config: c)
    }
}
