import Foundation
import TensorCore
import Stats
import Layers
import Datasets
import Training
import Masks

/// Loss and accuracy of a checkpoint, as `masklab eval` prints them.
public struct EvaluationResult: Codable, Sendable {
    public var model: String
    /// Iterations the checkpoint had trained; 0 for a plain state_dict.
    public var step: Int
    public var testLoss: Double
    public var testAccuracy: Double
    public var testSamples: Int
    public var trainLoss: Double?
    public var trainAccuracy: Double?
    public var trainSamples: Int?
    /// "checkpoint" (a MaskLab checkpoint) or "state_dict" (plain weights, e.g. from PyTorch).
    public var format: String
    /// Set when the checkpoint holds a mask's state (its run trained with masks) but the config
    /// evaluated with has none: the scores are of the network without any mask.
    public var maskIgnored: Bool? = nil
}

/// Evaluates a saved run (`masklab eval`) in inference mode: BatchNorm running statistics, no
/// mask sampled. A run trained with a per-step mask and `evalMask: expected` is scored as its
/// trainer scored it: the mask hook is restored from the checkpoint (keep probabilities
/// included) and applies the expected mask around each pass.
public enum Evaluation {
    /// Loads `checkpoint` (a MaskLab checkpoint or a plain state_dict, see `WeightsSource`) into
    /// the model of `config` and evaluates it on the test set (and the training set when
    /// `includeTrain`).
    public static func evaluate(_ config: RunConfig, checkpoint: URL, dataRoot: URL, includeTrain: Bool) throws(RunError) -> EvaluationResult {
        var c = config
        c.augment = false
        let t = config.training
        let expectedMask = config.masks?.evalMask == .expected
        // Threads first: a convolution plans its lanes for the thread count when it is prepared.
        Parallel.setThreads(t.threads)
        // The training split is read only when it is scored or the expected mask needs it: the
        // test set alone can be evaluated from its own files.
        let network: Network, test: Dataset, splits: DataSplits?
        if includeTrain || expectedMask {
            let m = try TrainingRun.materialise(c, dataRoot: dataRoot)
            (network, test, splits) = (m.network, m.splits.test, m.splits)
        } else {
            (network, test, splits) = (try TrainingRun.network(c), try TrainingRun.testSplit(c, dataRoot: dataRoot), nil)
            network.prepare(batch: t.evalBatchSize)
        }
        // nil for a plain state_dict: the weights as saved, no training position, no mask state.
        let contents = try WeightsSource.load(checkpoint, into: network)
        var hooks: [any TrainingHook] = []
        if let contents, expectedMask, let splits {
            hooks = try TrainingRun.maskingHooks(c, network: network, splits: splits)
            let perEpoch = (splits.train.count + t.batchSize - 1) / t.batchSize
            let run = RunStart(seed: t.seed, batchSize: t.batchSize, iterationsPerEpoch: perEpoch,
                               totalIterations: t.budget.totalIterations(iterationsPerEpoch: perEpoch),
                               startIteration: contents.progress.iteration, outputDirectory: nil)
            for h in hooks {
                do { try h.restore(from: contents.hookState); try h.runStart(run) } catch {
                    throw .training(.checkpoint(.hookState(path: checkpoint.path, message: error.message)))
                }
            }
        }
        let evaluator = RunEvaluator(network: network, hooks: hooks)
        let scored = evaluator.evaluate(test, batchSize: t.evalBatchSize)
        var result = EvaluationResult(model: network.name, step: contents?.progress.iteration ?? 0, testLoss: scored.loss,
                                      testAccuracy: scored.accuracy, testSamples: test.count, format: contents == nil ? "state_dict" : "checkpoint")
        if let contents, maskIgnored(config, contents, checkpoint) { result.maskIgnored = true }
        if includeTrain, let splits {
            let train = evaluator.evaluate(splits.train, batchSize: t.evalBatchSize)
            (result.trainLoss, result.trainAccuracy, result.trainSamples) = (train.loss, train.accuracy, splits.train.count)
        }
        return result
    }

    /// Whether the checkpoint holds a mask's state that the config evaluated with ignores. A
    /// fixed mask (a lottery level's, whose `sparsity.csv` says so) is not: its weights are saved
    /// already masked, so they score the same without it.
    static func maskIgnored(_ config: RunConfig, _ contents: Checkpoint.Contents, _ checkpoint: URL) -> Bool {
        guard config.masks == nil, contents.hookState.contains(where: { $0.name.hasPrefix(MaskingHook.prefix) }) else { return false }
        return RunLayout(directory: checkpoint.deletingLastPathComponent()).fixedMaskDensity == nil
    }
}
