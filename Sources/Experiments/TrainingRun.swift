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
        let splits = TrainSubset.apply(config.trainSubset, testSubset: config.testSubset, to: loaded, seed: t.seed)
        let network: Network
        do {
            network = try ModelRegistry.make(t.model, sampleShape: splits.train.sampleShape, classes: splits.train.classes, options: t.modelOptions)
        } catch { throw .model(error) }
        let augmentation = (config.augment ?? true) ? DatasetRegistry.defaultAugmentation(t.dataset) : nil
        return (network, splits, augmentation)
    }

    /// Trains `config` into `layout.directory`. With `resume`, continues from the folder's
    /// checkpoint when there is one (a resumed run's config must equal the saved one). `note`
    /// receives one line per event worth announcing (importance refreshes). `initFrom` starts
    /// from the weights of that file instead of the seed's initialisation: a MaskLab checkpoint
    /// or a plain PyTorch state_dict in safetensors (`WeightsSource.load`, every name and shape
    /// checked); a resumed run continues from its own checkpoint as usual.
    @discardableResult
    public static func run(_ config: RunConfig, dataRoot: URL, layout: RunLayout, commandLine: [String],
                           resume: Bool, callbacks: [any TrainingCallback] = [], hooks: [any TrainingHook] = [],
                           control: TrainingControl = TrainingControl(), note: ((String) -> Void)? = nil,
                           initFrom: URL? = nil) throws(RunError) -> TrainingResult {
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
        if let initFrom { _ = try WeightsSource.load(initFrom, into: network) }
        do {
            try config.jsonText().write(to: layout.config, atomically: true, encoding: .utf8)
            let command = commandLine.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
            try "command: \(command)\ndata: \(dataRoot.path)\n\(Provenance.current().text)\n".write(to: layout.command, atomically: true, encoding: .utf8)
        } catch {
            throw .output(path: layout.directory.path, message: "cannot write the run files: \(error.localizedDescription)")
        }
        let maskHooks = try maskingHooks(config, network: network, splits: splits)
        let masking = maskHooks.lazy.compactMap { $0 as? MaskingHook }.first
        var plot: [any TrainingCallback] = [CurvePlotter(layout: layout, title: "\(network.name) on \(config.training.dataset)"),
                                            TensorBoardLogger(hparams: config.hparams, masking: masking)]
        if let note {
            for case let hook as MaskingHook in maskHooks {
                if let sampler = hook.sampler as? ImportanceDropConnect { plot.append(ImportanceRefreshReporter(sampler: sampler, note: note)) }
            }
        }
        let result: TrainingResult
        do {
            let trainer = try Trainer(config: config.training, network: network, splits: splits, outputDirectory: layout.directory,
                                      callbacks: callbacks + plot, hooks: hooks + maskHooks, augmentation: augmentation, control: control)
            result = try trainer.run(resume: resume, initialise: initFrom == nil)
        } catch { throw .training(error) }
        return result
    }
}

extension TrainingRun {
    /// The masking hook for `config.masks` (none when nil); unknown samplers, bad options and an
    /// empty scope fail here, before training starts.
    public static func maskingHooks(_ config: RunConfig, network: Network, splits: DataSplits) throws(RunError) -> [any TrainingHook] {
        guard let m = config.masks else { return [] }
        do { return [try MaskingHook(config: m, network: network, trainingSet: splits.train)] } catch {
            throw .config(path: "masks", message: error.description)
        }
    }
}
