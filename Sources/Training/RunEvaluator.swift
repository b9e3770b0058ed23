import Layers
import Datasets

/// The one way to evaluate a network during a run: every pass reads the hooks' evaluation
/// weights (e.g. the expected mask p ⊙ W) inside `Network.withEffectiveWeights`, in `.inference`
/// mode. The trainer's own test and validation evaluations and callbacks that evaluate (early
/// stopping) go through it, so they all score the same network.
public final class RunEvaluator: @unchecked Sendable {
    public let network: Network
    public let hooks: [any TrainingHook]

    public init(network: Network, hooks: [any TrainingHook]) {
        self.network = network
        self.hooks = hooks
    }

    /// Mean loss and accuracy over every batch of `loader` (the network must be prepared for its batch size).
    public func evaluate(_ loader: BatchLoader) -> LossAndAccuracy {
        network.withEffectiveWeights(weights()) { Evaluator.run(network, on: loader) }
    }

    /// Mean loss and accuracy over `dataset` in batches of `batchSize` (prepares the network for them).
    public func evaluate(_ dataset: Dataset, batchSize: Int) -> LossAndAccuracy {
        network.withEffectiveWeights(weights()) { Evaluator.run(network, on: dataset, batchSize: batchSize) }
    }

    private func weights() -> EffectiveWeights {
        var all = EffectiveWeights()
        for h in hooks { all.add(h.evaluationWeights()) }
        return all
    }
}
