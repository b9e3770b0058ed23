import Foundation
import Layers
import Datasets
import Masks
import Training

/// Trains one lottery level (or branch) into its folder: the level's mask through the `given`
/// sampler, the start weights, early-stopping tracking and the usual run files. Returns nil when
/// the run was stopped (Ctrl-C); the same call later resumes from the folder's checkpoint.
struct LevelTrainer {
    let config: LotteryConfig
    let network: Network
    let splits: DataSplits
    let augmentation: (any Augmentation)?
    let callbacks: [any TrainingCallback]
    let control: TrainingControl
    let commandLine: [String]
    /// The `config:` line of each level's `command.txt` (a study child's temporary config), or nil.
    var configNote: String? = nil
    let dataRoot: URL
    /// Sees the network when each level's training starts (after the mask was applied).
    let onStart: ((_ level: Int, _ arm: String, _ network: Network) -> Void)?

    func train(_ dir: URL, level: Int, arm: String, mask: LotteryMask, start: WeightSnapshot,
               extra: [any TrainingCallback] = []) throws(RunError) -> LotteryLevelResult? {
        let resultFile = LotteryLayout.result(dir)
        if let data = try? Data(contentsOf: resultFile), let done = try? JSONDecoder().decode(LotteryLevelResult.self, from: data) {
            return done
        }
        // A stop that arrived while the previous level or branch finished: start no new training
        // (it would run one step on this binary only to checkpoint it).
        if control.stopRequested { return nil }
        let layout = RunLayout(directory: dir)
        let t = config.run.training
        // The level's config without masks: its checkpoint already holds m ⊙ θ, so `masklab eval` reads it as is.
        let configText = try RunFolder.encodeJSON(config.run, path: layout.config.path)
        start.restore(into: network.store)
        let sampler = GivenMask(config: MaskConfig(name: "given", keep: 1), values: mask.byName)
        let hook = MaskingHook(sampler: sampler, config: sampler.config, network: network, trainingSet: splits.train)
        let tracker = EarlyStoppingTracker(network: network, splits: splits, batchSize: t.evalBatchSize, every: config.evaluateEvery,
                                           file: LotteryLayout.validation(dir))
        let plot = CurvePlotter(layout: layout, title: "\(network.name) level \(level) \(arm) (\(String(format: "%.2f", 100 * mask.density))% of weights)",
                                validationFile: LotteryLayout.validation(dir),
                                validationLabel: splits.validation == nil ? "test, every \(counted(config.evaluateEvery, "iteration")) (no validation split)" : "validation, every \(counted(config.evaluateEvery, "iteration"))")
        let observer = onStart.map { f in StartObserver { f(level, arm, network) } }
        let board = TensorBoardLogger(run: config.run, extra: [.init("lottery.level", .number(Double(level))), .init("lottery.arm", .string(arm)),
                                                               .init("lottery.remaining", .number(100 * mask.density))], masking: hook, network: network)
        let trainer: Trainer
        do {
            trainer = try Trainer(config: t, network: network, splits: splits, outputDirectory: dir,
                                  callbacks: [tracker, plot, board] + extra + callbacks + (observer.map { [$0] } ?? []), hooks: [hook], augmentation: augmentation, control: control,
                                  recordedConfig: config.run.checkpointRecord)
            // The checkpoint of an interrupted level is checked (and its warning shown) before the folder is taken.
            try trainer.checkResume()
        } catch { throw .training(error) }
        for warning in trainer.resumeWarnings { TrainingRun.warn(warning) }
        // The lottery's own settings check (in `LotteryRun`) already vouches for what the level folder holds.
        let folder = try RunFolder.open(dir, commandLine: commandLine, results: RunLayout.results, holds: "a lottery level", reuse: .resume, choices: [], writer: "lottery")
        defer { folder.close() }
        trainer.outputCheck = folder.trainerCheck
        try folder.write(configText, to: RunLayout.configFile)
        try folder.writeCommand([("level", "\(level) (\(arm))")] + (configNote.map { [("config", $0)] } ?? []) + [("data", dataRoot.path)])

        let result: TrainingResult
        do { result = try trainer.run(resume: true, initialise: false) } catch {
            try folder.checkStillOurs()
            try? TrainingRun.completeSummary(layout, configText: configText)
            throw .training(error)
        }
        try TrainingRun.completeSummary(layout, configText: configText)
        guard result.summary.status != .stopped else { return nil }
        guard let last = result.history.last, let best = tracker.best else {
            throw .output(path: dir.path, message: "level \(level) finished without an evaluation")
        }
        let r = LotteryLevelResult(level: level, arm: arm, kept: mask.kept, entries: mask.entries, remaining: 100 * mask.density,
                                   finalTestLoss: last.testLoss, finalTestAccuracy: last.testAccuracy,
                                   earlyStopIteration: best.iteration, earlyStopValidationLoss: best.validationLoss,
                                   earlyStopTestAccuracy: best.testAccuracy, iterations: result.progress.iteration,
                                   seconds: result.summary.totalSeconds, earlyStopSplit: splits.validation == nil ? "test" : "validation")
        try folder.writeJSON(r, to: resultFile.lastPathComponent)
        return r
    }
}

/// Calls `action` when a run starts (callbacks start after the hooks, so a fixed mask is applied).
final class StartObserver: TrainingCallback {
    let action: () -> Void
    init(_ action: @escaping () -> Void) { self.action = action }
    func runStart(_ run: RunInfo) { action() }
}
