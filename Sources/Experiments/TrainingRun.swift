import Foundation
import TensorCore
import Stats
import Layers
import Models
import Datasets
import Masks
import Training

/// One training run from a `RunConfig`: loads the data, builds the model, writes the run
/// folder (config, command, provenance), trains with checkpoints and metrics, and plots the
/// curves. The `masklab train` command and the experiment drivers both go through here.
public enum TrainingRun {
    /// The data splits, the network and the augmentation for `config`, with data under `dataRoot`.
    public static func materialise(_ config: RunConfig, dataRoot: URL) throws(RunError) -> (network: Network, splits: DataSplits, augmentation: (any Augmentation)?) {
        let t = config.training
        let loaded: DataSplits
        do {
            loaded = try DatasetRegistry.load(t.dataset, root: dataRoot, validation: config.validation, streams: RandomStreams(seed: t.seed))
        } catch { throw .dataset(error) }
        if let m = config.subsetError(trainCount: loaded.train.count, testCount: loaded.test.count) { throw .config(path: "config", message: m) }
        let splits = TrainSubset.apply(config.trainSubset, testSubset: config.testSubset, to: loaded, seed: t.seed)
        if let m = config.memoryError(sampleShape: splits.train.sampleShape, classes: splits.train.classes) { throw .config(path: "config", message: m) }
        let network: Network
        do {
            network = try ModelRegistry.make(t.model, sampleShape: splits.train.sampleShape, classes: splits.train.classes, options: t.modelOptions)
        } catch { throw .model(error) }
        let augmentation = (config.augment ?? true) ? DatasetRegistry.defaultAugmentation(t.dataset) : nil
        return (network, splits, augmentation)
    }

    /// Trains `config` into `layout.directory`. With `resume`, continues from the folder's
    /// checkpoint when there is one (a resumed run's config must equal the saved one).
    @discardableResult
    public static func run(_ config: RunConfig, dataRoot: URL, layout: RunLayout, commandLine: [String],
                           resume: Bool, callbacks: [any TrainingCallback] = [], hooks: [any TrainingHook] = [],
                           control: TrainingControl = TrainingControl()) throws(RunError) -> TrainingResult {
        let fm = FileManager.default
        do { try fm.createDirectory(at: layout.directory, withIntermediateDirectories: true) } catch {
            throw .output(path: layout.directory.path, message: "cannot create the run folder: \(error.localizedDescription)")
        }
        if resume, fm.fileExists(atPath: layout.config.path) {
            let saved = try RunConfig.load(from: layout.config)
            guard saved == config else {
                throw .config(path: layout.config.path, message: "the run folder holds a different configuration; resume with the same settings or choose another --out")
            }
        }
        let (network, splits, augmentation) = try materialise(config, dataRoot: dataRoot)
        do {
            try config.jsonText().write(to: layout.config, atomically: true, encoding: .utf8)
            let command = commandLine.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
            try "command: \(command)\ndata: \(dataRoot.path)\n\(Provenance.current().text)\n".write(to: layout.command, atomically: true, encoding: .utf8)
        } catch {
            throw .output(path: layout.directory.path, message: "cannot write the run files: \(error.localizedDescription)")
        }
        let maskHooks = try maskingHooks(config, network: network, splits: splits)
        let plot = CurvePlotter(layout: layout, title: "\(network.name) on \(config.training.dataset)")
        let result: TrainingResult
        do {
            let trainer = try Trainer(config: config.training, network: network, splits: splits, outputDirectory: layout.directory,
                                      callbacks: callbacks + [plot], hooks: hooks + maskHooks, augmentation: augmentation, control: control)
            result = try trainer.run(resume: resume)
        } catch { throw .training(error) }
        return result
    }
}

extension TrainingRun {
    /// The masking hook for `config.masks` (none when nil); unknown samplers, bad options and an
    /// empty scope fail here, before training starts.
    public static func maskingHooks(_ config: RunConfig, network: Network, splits: DataSplits) throws(RunError) -> [any TrainingHook] {
        guard let m = config.masks else { return [] }
        let sampler: any MaskSampler
        do { sampler = try MaskRegistry.make(m) } catch { throw .config(path: "masks", message: error.description) }
        if sampler.kind != .none && m.scope.select(from: network.store).isEmpty {
            throw .config(path: "masks", message: MaskError.emptyScope(model: network.name, exclude: m.exclude.map(\.rawValue)).description)
        }
        return [MaskingHook(sampler: sampler, config: m, network: network, trainingSet: splits.train)]
    }
}

/// Redraws `curves.svg` (accuracy and loss per epoch) after every epoch.
final class CurvePlotter: TrainingCallback {
    let layout: RunLayout
    let title: String
    var history: [EpochMetrics] = []

    init(layout: RunLayout, title: String) {
        self.layout = layout
        self.title = title
    }

    func runStart(_ run: RunInfo) {}
    func batchEnd(_ report: BatchReport) {}
    func runEnd(_ result: TrainingResult) {
        history = result.history
        draw()
    }

    func epochEnd(_ metrics: EpochMetrics) {
        history.removeAll { $0.epoch >= metrics.epoch }
        history.append(metrics)
        draw()
    }

    func draw() {
        guard !history.isEmpty else { return }
        let x = history.map { Double($0.epoch + 1) }
        let acc = LinePlot(title: title + ": accuracy", xLabel: "epoch", yLabel: "accuracy", series: [
            .init(label: "test", points: zip(x, history.map(\.testAccuracy)).map { ($0, $1) }),
            .init(label: "train", points: zip(x, history.map(\.trainAccuracy)).map { ($0, $1) }),
        ])
        let loss = LinePlot(title: title + ": loss", xLabel: "epoch", yLabel: "cross-entropy", series: [
            .init(label: "test", points: zip(x, history.map(\.testLoss)).map { ($0, $1) }),
            .init(label: "train", points: zip(x, history.map(\.trainLoss)).map { ($0, $1) }),
        ])
        // Two charts stacked in one SVG.
        let a = acc.svg(), l = loss.svg()
        let svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(acc.width))" height="\(Int(acc.height + loss.height))">
        <g>\(a)</g>
        <g transform="translate(0 \(Int(acc.height)))">\(l)</g>
        </svg>

        """
        try? svg.write(to: layout.curves, atomically: true, encoding: .utf8)
    }
}
