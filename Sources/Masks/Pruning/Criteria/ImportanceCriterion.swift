import Importance

/// `importance`: the mirror-descent importance w of the existing solver (docs/importance.md) as
/// a pruning score: keep the largest w (scored as log w, the same order). The solver runs with
/// the context's `importance` options on the criterion batches, at the weights as they are
/// (pruned weights are already zero in trained lottery levels and masked checkpoints), with
/// γ = the options' γ or 0.01.
public struct ImportanceCriterion: PruningCriterion {
    public let name = "importance"

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
