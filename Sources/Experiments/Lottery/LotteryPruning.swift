import Foundation
import Stats
import Layers
import Datasets
import Importance
import Masks

/// One pruning step of a lottery run, through the criterion family (`PruningCriterion`,
/// `MaskBuilder`): from the previous level's mask and trained weights to the next mask.
///
/// Counts (`PruningPlan.pruneSurvivors`; S = survivors of a tensor or of the pooled hidden tensors):
/// - layerwise: every tensor but the last prunes round(p · S) of its survivors, the last
///   (output) tensor round(p_out · S);
/// - global: the hidden tensors are pooled and round(p · S_pooled) survivors with the lowest
///   scores are pruned across them, so layers lose different shares; the output tensor is
///   pruned on its own at p_out, as Frankle & Carbin do.
/// A model with a single masked tensor prunes it at the output rate. Magnitude and random
/// break ties toward the lower flat index (as before the family: results are bit-identical);
/// random scores come from stream (seed, pruning, 1000 + level, tensor); other criteria break
/// ties by stream (seed, pruning, 3000 + level); data-driven ones score on `pruning.batches`
/// batches of the training set (loader epoch = level; `trainingSet` is called only for them,
/// `scoringBatches`), and movement's reference is the level's start weights.
public enum LotteryPruning {
    /// Level `level`'s mask: `previous` pruned by `config`'s criterion, with `network` holding
    /// the trained weights of level − 1 and `reference` its start (θ0, θk or a fresh init);
    /// `trainingSet` gives the data a data-driven criterion scores on (nil: none).
    public static func prune(_ previous: LotteryMask, network: Network, masked: [Parameter], reference: WeightSnapshot?,
                             trainingSet: () -> Dataset?, config: LotteryConfig, level: Int) throws(RunError) -> LotteryMask {
        let seed = config.run.training.seed
        do {
            let criterion = try CriterionRegistry.make(config.selection, config: config.pruning)
            let batches = criterion.scoringBatches(count: config.pruning.batches, batchSize: config.run.training.batchSize,
                                                   sampleShape: network.sampleShape, seed: seed, round: level, trainingSet: trainingSet)
            let streams = RandomStreams(seed: seed)
            let context = ScoringContext(network: network, parameters: masked, mask: previous.tensors.map(\.values),
                                         reference: reference.map { r in masked.map { r.values(of: $0) } }, batches: batches,
                                         config: config.pruning) { streams.stream(.pruning, 1000 + level, $0) }
            let plan = PruningPlan(scope: config.scope, amount: .pruneSurvivors(config.pruneFraction),
                                   output: .pruneSurvivors(config.effectiveOutputFraction))
            let values = try MaskBuilder.build(criterion, context: context, plan: plan, seed: seed, step: level)
            var out = previous
            for i in out.tensors.indices { out.tensors[i].values = values[i] }
            return out
        } catch {
            throw .config(path: "lottery level \(level)", message: error.description)
        }
    }

    /// A random mask with the same number kept in every tensor as `mask` (the random-pruning
    /// control), drawn from stream (seed, pruning, 2000 + level, tensor) by
    /// `MaskBuilder.randomSubset`, the draw of `--mask random`: only the counts and the stream are
    /// the lottery's.
    public static func randomLike(_ mask: LotteryMask, seed: UInt64, level: Int) -> LotteryMask {
        let streams = RandomStreams(seed: seed)
        let values = MaskBuilder.randomSubset(sizes: mask.tensors.map(\.count), counts: mask.tensors.map(\.kept)) {
            streams.stream(.pruning, 2000 + level, $0)
        }
        var out = mask
        for i in out.tensors.indices { out.tensors[i].values = values[i] }
        return out
    }

    /// The per-level prune fraction that reaches a final pruned share `r` in `n` levels:
    /// 1 − (1 − r)^(1/n) (each level prunes that share of the survivors).
    public static func perLevelFraction(finalPruned r: Double, levels n: Int) -> Double {
        precondition(n >= 1 && (0..<1).contains(r), "perLevelFraction: need levels ≥ 1 and r in [0, 1), got \(n), \(r)")
        return 1 - pow(1 - r, 1 / Double(n))
    }
}
