import Foundation
import TensorCore
import Stats
import Layers
import Models
import Datasets
import Masks
import Training

/// One training run from a `RunConfig`: loads the data, builds the model, takes the run
/// folder (`RunFolder`: lock, config, command, provenance), trains with checkpoints and
/// metrics, and plots the curves. The `masklab train` command and the experiment drivers both go through here.
public enum TrainingRun {
    /// The data splits, the network and the augmentation for `config`, with data under `dataRoot`.
    public static func materialise(_ config: RunConfig, dataRoot: URL) throws(RunError) -> (network: Network, splits: DataSplits, augmentation: (any Augmentation)?) {
        let t = config.training
        let loaded: DataSplits
        do {
            loaded = try DatasetRegistry.load(t.dataset, root: dataRoot, validation: config.validation, streams: RandomStreams(seed: t.seed))
        } catch { throw .dataset(error) }
        let splits = TrainSubset.apply(config.trainSubset, testSubset: config.testSubset, to: loaded, seed: t.seed)
        let network: Network
        do {
            network = try ModelRegistry.make(t.model, sampleShape: splits.train.sampleShape, classes: splits.train.classes, options: t.modelOptions)
        } catch { throw .model(error) }
        let augmentation = (config.augment ?? true) ? DatasetRegistry.defaultAugmentation(t.dataset) : nil
        return (network, splits, augmentation)
    }

    /// Trains `config` into `layout.directory`. Everything is checked before the folder is
    /// touched (settings, data, model, masks, optimiser and schedule); then the folder is taken
    /// (`RunFolder`: locked, and a folder that already holds a run is refused unless `reuse` is
    /// `.resume`, which continues it and needs the same config, or `.overwrite`), and only then
    /// are `config.json` and `command.txt` written.
    @discardableResult
    public static func run(_ config: RunConfig, dataRoot: URL, layout: RunLayout, commandLine: [String],
                           reuse: RunFolder.Reuse = .refuse, callbacks: [any TrainingCallback] = [], hooks: [any TrainingHook] = [],
                           control: TrainingControl = TrainingControl()) throws(RunError) -> TrainingResult {
        let (network, splits, augmentation) = try materialise(config, dataRoot: dataRoot)
        let maskHooks = try maskingHooks(config, network: network, splits: splits)
        let configText = try RunFolder.encodeJSON(config, path: layout.config.path)
        let plot = CurvePlotter(layout: layout, title: "\(network.name) on \(config.training.dataset)")
        let trainer: Trainer
        do {
            trainer = try Trainer(config: config.training, network: network, splits: splits, outputDirectory: layout.directory,
                                  callbacks: callbacks + [plot], hooks: hooks + maskHooks, augmentation: augmentation, control: control)
        } catch { throw .training(error) }

        let folder = try open(layout, config: config, commandLine: commandLine, reuse: reuse)
        defer { folder.close() }
        try folder.write(configText, to: RunLayout.configFile)
        try folder.writeCommand([("data", dataRoot.path)])
        let result: TrainingResult
        do { result = try trainer.run(resume: reuse == .resume) } catch {
            try? completeSummary(layout, configText: configText)
            throw .training(error)
        }
        try completeSummary(layout, configText: configText)
        return result
    }

    /// Takes the run folder of `layout` for `config` (see `RunFolder.open`); resuming needs the
    /// folder's saved config to equal `config`.
    static func open(_ layout: RunLayout, config: RunConfig, commandLine: [String], reuse: RunFolder.Reuse) throws(RunError) -> RunFolder {
        try RunFolder.open(layout.directory, commandLine: commandLine, results: RunLayout.results, holds: "a run", reuse: reuse,
                           choices: ["continue it with --resume", "replace it with --overwrite", "choose another --out"]) { () throws(RunError) in
            guard FileManager.default.fileExists(atPath: layout.config.path) else { return }
            guard try RunConfig.load(from: layout.config) == config else {
                throw .config(path: layout.config.path, message: "the run folder holds a different configuration; resume with the same settings or choose another --out")
            }
        }
    }

    /// Puts the run's whole config (`configText`, as in `config.json`) into `summary.json` in
    /// place of the trainer's part of it, so the summary alone says what was run.
    static func completeSummary(_ layout: RunLayout, configText: String) throws(RunError) {
        guard let data = try? Data(contentsOf: layout.summary),
              var summary = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let config = try? JSONSerialization.jsonObject(with: Data(configText.utf8)) else { return }
        summary["config"] = config
        let out: Data
        do { out = try JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) } catch {
            throw .output(path: layout.summary.path, message: "cannot encode the summary: \(error)")
        }
        try RunFolder.writeAtomically(out, to: layout.summary)
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
