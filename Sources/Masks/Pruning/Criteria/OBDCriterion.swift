/// `obd`: Optimal Brain Damage's saliency s = ½ · F_ii · w_i² (LeCun et al. 1990) with the
/// empirical Fisher diagonal F_ii = mean over samples of (∂ℓ_n/∂w_i)² in place of the Hessian
/// diagonal, over every sample of the `--criterion-batches` batches. Cost: one forward/backward
/// per sample (batch of one).
public struct OBDCriterion: PruningCriterion {
    public let name = "obd"

    public init() {}

    public func scores(_ context: ScoringContext) throws(PruningError) -> [[Float]] {
        let fisher = try context.empiricalFisherDiagonal(name)
        return context.parameters.indices.map { i in zip(fisher[i], context.maskedWeights(i)).map { 0.5 * $0 * $1 * $1 } }
    }

    public static let entry = CriterionEntry(name: "obd", summary: "½·F·w², empirical Fisher diagonal over the criterion batches' samples (LeCun et al. 1990)") { _ in
        OBDCriterion()
    }
}
