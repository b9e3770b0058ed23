/// `snip`: connection sensitivity s = |g ⊙ w| (Lee et al. 2019), g = ∂L/∂w the mean gradient
/// over the `--criterion-batches` seeded training batches, at the masked weights. Cost: one
/// forward/backward per batch.
public struct SNIPCriterion: PruningCriterion {
    public let name = "snip"

    public init() {}

    public func scores(_ context: ScoringContext) throws(PruningError) -> [[Float]] {
        let g = try context.meanGradient(name)
        return context.parameters.indices.map { i in zip(g[i], context.maskedWeights(i)).map { abs($0 * $1) } }
    }

    public static let entry = CriterionEntry(name: "snip", summary: "|g ⊙ w| over the criterion batches (Lee et al. 2019)") { _ in SNIPCriterion() }
}
