import Foundation
import TensorCore
import Stats
import Layers
import Datasets
import Masks
import Training

/// Iterative magnitude pruning with resetting (Frankle & Carbin 2019; late resetting, Frankle
/// et al. 2019) and its controls, one level at a time:
///
///     θ0 ← init(seed) (or the --init-from weights);  m0 ← 1 (or the --transfer mask)
///     level ℓ = 0 … L:  mℓ ← prune(mℓ₋₁, trained weights of level ℓ−1)   (ℓ ≥ 1)
///                       train mℓ ⊙ reset(ℓ)  with the same config, seed and data order
///                       branches: mℓ ⊙ fresh init (reinit); random mask, same counts ⊙ reset(ℓ) (random)
///
/// where reset is θ0, θk (saved after k steps of level 0) or a fresh initialisation. Masks go
/// through the `given` sampler, so pruned weights stay exactly zero. A level whose `level.json`
/// exists is skipped; an interrupted level resumes from its checkpoint. Level ℓ+1's mask is written
/// as soon as level ℓ's ticket finishes, so with reset to θ0 (or re-initialisation) a chain goes on
/// from its small files alone — `lottery.json`, the level results and the ticket levels'
/// `mask.safetensors`, which git keeps — when every checkpoint is lost (a new machine); an
/// unfinished level then trains again from its start. The lottery folder is a
/// `RunFolder` (locked while the lottery runs; other settings in it are refused), and so is each
/// level's folder while it trains.
public enum LotteryRun {
    /// What the run returns: every finished level and branch, and whether it was stopped.
    public struct Outcome: Sendable {
        public var results: [LotteryLevelResult]
        public var stopped: Bool
        /// The chain was already finished: its results were read back and nothing trained.
        public var alreadyFinished = false
    }

    /// Runs (or resumes) the lottery `config` in `layout`. `callbacks` (e.g. a progress display)
    /// see every level's training; `onLevelStart` sees the network as each level starts (m ⊙ start
    /// weights); `log` receives one line per finished level.
    public static func run(_ config: LotteryConfig, dataRoot: URL, layout: LotteryLayout, commandLine: [String],
                           callbacks: [any TrainingCallback] = [], control: TrainingControl = TrainingControl(),
                           onLevelStart: ((_ level: Int, _ arm: String, _ network: Network) -> Void)? = nil,
                           log: (String) -> Void = { _ in }) throws(RunError) -> Outcome {
        // Everything is checked before the folder is touched: settings, data, model, the transferred mask, the given θ0.
        if let message = config.validationError() { throw .config(path: layout.config.path, message: message) }
        let configText = try RunFolder.encodeJSON(config, path: layout.config.path)
        let (network, splits, augmentation) = try TrainingRun.materialise(config.run, dataRoot: dataRoot)
        let store = network.store
        let masked = MaskScope().select(from: store)
        var base = LotteryMask.dense(masked)
        if let transfer = config.transfer {
            base = try LotteryMask.read(from: URL(fileURLWithPath: transfer)).aligned(to: masked, model: network.name, source: transfer)
        }
        let given = try config.initFrom.map { path throws(RunError) in
            _ = try WeightsSource.load(URL(fileURLWithPath: path), into: network)
            return WeightSnapshot(store)
        }
        var extendedFrom: Int?
        let folder = try RunFolder.open(layout.directory, commandLine: commandLine, results: [LotteryLayout.configFile], holds: "a lottery run",
                                        reuse: .resume, choices: [], writer: "lottery") { () throws(RunError) in
            var saved: LotteryConfig
            do { saved = try JSONDecoder().decode(LotteryConfig.self, from: Data(contentsOf: layout.config)) } catch {
                throw .config(path: layout.config.path, message: "cannot read the saved lottery config: \(error)")
            }
            // A transferred mask or given θ0 at another path (another clone) with the same bytes is the same setting.
            if let a = saved.transfer, let b = config.transfer, sameBytes(a, b) { saved.transfer = b }
            if let a = saved.initFrom, let b = config.initFrom, sameBytes(a, b) { saved.initFrom = b }
            guard saved.readSettings != config.readSettings else { return }   // ignored optimiser/schedule/mask settings are no difference
            // More levels on the same chain: levels 0…L are the same trainings, so the chain goes on.
            var longer = saved
            longer.levels = config.levels
            if config.levels > saved.levels && longer.readSettings == config.readSettings {
                extendedFrom = saved.levels
                return
            }
            let what = ConfigDiff.brief(saved: (try? RunFolder.encodeJSON(saved, path: layout.config.path)) ?? "", requested: configText)
            throw .setting(path: layout.config.path, message: "the folder holds a lottery run with other settings"
                + (what.isEmpty ? "" : " (\(what))") + "; use the same settings to resume (--levels may grow), or another --out")
        }
        defer { folder.close() }
        // A resumed folder keeps the lottery.json it was started with (checked equal above), so
        // a later binary that spells the config with more keys does not rewrite finished results;
        // an extended chain records its new length, and its summary (the completion mark) goes until the new levels end.
        if let from = extendedFrom {
            log("extending the chain from \(from) to \(counted(config.levels, "level")): levels 0–\(from) are kept")
            for file in [layout.levels, layout.plot] { try? FileManager.default.removeItem(at: file) }
            try folder.write(configText, to: LotteryLayout.configFile)
        } else if !FileManager.default.fileExists(atPath: layout.config.path) {
            try folder.write(configText, to: LotteryLayout.configFile)
        }
        let note = LocalExecutor.configNote(commandLine, folder: layout.directory, file: layout.config.lastPathComponent)
        // Without a validation split the tracker watches the test set: say so, once and on every level's line.
        let stopsOn = splits.validation == nil ? "test" : "validation"
        if splits.validation == nil {
            log("warning: no validation split (--validation N): each level's early-stopping iteration is chosen by the test loss, so its early-stop test accuracy is optimistic")
        }
        // A finished chain needs no mask or weights: its results are read back (a fresh clone holds
        // the masks of unfinished chains only, and training a level again to rebuild one is for extending).
        // It records no invocation either: command.txt lists the invocations that trained (a rerun
        // on another machine that only reads results back would make the run look mixed).
        if let finished = finishedResults(config, layout: layout) {
            for r in finished { log(describe(r, stopsOn: stopsOn)) }
            try writeSummary(finished, layout: layout, title: "\(network.name) on \(config.run.training.dataset)", seed: config.run.training.seed)
            return Outcome(results: finished, stopped: false, alreadyFinished: true)
        }
        try folder.writeCommand((note.map { [("config", $0)] } ?? []) + [("data", dataRoot.path)])
        let seed = config.run.training.seed
        let theta0 = try initialWeights(network, seed: seed, url: layout.initial, given: given)
        let level = LevelTrainer(config: config, network: network, splits: splits, augmentation: augmentation,
                                 callbacks: callbacks, control: control, commandLine: commandLine, configNote: note, dataRoot: dataRoot,
                                 onStart: onLevelStart)
        var results: [LotteryLevelResult] = []
        var mask = base
        var thetaK: WeightSnapshot?
        var previousStart: WeightSnapshot?
        for l in 0...config.levels {
            try folder.checkStillOurs()   // the next level's mask goes into the folder by path
            let dir = layout.level(l)
            if l > 0 {
                mask = try levelMask(l, previous: mask, config: config, network: network, masked: masked, reference: previousStart,
                                     trainingSet: splits.train, layout: layout)
            }
            try write(mask, to: dir, level: l)
            let start: WeightSnapshot
            switch startKind(arm: "ticket", level: l, config: config) {
            case .theta0: start = theta0
            case .thetaK:
                if thetaK == nil { thetaK = try rewindWeights(network, theta0: theta0, k: config.rewindIteration, url: layout.rewind) }
                start = thetaK ?? theta0
            case .fresh: start = freshWeights(network, seed: seed, level: l)
            }
            previousStart = start
            let capture = (l == 0 && config.reset == .rewind && config.rewindIteration > 0)
                ? RewindCapture(network: network, iteration: config.rewindIteration, url: layout.rewind) : nil
            guard let r = try level.train(dir, level: l, arm: "ticket", mask: mask, start: start, extra: capture.map { [$0] } ?? []) else {
                return Outcome(results: results, stopped: true)
            }
            if let e = capture?.error { throw .training(.checkpoint(e)) }
            results.append(r)
            log(describe(r, stopsOn: stopsOn))
            if l < config.levels {
                // The next level's mask is saved as soon as it is known: with θ0 (or a fresh
                // initialisation) derived from the seed, the level folders' mask files are all a
                // chain needs to go on from its committed files when the checkpoints are gone.
                var retrained: URL?
                switch try retrainedWeights(l, mask: mask, start: start, trainer: level, config: config, layout: layout, log: log) {
                case .notNeeded: break
                case let .weights(url): retrained = url
                case .stopped: return Outcome(results: results, stopped: true)
                }
                defer { if let retrained { TemporaryFolders.remove(retrained.deletingLastPathComponent()) } }
                let next = try levelMask(l + 1, previous: mask, config: config, network: network, masked: masked, reference: start,
                                         trainingSet: splits.train, layout: layout, trained: retrained)
                try folder.checkStillOurs()   // after hours of training, the folder may have been replaced
                try write(next, to: layout.level(l + 1), level: l + 1)
            }
            guard config.branchesAt(l) else { continue }
            for branch in config.branches {
                try folder.checkStillOurs()
                let bdir = layout.level(l, branch: branch)
                let bmask = branch == .random ? LotteryPruning.randomLike(mask, seed: seed, level: l) : mask
                try write(bmask, to: bdir, level: l)
                let bstart = startKind(arm: branch.rawValue, level: l, config: config) == .fresh ? freshWeights(network, seed: seed, level: l) : start
                guard let b = try level.train(bdir, level: l, arm: branch.rawValue, mask: bmask, start: bstart) else {
                    return Outcome(results: results, stopped: true)
                }
                results.append(b)
                log(describe(b, stopsOn: stopsOn))
            }
        }
        try folder.checkStillOurs()
        try writeSummary(results, layout: layout, title: "\(network.name) on \(config.run.training.dataset)", seed: config.run.training.seed)
        return Outcome(results: results, stopped: false)
    }

    /// Whether the files at `a` and `b` hold the same bytes (true for one path; false when either is unreadable).
    static func sameBytes(_ a: String, _ b: String) -> Bool {
        if a == b { return true }
        guard let x = FileManager.default.contents(atPath: a), let y = FileManager.default.contents(atPath: b) else { return false }
        return x == y
    }

    /// One line per level for the terminal; `stopsOn` names the split whose loss chose the
    /// early-stopping iteration ("validation", or "test" when there is no validation split).
    static func describe(_ r: LotteryLevelResult, stopsOn: String) -> String {
        String(format: "level %2d ", r.level) + r.arm.padding(toLength: 6, withPad: " ", startingAt: 0)
            + String(format: " %6.2f%% of weights: test %.4f at the end, %.4f at iteration %d", r.remaining, r.finalTestAccuracy,
                     r.earlyStopTestAccuracy, r.earlyStopIteration)
            + " (min \(stopsOn) loss " + String(format: "%.4f)", r.earlyStopValidationLoss)
    }

    // MARK: - Weights

    /// Every level's and branch's result in the order the chain produces them, when all of them
    /// have ended (`level.json`); nil when any has not.
    static func finishedResults(_ config: LotteryConfig, layout: LotteryLayout) -> [LotteryLevelResult]? {
        var results: [LotteryLevelResult] = []
        for l in 0...config.levels {
            let arms = [layout.level(l)] + (config.branchesAt(l) ? config.branches.map { layout.level(l, branch: $0) } : [])
            for dir in arms {
                guard let data = try? Data(contentsOf: LotteryLayout.result(dir)),
                      let r = try? JSONDecoder().decode(LotteryLevelResult.self, from: data) else { return nil }
                results.append(r)
            }
        }
        return results
    }

    /// Which weights a level's arm starts from.
    enum StartKind: Equatable { case theta0, thetaK, fresh }

    /// The start of level `level`'s `arm` ("ticket" or a branch): the ticket resets to θ0, θk
    /// (late resetting, k > 0) or a fresh initialisation as `config.reset` says, level 0 always
    /// from θ0; the `reinit` branch starts fresh; the `random` branch as the ticket.
    static func startKind(arm: String, level: Int, config: LotteryConfig) -> StartKind {
        if arm == LotteryBranch.reinit.rawValue { return .fresh }
        guard level > 0 else { return .theta0 }
        switch config.reset {
        case .initial: return .theta0
        case .rewind: return config.rewindIteration > 0 ? .thetaK : .theta0
        case .reinitialise: return .fresh
        }
    }

    /// θ0: read from `url` when it exists (a resumed run), else `given` (the --init-from weights)
    /// or initialised from the seed, and saved there unless `save` is false (a reproduction only reads).
    static func initialWeights(_ network: Network, seed: UInt64, url: URL, given: WeightSnapshot? = nil, save: Bool = true) throws(RunError) -> WeightSnapshot {
        if FileManager.default.fileExists(atPath: url.path) {
            do { try Checkpoint.load(from: url, into: network, optimizer: nil) } catch { throw .training(.checkpoint(error)) }
        } else {
            if let given { given.restore(into: network.store) } else { network.store.initialise(streams: RandomStreams(seed: seed)) }
            if save {
                do { try Checkpoint.save(to: url, network: network, optimizer: nil, progress: TrainingProgress(), seed: seed) } catch {
                    throw .training(.checkpoint(error))
                }
            }
        }
        return WeightSnapshot(network.store)
    }

    /// θk from the file level 0 wrote (θ0 when k = 0).
    static func rewindWeights(_ network: Network, theta0: WeightSnapshot, k: Int, url: URL) throws(RunError) -> WeightSnapshot {
        guard k > 0 else { return theta0 }
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw .config(path: url.path, message: "θ\(k) is missing: level 0 saves it during its training; delete level_00 to retrain it")
        }
        do { try Checkpoint.load(from: url, into: network, optimizer: nil) } catch { throw .training(.checkpoint(error)) }
        return WeightSnapshot(network.store)
    }

    /// A fresh initialisation for `level` from stream (seed, reinitialisation, level).
    static func freshWeights(_ network: Network, seed: UInt64, level: Int) -> WeightSnapshot {
        let derived = RandomStreams(seed: seed).derivedSeed(.reinitialisation, UInt64(level))
        network.store.initialise(streams: RandomStreams(seed: derived))
        return WeightSnapshot(network.store)
    }

    // MARK: - Masks

    /// Level ℓ's mask: read from its folder when saved, else pruned from level ℓ−1's trained
    /// weights (`trained`, else level ℓ−1's `last.safetensors`) by the criterion (`reference`:
    /// level ℓ−1's start, for movement).
    static func levelMask(_ l: Int, previous: LotteryMask, config: LotteryConfig, network: Network, masked: [Parameter],
                          reference: WeightSnapshot?, trainingSet: Dataset, layout: LotteryLayout, trained given: URL? = nil) throws(RunError) -> LotteryMask {
        let file = LotteryLayout.mask(layout.level(l))
        if FileManager.default.fileExists(atPath: file.path) {
            return try LotteryMask.read(from: file).aligned(to: masked, model: network.name, source: file.path)
        }
        let trained = given ?? layout.level(l - 1).appendingPathComponent("last.safetensors")
        guard FileManager.default.fileExists(atPath: trained.path) else {
            throw .config(path: file.path, message: "level \(l)'s mask is missing and so are level \(l - 1)'s trained weights (\(trained.lastPathComponent)) it is pruned from; delete \(LotteryLayout.result(layout.level(l - 1)).path) to train level \(l - 1) again")
        }
        do { try Checkpoint.load(from: trained, into: network, optimizer: nil) } catch { throw .training(.checkpoint(error)) }
        return try LotteryPruning.prune(previous, network: network, masked: masked, reference: reference, trainingSet: { trainingSet },
                                        config: config, level: l)
    }

    /// What `retrainedWeights` gives: nothing needed, the weights to prune from, or a stop.
    enum Retrained {
        case notNeeded
        /// The retrained level's `last.safetensors`, in a temporary folder the caller removes.
        case weights(URL)
        case stopped
    }

    /// Level ℓ's trained weights when level ℓ+1's mask must be pruned from them and its
    /// checkpoint is gone — a finished chain extended on another machine or from a fresh clone,
    /// where git kept only the small files and the ticket masks. The level is trained again from
    /// its saved mask and `start` into a temporary folder, and its records must come out identical
    /// to the committed ones (`RunReproduction.compare`; `metrics.csv` and `level.json` at least),
    /// or the mask pruned from it would not be the one the chain's own machine prunes. Not needed
    /// when the mask exists, the checkpoint exists, or the chain writes no final checkpoint
    /// (`checkpointEveryEpochs` 0: there is nothing "gone" to rebuild). A late-resetting chain
    /// without θk is refused first (git does not keep it, and the level after needs it).
    static func retrainedWeights(_ l: Int, mask: LotteryMask, start: WeightSnapshot, trainer: LevelTrainer, config: LotteryConfig,
                                 layout: LotteryLayout, log: (String) -> Void) throws(RunError) -> Retrained {
        let dir = layout.level(l)
        let fm = FileManager.default
        guard config.run.training.checkpointEveryEpochs > 0,
              !fm.fileExists(atPath: LotteryLayout.mask(layout.level(l + 1)).path),
              !fm.fileExists(atPath: dir.appendingPathComponent(RunLayout.checkpointFile).path),
              fm.fileExists(atPath: LotteryLayout.result(dir).path) else { return .notNeeded }
        log("level \(l + 1)'s mask is pruned from level \(l)'s trained weights, whose checkpoint is gone: training level \(l) again "
            + "(its records must come out identical)")
        // Level ℓ+1 of a late-resetting chain starts from θk: without it, say so before training anything.
        if startKind(arm: "ticket", level: l + 1, config: config) == .thetaK && !fm.fileExists(atPath: layout.rewind.path) {
            throw .config(path: layout.rewind.path, message: "θ\(config.rewindIteration) is missing: level 0 saves it during its training, and a "
                + "late-resetting chain goes on only where that file is (git does not keep it)")
        }
        let temporary = TemporaryFolders.make(prefix: "masklab-lottery-level")   // removed by a second Ctrl-C too
        let finished: LotteryLevelResult?
        do {
            try write(mask, to: temporary, level: l)   // its sparsity.csv is compared with the level's too
            finished = try trainer.train(temporary, level: l, arm: "ticket", mask: mask, start: start)
        } catch {
            TemporaryFolders.remove(temporary)
            throw error
        }
        guard finished != nil else {
            TemporaryFolders.remove(temporary)
            return .stopped
        }
        let comparisons = RunReproduction.compare(original: dir, reproduced: temporary, throughEpoch: nil)
        let required = ["metrics.csv", LotteryLayout.resultFile]
        let missing = required.filter { name in !comparisons.contains { $0.file == name && $0.compared } }
        guard comparisons.allSatisfy(\.identical), missing.isEmpty else {
            TemporaryFolders.remove(temporary)
            let first = comparisons.first { !$0.identical }?.line ?? "\(missing.joined(separator: " and ")) not compared"
            // The level's own command.txt: the chain's already holds this invocation.
            let recorded = try? String(contentsOf: dir.appendingPathComponent(RunLayout.commandFile), encoding: .utf8)
            throw .config(path: dir.path, message: "level \(l) trained again does not reproduce its committed records (\(first)); level \(l + 1)'s "
                + "mask would differ from the one the chain's machine prunes. Extend the chain where level \(l)'s checkpoint is, or where "
                + "its hardware and kernels are: " + hardwareHint(recorded: recorded, here: RunOrigin.current))
        }
        log("level \(l) trained again: \(comparisons.reduce(0) { $0 + $1.values }) values identical to its committed records")
        return .weights(temporary.appendingPathComponent(RunLayout.checkpointFile))
    }

    /// What differs between the hardware and kernels a level's `command.txt` records (every
    /// invocation) and `here`, naming the variable that chooses each kernel; when nothing does,
    /// that the difference lies elsewhere (the code, the data).
    static func hardwareHint(recorded commandText: String?, here: RunOrigin) -> String {
        let origins = commandText.map { RunOrigin.invocations($0).map(RunOrigin.init(invocation:)) } ?? []
        guard !origins.isEmpty else { return "the level's command.txt is missing or records no invocation, so they are unknown" }
        let differences = here.hardwareDifferences(fromAny: origins)
        if differences.isEmpty {
            var commits: [String] = []
            for origin in origins where origin.commit != here.commit && !commits.contains(origin.commit) { commits.append(origin.commit) }
            let code = commits.isEmpty ? "the same commit, \(here.commit)" : "commit \(commits.joined(separator: ", ")) there, \(here.commit) here"
            return "the level's command.txt records this machine's CPU and kernels (\(here.hardware)), so the difference lies elsewhere "
                + "(the code: \(code); the data)"
        }
        return differences.joined(separator: "; ")
    }

    /// Saves a level's mask and sparsity report (once).
    static func write(_ mask: LotteryMask, to dir: URL, level: Int) throws(RunError) {
        let file = LotteryLayout.mask(dir)
        guard !FileManager.default.fileExists(atPath: file.path) else { return }
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try mask.sparsityCSV().write(to: LotteryLayout.sparsity(dir), atomically: true, encoding: .utf8)
        } catch { throw .output(path: dir.path, message: "cannot write the sparsity report: \(error.localizedDescription)") }
        try mask.write(to: file, metadata: ["level": String(level)])
    }

    // MARK: - Summary

    /// `levels.csv` and `levels.svg` (early-stop test accuracy vs % of weights remaining, per arm).
    static func writeSummary(_ results: [LotteryLevelResult], layout: LotteryLayout, title: String, seed: UInt64) throws(RunError) {
        let csv = ([LotteryLevelResult.csvHeader] + results.map(\.csvRow)).joined(separator: "\n") + "\n"
        var series: [LinePlot.Series] = []
        for arm in ["ticket", "reinit", "random"] {
            let rows = results.filter { $0.arm == arm }
            guard !rows.isEmpty else { continue }
            series.append(.init(label: LotteryCurveReport.armLabel(arm), points: rows.map { ($0.remaining, $0.earlyStopTestAccuracy) }))
        }
        var plot = LinePlot(title: "\(title): test accuracy at early stopping", xLabel: "% of weights remaining (log scale)", yLabel: "test accuracy", series: series)
        plot.subtitle = "one run, seed \(seed) (`masklab lottery-report curve ROOT` draws the mean and 95% CI over seeds)"
        plot.xScale = .log
        plot.xReversed = true
        do {
            try csv.write(to: layout.levels, atomically: true, encoding: .utf8)
            try plot.write(to: layout.plot)
        } catch { throw .output(path: layout.directory.path, message: "cannot write levels.csv/levels.svg: \(error.localizedDescription)") }
    }
}
