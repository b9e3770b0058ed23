import Foundation
import TensorCore
import Layers
import Datasets
import Training

/// `masklab interpolate A B`: the path θ(α) = (1 − α)·A + α·B between two checkpoints of the same
/// model, written to a folder:
///
///     interpolation.csv   alpha,train_loss,train_accuracy,test_loss,test_accuracy
///     interpolation.svg   loss and accuracy against α, train and test
///     summary.json        barrier heights (train and test loss), endpoints, samples, sources
///     command.txt         command line, commit, machine
public enum InterpolationRun {
    /// The files of the folder (its results).
    static let files = ["interpolation.csv", "interpolation.svg", "summary.json", "command.txt"]

    /// What `summary.json` holds.
    public struct Summary: Codable, Sendable {
        public var a: String
        public var b: String
        public var model: String
        /// max over α ∈ [0, 1] of the loss minus the mean of the ends (nats).
        public var trainBarrier: Double
        public var testBarrier: Double
        public var trainSamples: Int
        public var testSamples: Int
        public var points: [Interpolation.Point]
    }

    /// A checkpoint and the config beside it: `path` is a run folder (its `last.safetensors`) or
    /// a `.safetensors` file in one (`WeightsSource.locate`).
    public static func locate(_ path: String) throws(RunError) -> (config: RunConfig, checkpoint: URL) {
        let source = try WeightsSource.locate(path)
        return (source.config, source.file)
    }

    /// Evaluates the path between `a` and `b` on `alphas` (BatchNorm statistics recomputed at
    /// each α) with the model and data of `a`'s config, on the first `trainSamples`/`testSamples`
    /// samples of its training split and test set (all when nil), and writes the folder `out`
    /// (taken as a `RunFolder` once the inputs are checked; results already there are refused
    /// unless `overwrite`).
    public static func run(a: String, b: String, alphas: [Double], dataRoot: URL, out: URL, trainSamples: Int?, testSamples: Int?,
                           threads: Int?, overwrite: Bool = false, commandLine: [String],
                           progress: (Interpolation.Point) -> Void = { _ in }) throws(RunError) -> Summary {
        let (configA, checkpointA) = try locate(a)
        let (configB, checkpointB) = try locate(b)
        guard configA.training.model == configB.training.model, configA.training.modelOptions == configB.training.modelOptions else {
            throw .config(path: b, message: "model \(configB.training.model) differs from A's \(configA.training.model) (interpolation needs the same architecture)")
        }
        var config = configA
        config.augment = false
        config.masks = nil
        if let threads { config.training.threads = threads }
        let (network, splits, _) = try TrainingRun.materialise(config, dataRoot: dataRoot)
        Parallel.setThreads(config.training.threads)
        func snapshot(_ url: URL) throws(RunError) -> WeightSnapshot {
            do { try Checkpoint.load(from: url, into: network, optimizer: nil) } catch { throw .training(.checkpoint(error)) }
            return WeightSnapshot(network.store)
        }
        let wa = try snapshot(checkpointA), wb = try snapshot(checkpointB)
        let folder = try RunFolder.open(out, commandLine: commandLine, results: files, holds: "an interpolation", reuse: overwrite ? .overwrite : .refuse,
                                        choices: ["replace it with --overwrite", "choose another --out"])
        defer { folder.close() }
        func head(_ d: Dataset, _ n: Int?) -> Dataset {
            guard let n, n < d.count else { return d }
            return d.subset(Array(0..<n), name: d.name)
        }
        let train = head(splits.train, trainSamples), test = head(splits.test, testSamples)
        let points = Interpolation.run(network: network, a: wa, b: wb, alphas: alphas, train: train, test: test,
                                       batchSize: config.training.evalBatchSize, progress: progress)
        let summary = Summary(a: checkpointA.path, b: checkpointB.path, model: network.name,
                              trainBarrier: Interpolation.barrier(alphas: alphas, losses: points.map(\.trainLoss)),
                              testBarrier: Interpolation.barrier(alphas: alphas, losses: points.map(\.testLoss)),
                              trainSamples: train.count, testSamples: test.count, points: points)
        try folder.write(([Interpolation.Point.csvHeader] + points.map(\.csvRow)).joined(separator: "\n") + "\n", to: files[0])
        try folder.write(Interpolation.svg(points, title: "\(network.name) on \(config.training.dataset)", a: a, b: b), to: files[1])
        try folder.writeJSON(summary, to: files[2])
        try folder.writeCommand([("A", checkpointA.path), ("B", checkpointB.path), ("data", dataRoot.path)])
        return summary
    }
}
