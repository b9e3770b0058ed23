/// `random`: a uniformly random choice among the survivors with the same counts as any other
/// criterion, drawn on the tensor's stream (the context's `random(i)`; a lottery level uses
/// (seed, pruning, 1000 + level, tensor), a fixed mask (seed, pruning, parameter index)).
public struct RandomCriterion: PruningCriterion {
    /// How the random order of a tensor is drawn.
    public enum Draw: Sendable {
        /// i.i.d. uniform scores, one per entry in order: the registry's `random` (lottery levels
        /// and controls, pruning sweeps, `--mask prune --criterion random`). Comparable across
        /// tensors, so a global scope draws uniformly from the pooled survivors.
        case uniformScores
        /// The rank in a Fisher–Yates shuffle of the tensor: the j-th entry drawn scores n − j.
        /// The first k drawn are, for every k, the partial shuffle of `MaskBuilder.randomSubset`,
        /// so keeping the top k per tensor is the fixed `--mask random` mask of earlier releases,
        /// bit for bit. Ranks are exact in Float up to 2^24 entries per tensor (AlexNet's
        /// 4096×4096 is the largest MaskLab builds); they compare only within a tensor, so this
        /// draw is for per-tensor (layerwise) groups.
        case shuffleRanks
    }

    public let name = "random"
    public let draw: Draw
    public var breaksTiesByIndex: Bool { true }

    public init(draw: Draw = .uniformScores) { self.draw = draw }

    public func scores(_ context: ScoringContext) throws(PruningError) -> [[Float]] {
        context.parameters.indices.map { i in
            let rng = context.random(i), n = context.parameters[i].shape.count
            switch draw {
            case .uniformScores:
                return (0..<n).map { _ in Float(rng.uniform()) }
            case .shuffleRanks:
                var index = Array(0..<n)
                var score = [Float](repeating: 0, count: n)
                for j in 0..<n {
                    index.swapAt(j, j + rng.integer(below: n - j))
                    score[index[j]] = Float(n - j)
                }
                return score
            }
        }
    }

    public static let entry = CriterionEntry(name: "random", summary: "uniform random scores (the control)") { _ in RandomCriterion() }
    /// The shuffle-rank draw, for `--mask random` (not in the registry: `--criterion random` is `entry`).
    static let shuffleEntry = CriterionEntry(name: "random", summary: "Fisher–Yates ranks per tensor") { _ in RandomCriterion(draw: .shuffleRanks) }
}
