import Importance

/// `importance`: the mirror-descent importance w of the existing solver (docs/importance.md) as
/// a pruning score: keep the largest w (scored as log w, the same order). The solver runs with
/// the context's `importance` options on the criterion batches, at the weights as they are
/// (pruned weights are already zero in trained lottery levels and masked checkpoints), with
/// γ = the options' γ or 0.01.
///
/// **Global scope: layer budgets from magnitude, importance order inside each layer.** The
/// solver works on one scaled simplex per tensor (Σw = n in each, docs/importance.md), so w
/// says how a weight compares with the other weights *of its tensor* (w = 2: twice its
/// tensor's average) and nothing about how many weights a tensor should keep: one threshold
/// over every tensor's w compares each weight with its own layer's average only, and a tensor
/// whose importance is concentrated on a few weights loses nearly all the others (the MNIST
/// sweep at ×2 kept 0.13% of fc2). Under a global scope each tensor therefore keeps as many
/// weights as global magnitude pruning keeps in it, and the largest w choose which. Within a
/// tensor the criterion is unchanged (layerwise and global runs keep the same weights for the
/// same count), the cross-layer allocation is the one the magnitude criterion makes in every
/// other global run, and its source is named rather than hidden in a rescaling of w (a score
/// such as w·|θ| would mix the two orders inside each tensor too).
public struct ImportanceCriterion: PruningCriterion {
    public let name = "importance"
    public var globalRanking: GlobalRanking { .budgets(from: MagnitudeCriterion()) }

    public init() {}

    public func scores(_ context: ScoringContext) throws(PruningError) -> [[Float]] {
        let batches = try context.requireBatches(name)
        if context.network.preparedBatch < batches.batchSize { context.network.prepare(batch: batches.batchSize) }
        let solver = ImportanceSolver(network: context.network, targets: context.parameters, config: context.importance)
        solver.solve(on: batches, gamma: context.importance.gamma ?? 0.01)
        return context.parameters.indices.map { solver.logImportance($0).toArray() }
    }

    public static let entry = CriterionEntry(name: "importance", summary: "the importance solver's w (mirror descent on the simplex)") { _ in ImportanceCriterion() }
}
