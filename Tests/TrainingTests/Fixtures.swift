import Foundation
import TestSupport
import TensorCore
import Stats
import Layers
import Models
import Datasets
import Training

/// Small synthetic problems and models for the training tests (fast in a debug build).
enum Fixtures {
    /// 256 training and 128 test samples (8 batches of 32 per epoch).
    static func splits(validation: Bool = false) -> DataSplits {
        DataSplits(train: Quadrants.dataset(count: 256, seed: 11, name: "quadrants/train"),
                   validation: validation ? Quadrants.dataset(count: 64, seed: 13, name: "quadrants/validation") : nil,
                   test: Quadrants.dataset(count: 128, seed: 12, name: "quadrants/test"))
    }

    /// An MLP 64-16-4 (optionally with BatchNorm1d after the hidden layer).
    static func network(hidden: [Int] = [16], batchNorm: Bool = true) -> Network {
        try! ModelRegistry.make("mlp", sampleShape: Shape(1, 8, 8), classes: 4,
                                options: ModelOptions(hidden: hidden, batchNorm: batchNorm))
    }

    /// A config for the synthetic problem: SGD with Nesterov momentum and cosine decay, batch 32.
    static func config(epochs: Int = 3, seed: UInt64 = 7) -> TrainingConfig {
        TrainingConfig(model: "mlp", modelOptions: ModelOptions(hidden: [16], batchNorm: true), dataset: "quadrants",
                       batchSize: 32, evalBatchSize: 50,
                       optimizer: OptimizerConfig(name: "sgd", learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4),
                       schedule: ScheduleConfig(name: "cosine", warmupIterations: 4),
                       budget: .epochs(epochs), seed: seed, threads: 1)
    }
}

/// Records what a run reports.
final class Recorder: TrainingCallback {
    var batches: [BatchReport] = []
    var epochs: [EpochMetrics] = []
    var allocationCounts: [Int] = []
    var started: RunInfo?
    var ended: TrainingResult?
    /// Stop after this iteration (0-based) finishes, with or without a checkpoint.
    var stopAfterIteration: Int?
    var checkpointOnStop = true
    /// Stop after this epoch's metrics.
    var stopAfterEpoch: Int?

    func runStart(_ run: RunInfo) { started = run }
    func batchEnd(_ report: BatchReport) {
        batches.append(report)
        allocationCounts.append(TensorStorage.allocationCount)
        if report.iteration == stopAfterIteration { started?.control.requestStop(checkpoint: checkpointOnStop) }
    }
    func epochEnd(_ metrics: EpochMetrics) {
        epochs.append(metrics)
        if metrics.epoch == stopAfterEpoch { started?.control.requestStop() }
    }
    func runEnd(_ result: TrainingResult) { ended = result }
}
