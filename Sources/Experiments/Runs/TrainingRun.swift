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
        let splits = try splits(config, dataRoot: dataRoot)
        if let m = config.memoryError(sampleShape: splits.train.sampleShape, classes: splits.train.classes) { throw .setting(path: "config", message: m) }
        let network: Network
        do {
            network = try ModelRegistry.make(t.model, sampleShape: splits.train.sampleShape, classes: splits.train.classes, options: t.modelOptions)
        } catch { throw .model(error) }
        let augmentation = (config.augment ?? true) ? DatasetRegistry.defaultAugmentation(t.dataset) : nil
        return (network, splits, augmentation)
    }

    /// The data splits of `config` read from `dataRoot`: its classes, validation split and
    /// subsets applied.
    public static func splits(_ config: RunConfig, dataRoot: URL) throws(RunError) -> DataSplits {
        let t = config.training
        let loaded: DataSplits
        do {
            loaded = try DatasetRegistry.load(t.dataset, root: dataRoot, classes: config.classes, validation: config.validation, streams: RandomStreams(seed: t.seed))
        } catch { throw .dataset(error) }
        if let m = config.subsetError(trainCount: loaded.train.count, testCount: loaded.test.count) { throw .setting(path: "config", message: m) }
        return TrainSubset.apply(config.trainSubset, testSubset: config.testSubset, to: loaded, seed: t.seed)
    }

    /// The test split of `config` alone (its classes and test subset applied), read from
    /// `dataRoot` without the training files: for evaluation.
    public static func testSplit(_ config: RunConfig, dataRoot: URL) throws(RunError) -> Dataset {
        let test: Dataset
        do { test = try DatasetRegistry.loadTest(config.training.dataset, root: dataRoot, classes: config.classes) } catch { throw .dataset(error) }
        if let m = config.subsetError(trainCount: .max, testCount: test.count) { throw .setting(path: "config", message: m) }
        return TrainSubset.test(config.testSubset, of: test)
    }

    /// The network `config` describes, for its dataset's sample shape and classes (the selected
    /// ones when `classes` is set), as `materialise` builds it, without reading any data.
    public static func network(_ config: RunConfig) throws(RunError) -> Network {
        let t = config.training
        let dataset: any DatasetDefinition.Type
        do { dataset = try DatasetRegistry.definition(t.dataset) } catch { throw .dataset(error) }
        do {
            return try ModelRegistry.make(t.model, sampleShape: dataset.sampleShape, classes: config.classes?.count ?? dataset.classes, options: t.modelOptions)
        } catch { throw .model(error) }
    }

    /// Trains `config` into `layout.directory`. A folder another command writes (`FolderOwner`:
    /// a lottery or one of its levels, a comparison, a sweep, …) is refused first, whatever
    /// `reuse` says. Everything is checked before the folder is touched (settings, data, model,
    /// masks, optimiser and schedule); then the folder is taken (`RunFolder`: locked, and a
    /// folder that already holds a run is refused unless `reuse` is `.resume`, which continues it
    /// and needs the same config — in `config.json` and in the checkpoint, which also records the
    /// data's fingerprints (`RunConditions`) — or `.overwrite`), and only then are `config.json`
    /// and `command.txt` written. A folder deleted or replaced while the run writes it stops the
    /// run (`.folderReplaced`) before its next write. `note` receives one line per event worth
    /// announcing (importance refreshes). `announce` receives `config.synopsis` once the data,
    /// model and masks are checked, before anything trains. `initFrom` starts from the weights of that file instead
    /// of the seed's initialisation: a MaskLab checkpoint or a plain PyTorch state_dict in
    /// safetensors (`WeightsSource.load`, every name and shape checked); a resumed run continues
    /// from its own checkpoint as usual.
    @discardableResult
    public static func run(_ config: RunConfig, dataRoot: URL, layout: RunLayout, commandLine: [String],
                           reuse: RunFolder.Reuse = .refuse, callbacks: [any TrainingCallback] = [], hooks: [any TrainingHook] = [],
                           control: TrainingControl = TrainingControl(), note: ((String) -> Void)? = nil,
                           announce: ((String) -> Void)? = nil, initFrom: URL? = nil) throws(RunError) -> TrainingResult {
        if let owner = FolderOwner.of(layout.directory) {
            throw .foreignFolder(path: layout.directory.path, owner: owner.command, evidence: owner.evidence, writer: "train")
        }
        let (network, splits, augmentation) = try materialise(config, dataRoot: dataRoot)
        if let initFrom { _ = try WeightsSource.load(initFrom, into: network) }
        let maskHooks = try maskingHooks(config, network: network, splits: splits)
        let configText = try RunFolder.encodeJSON(config, path: layout.config.path)
        let masking = maskHooks.lazy.compactMap { $0 as? MaskingHook }.first
        var extra: [any TrainingCallback] = [CurvePlotter(layout: layout, title: "\(network.name) on \(config.training.dataset)"),
                                             TensorBoardLogger(run: config, masking: masking, network: network)]
        if let note {
            for case let hook as MaskingHook in maskHooks {
                if let sampler = hook.sampler as? ImportanceDropConnect { extra.append(ImportanceRefreshReporter(sampler: sampler, note: note)) }
            }
        }
        // A resumed run's saved config and checkpoint are checked before the folder is touched
        // (a live writer is reported by `open` below instead: its pid says more).
        let checkResume = reuse == .resume && FolderLock.holder(of: layout.directory) == nil
        if checkResume { try requireSavedConfig(layout, equals: config) }
        // A folder `open` will refuse (results without --resume or --overwrite, a live writer's
        // lock) is refused before the run is announced.
        try RunFolder.precheck(layout.directory, results: RunLayout.results, holds: "a run", reuse: reuse, choices: choices(layout)) { () throws(RunError) in
            try requireSavedConfig(layout, equals: config)
        }
        announce?(config.synopsis)
        if reuse == .resume, !FileManager.default.fileExists(atPath: layout.checkpoint.path) {
            note?("--resume: no checkpoint in \(layout.directory.path), so this is a new run, "
                  + (initFrom == nil ? "from the start" : "from the weights of --init-from"))
        }
        if let caution = config.masks?.caution { warn(caution) }
        let trainer: Trainer
        do {
            trainer = try Trainer(config: config.training, network: network, splits: splits, outputDirectory: layout.directory,
                                  callbacks: callbacks + extra, hooks: hooks + maskHooks, augmentation: augmentation, control: control,
                                  recordedConfig: config.checkpointRecord)
            if checkResume { try trainer.checkResume() }
        } catch { throw .training(error) }
        for warning in trainer.resumeWarnings { warn(warning) }

        let folder = try open(layout, config: config, commandLine: commandLine, reuse: reuse)
        defer { folder.close() }
        trainer.outputCheck = folder.trainerCheck
        // A completed run resumed trains nothing: its records keep the settings it ran with (a
        // resume may change its TensorBoard logging, which then never happened), and command.txt
        // gets no invocation (it lists the ones that trained: a no-op resume on another machine
        // would make the run look mixed to `compare`'s machine guard and its report).
        let finished = reuse == .resume && RunFolder.status(of: layout) == .completed
        let recordText = finished ? ((try? String(contentsOf: layout.config, encoding: .utf8)) ?? configText) : configText
        try folder.write(recordText, to: RunLayout.configFile)
        if !finished {
            try folder.writeCommand((LocalExecutor.configNote(commandLine, folder: layout.directory).map { [("config", $0)] } ?? [])
                                    + [("data", dataRoot.path)])
        }
        let result: TrainingResult
        do { result = try trainer.run(resume: reuse == .resume, initialise: initFrom == nil) } catch {
            try folder.checkStillOurs()
            try? completeSummary(layout, configText: recordText)
            throw .training(error)
        }
        try completeSummary(layout, configText: recordText)
        return result
    }

    /// Prints `line` to standard error as a warning (shown with --quiet too, and in a child's log).
    static func warn(_ line: String) {
        // write(2), not FileHandle.write: with SIGPIPE ignored, a closed stderr must not trap.
        let text = Array("warning: \(line)\n".utf8)
        _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }

    /// Takes the run folder of `layout` for `config` (see `RunFolder.open`); resuming needs the
    /// folder's saved config to equal `config`.
    static func open(_ layout: RunLayout, config: RunConfig, commandLine: [String], reuse: RunFolder.Reuse) throws(RunError) -> RunFolder {
        let folder = try RunFolder.open(layout.directory, commandLine: commandLine, results: RunLayout.results, holds: "a run", reuse: reuse,
                                        choices: choices(layout)) { () throws(RunError) in
            try requireSavedConfig(layout, equals: config)
        }
        // What `importance` and `prune` computed from the replaced weights stays (it is never
        // deleted: other work may use its files), but it no longer describes this run: say so.
        if reuse == .overwrite {
            for sub in derivedFolders(layout) {
                warn("\(sub.path) was computed from the weights --overwrite replaced; it is kept, but no longer describes this run")
            }
        }
        return folder
    }

    /// What a refusal of the run folder of `layout` offers (a completed run has nothing to
    /// continue: --resume is not offered for it).
    static func choices(_ layout: RunLayout) -> [String] {
        let resumable = RunFolder.status(of: layout) != .completed
        return (resumable ? ["continue it with --resume"] : []) + ["replace it with --overwrite", "choose another --out"]
    }

    /// The folders inside a run folder that `importance` (`importance/`) or `prune` (`prune-*/`)
    /// wrote from this run's own weights, by their default names and by the weights their record
    /// names; symbolic links are not followed.
    static func derivedFolders(_ layout: RunLayout) -> [URL] {
        let fm = FileManager.default
        let run = layout.directory.standardizedFileURL
        let names = ((try? fm.contentsOfDirectory(atPath: run.path)) ?? []).sorted().filter { $0 == "importance" || $0.hasPrefix("prune-") }
        return names.map { run.appendingPathComponent($0, isDirectory: true) }.filter { sub in
            guard (try? fm.attributesOfItem(atPath: sub.path))?[.type] as? FileAttributeType == .typeDirectory,
                  let command = try? String(contentsOf: RunLayout(directory: sub).command, encoding: .utf8) else { return false }
            // The "weights:" line of the latest invocation names the file read.
            let latest = RunFolder.latestInvocation(command)
            guard let line = latest.split(separator: "\n").first(where: { $0.hasPrefix("weights: ") }) else { return false }
            return line.contains(run.appendingPathComponent(RunLayout.checkpointFile).path)
        }
    }

    /// Refuses to resume a folder whose `config.json` differs from `config` in anything but its
    /// TensorBoard logging (`resumeSettings`; no file: nothing to compare).
    static func requireSavedConfig(_ layout: RunLayout, equals config: RunConfig) throws(RunError) {
        guard FileManager.default.fileExists(atPath: layout.config.path) else { return }
        let saved = try RunConfig.load(from: layout.config)
        // Settings the optimiser or schedule ignores are no difference (`readSettings`).
        guard saved.resumeSettings == config.resumeSettings else {
            let what = ConfigDiff.brief(saved: saved.resumeSettings.jsonText(), requested: config.resumeSettings.jsonText())
            throw .setting(path: layout.config.path, message: "the run folder holds a different configuration"
                + (what.isEmpty ? "" : " (\(what))") + "; "
                + (differsOnlyInBudget(saved, config) ? budgetChangeAdvice(layout) : "resume with the same settings or choose another --out"))
        }
    }

    /// Whether `a` and `b` differ in nothing the optimiser or schedule reads but the training budget.
    static func differsOnlyInBudget(_ a: RunConfig, _ b: RunConfig) -> Bool {
        var a = a
        a.training.budget = b.training.budget
        return a.resumeSettings == b.resumeSettings
    }

    /// What to do instead of resuming `layout`'s run with another budget.
    static func budgetChangeAdvice(_ layout: RunLayout) -> String {
        let why = "a run's budget cannot change on resume (the learning-rate schedule and any mask schedule are laid out over it, "
            + "so the steps already trained would not be those of a run with the new budget)"
        guard FileManager.default.fileExists(atPath: layout.checkpoint.path) else {
            return why + "; train the new budget as a new run: --out NEW, or --overwrite to replace this one"
        }
        return why + "; to train on from these weights, start a new run in another folder: --out NEW --init-from "
            + "\(layout.checkpoint.path) (its optimiser state starts afresh)"
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
        do { return [try MaskingHook(config: m, network: network, trainingSet: splits.train)] } catch {
            let text = error.description   // MaskError says "masks: …" itself
            throw .config(path: "masks", message: text.hasPrefix("masks: ") ? String(text.dropFirst(7)) : text)
        }
    }
}
