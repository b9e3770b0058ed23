/// `random`: i.i.d. uniform scores, one per entry in order from the tensor's stream (the
/// context's `random(i)`; a lottery level uses (seed, pruning, 1000 + level, tensor), a fixed
/// mask (seed, pruning, parameter index)): a uniformly random choice among the survivors with the
/// same counts as any other criterion. Comparable across tensors, so a global scope draws
/// uniformly from the pooled survivors. (`--mask random` draws its per-tensor mask by a partial
/// Fisher–Yates shuffle instead, `MaskBuilder.randomSubset`.)
public struct RandomCriterion: PruningCriterion {
    public let name = "random"
    public var breaksTiesByIndex: Bool { true }
    public var needsData: Bool { false }

    public init() {}

    public func scores(_ context: ScoringContext) throws(PruningError) -> [[Float]] {
        context.parameters.indices.map { i in
            let rng = context.random(i)
            return (0..<context.parameters[i].shape.count).map { _ in Float(rng.uniform()) }
        }
    }

    public static let entry = CriterionEntry(name: "random", summary: "uniform random scores (the control)") { _ in RandomCriterion() }
}
