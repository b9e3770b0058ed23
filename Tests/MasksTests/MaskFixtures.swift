import Foundation
import TestSupport
import TensorCore
import Stats
import Layers
import Models
import Datasets
import Masks
@testable import Training

/// Small problems for the mask tests (fast in a debug build): 8×8 images in 4 linearly separable
/// classes, an MLP 64-16-12-4 with BatchNorm, SGD with Nesterov momentum and weight decay.
enum MaskFixtures {
    /// 256 training samples (8 batches of 32) and 64 test samples.
    static func splits() -> DataSplits {
        DataSplits(train: Quadrants.dataset(count: 256, seed: 11, name: "quadrants/train"), validation: nil,
                   test: Quadrants.dataset(count: 64, seed: 12, name: "quadrants/test"))
    }

    static func network() -> Network {
        try! ModelRegistry.make("mlp", sampleShape: Shape(1, 8, 8), classes: 4, options: ModelOptions(hidden: [16, 12], batchNorm: true))
    }

    static func config(epochs: Int = 2, seed: UInt64 = 7) -> TrainingConfig {
        TrainingConfig(model: "mlp", modelOptions: ModelOptions(hidden: [16, 12], batchNorm: true), dataset: "quadrants",
                       batchSize: 32, evalBatchSize: 64,
                       optimizer: OptimizerConfig(name: "sgd", learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-3),
                       schedule: ScheduleConfig(name: "cosine"), budget: .epochs(epochs), seed: seed, threads: 1)
    }

    /// A hook for `mask` on a fresh, initialised network, started as a run would start it.
    static func startedHook(_ mask: MaskConfig, seed: UInt64 = 7, training: Dataset? = nil) -> (MaskingHook, Network) {
        let net = network()
        return (startedHook(mask, on: net, seed: seed, training: training), net)
    }

    /// A hook for `mask` on `net`, initialised with `seed`, started as a run would start it.
    static func startedHook(_ mask: MaskConfig, on net: Network, seed: UInt64 = 7, training: Dataset? = nil) -> MaskingHook {
        net.prepare(batch: 32)
        net.store.initialise(streams: RandomStreams(seed: seed))
        let hook = try! MaskingHook(config: mask, network: net, trainingSet: training)
        try! hook.runStart(RunStart(seed: seed, batchSize: 32, iterationsPerEpoch: 8, totalIterations: 16, startIteration: 0,
                                    outputDirectory: nil))
        return hook
    }

    /// A step on a fixed random batch of 32.
    final class Batch {
        let inputs = TensorStorage(count: 32 * 64)
        let labels = UnsafeMutablePointer<Int32>.allocate(capacity: 32)
        init(seed: UInt64) {
            let rng = RandomStream(seed: seed)
            for i in 0..<inputs.count { inputs.base[i] = Float(rng.gaussian()) }
            for i in 0..<32 { labels[i] = Int32(rng.integer(below: 4)) }
        }
        deinit { labels.deallocate() }
        var x: Tensor { inputs.tensor(Shape(32, 1, 8, 8)) }
        func step(_ iteration: Int) -> TrainingStep {
            TrainingStep(iteration: iteration, epoch: iteration / 8, batchInEpoch: iteration % 8, learningRate: 0.05,
                         inputs: x, labels: labels, count: 32)
        }
    }
}

/// Asks the trainer to stop (with a checkpoint) after a given iteration.
final class StopAfter: TrainingCallback {
    let iteration: Int
    var control: TrainingControl?
    init(iteration: Int) { self.iteration = iteration }
    func runStart(_ run: RunInfo) { control = run.control }
    func batchEnd(_ report: BatchReport) { if report.iteration == iteration { control?.requestStop(checkpoint: true) } }
    func epochEnd(_ metrics: EpochMetrics) {}
    func runEnd(_ result: TrainingResult) {}
}
