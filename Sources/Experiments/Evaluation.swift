import Foundation
import TensorCore
import Stats
import Layers
import Datasets
import Training

/// Loss and accuracy of a checkpoint, as `masklab eval` prints them.
public struct EvaluationResult: Codable, Sendable {
    public var model: String
    public var step: Int
    public var testLoss: Double
    public var testAccuracy: Double
    public var testSamples: Int
    public var trainLoss: Double?
    public var trainAccuracy: Double?
    public var trainSamples: Int?
}

/// Evaluates a saved run (`masklab eval`) in inference mode: BatchNorm running statistics, no mask sampled.
public enum Evaluation {
    /// Loads `checkpoint` into the model of `config` and evaluates it on the test set (and the
    /// training set when `includeTrain`).
    public static func evaluate(_ config: RunConfig, checkpoint: URL, dataRoot: URL, includeTrain: Bool) throws(RunError) -> EvaluationResult {
        var c = config
        c.augment = false
        let (network, splits, _) = try TrainingRun.materialise(c, dataRoot: dataRoot)
        Parallel.setThreads(config.training.threads)
        let contents: Checkpoint.Contents
        do { contents = try Checkpoint.load(from: checkpoint, into: network, optimizer: nil) } catch {
            throw .training(.checkpoint(error))
        }
        let batch = config.training.evalBatchSize
        let test = Evaluator.run(network, on: splits.test, batchSize: batch)
        var result = EvaluationResult(model: network.name, step: contents.progress.iteration, testLoss: test.loss,
                                      testAccuracy: test.accuracy, testSamples: splits.test.count)
        if includeTrain {
            let train = Evaluator.run(network, on: splits.train, batchSize: batch)
            result.trainLoss = train.loss
            result.trainAccuracy = train.accuracy
            result.trainSamples = splits.train.count
        }
        return result
    }
}
