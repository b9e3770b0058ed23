import Foundation
import TensorCore
import Stats
import Layers
import Masks
import Training

/// Trains a run folder's recorded config again and compares what the two runs wrote, value by
/// value: the check behind "the same command, seed and thread count give bit-identical metrics",
/// for anyone holding a committed run folder.
///
/// The folder's `config.json` (the whole resolved config, thread count included) is trained into
/// a new folder — for a lottery level, with the lottery's settings, the level's own
/// `mask.safetensors` and the start weights its arm and reset take (`LotteryLevelSource`) — through all the epochs the original recorded or only the first `epochs` of them
/// (the schedule still spans the whole budget: the run is stopped, not shortened). Then every
/// per-epoch CSV both wrote is compared (`CSVComparison`), timings left out. Bits are expected to
/// match only on the same CPU model and OpenBLAS kernel set (README, "kernel set"); `Plan.origins`
/// says where the original ran, so a caller can tell an expected difference from a broken promise.
public enum RunReproduction {
    /// The files compared when the original holds them: every per-epoch record a `train` run writes.
    public static let comparedFiles = ["metrics.csv", "validation.csv", "importance.csv", "importance_histograms.csv", "masks.csv",
                                       "mask_analytics.csv", LotteryLayout.resultFile]

    /// Where one invocation of a run ran, from its block of `command.txt`.
    public struct Origin: Sendable, Equatable, CustomStringConvertible {
        /// The commit line's value, e.g. "64bb8bf767a2" or "64bb8bf767a2 (with uncommitted changes)".
        public var commit: String
        /// The CPU model (the middle part of the machine line), e.g. "AMD EPYC".
        public var cpu: String
        /// The OpenBLAS configuration, e.g. "OpenBLAS 0.3.21 … Cooperlake MAX_THREADS=64".
        public var blas: String

        public init(commit: String, cpu: String, blas: String) { (self.commit, self.cpu, self.blas) = (commit, cpu, blas) }

        /// Reads one invocation block ("command: …\ncommit: …\nmachine: uname, CPU, N cores\nblas: …").
        public init(invocation block: String) {
            var values: [String: String] = [:]
            for line in block.split(separator: "\n") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let key = String(line[..<colon])
                if values[key] == nil { values[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
            }
            let machine = (values["machine"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            self.init(commit: values["commit"] ?? "unknown", cpu: machine.count >= 2 ? machine[1] : "unknown", blas: values["blas"] ?? "unknown")
        }

        /// The current process's origin.
        public static var current: Origin {
            let p = Provenance.current()
            return Origin(commit: p.commit + (p.dirty ? " (with uncommitted changes)" : ""), cpu: p.cpu, blas: p.blas)
        }

        /// What bits depend on besides the code: the CPU model and the kernel set.
        public var hardware: String { "\(cpu) · \(blas)" }
        public var description: String { "commit \(commit) · \(hardware)" }
    }

    /// What a reproduction will do, checked before anything runs.
    public struct Plan: Sendable {
        public var original: RunLayout
        public var config: RunConfig
        /// The epochs the original's `metrics.csv` records (its last row's epoch).
        public var recordedEpochs: Int
        /// Stop after this epoch (nil: train the whole budget, as the original did).
        public var stopAfter: Int?
        /// The weights the original started from (`--init-from`), nil for the seed's initialisation.
        public var initFrom: URL?
        /// Where each invocation of the original ran, latest first (a resumed run has several).
        public var origins: [Origin]
        /// Added to the original files' `epoch` values: 1 when they count from 0, as versions
        /// before the 1-based files did (the first `metrics.csv` row says which).
        public var epochShift: Int
        /// For a lottery level or branch: its lottery and arm (nil for a `train` run).
        public var lottery: LotteryLevelSource?
    }

    /// A lottery level (`LOTTERY/level_NN`, arm "ticket") or branch (`LOTTERY/level_NN/reinit|random`).
    public struct LotteryLevelSource: Sendable {
        public var layout: LotteryLayout
        public var config: LotteryConfig
        public var level: Int
        public var arm: String
    }

    /// Reads and checks the run in `folder`: a `train` run folder (a comparison's or sweep's run
    /// folders are) with a config and at least one epoch of metrics. `epochs` (nil: all the run
    /// recorded) must be within what it recorded. `initFrom` overrides the `--init-from` file
    /// the original's command line names (which must then exist).
    public static func plan(folder: URL, epochs: Int?, initFrom: URL?) throws(RunError) -> Plan {
        let layout = RunLayout(directory: folder)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .config(path: folder.path, message: "no such run folder")
        }
        let lottery = try lotteryLevel(folder)
        if lottery == nil, let owner = FolderOwner.of(folder) {
            throw .config(path: folder.path, message: "this folder belongs to `masklab \(owner.command)` (\(owner.evidence)); reproduce re-trains "
                + "`train` run folders (a comparison's or sweep's runs/ARM/seed-N among them) and lottery levels (LOTTERY/level_NN, "
                + "LOTTERY/level_NN/BRANCH); run that command again into another folder instead")
        }
        guard FileManager.default.fileExists(atPath: layout.config.path) else {
            throw .config(path: folder.path, message: "not a run folder: it has no config.json" + (lottery == nil ? "" : " (the level has not started)"))
        }
        let config: RunConfig
        if let lottery { config = lottery.config.run } else { config = try RunConfig.load(from: layout.config) }
        guard let metrics = try? String(contentsOf: layout.metrics, encoding: .utf8) else {
            throw .config(path: layout.metrics.path, message: "missing or unreadable: the run recorded no epoch, so there is nothing to compare")
        }
        let rows = CSVComparison.table(metrics)
        let numbers = rows.first?.firstIndex(of: "epoch").map { e in rows.dropFirst().compactMap { e < $0.count ? Int($0[e]) : nil } } ?? []
        guard let first = numbers.first, let last = numbers.max() else {
            throw .config(path: layout.metrics.path, message: "no epoch rows (expected a header with an `epoch` column and one row per epoch)")
        }
        let shift = first == 0 ? 1 : 0
        let recorded = last + shift
        if let epochs, !(1...recorded).contains(epochs) {
            throw .config(path: "--epochs", message: "must be within 1…\(recorded), the epochs \(layout.metrics.path) records; got \(epochs)")
        }
        let command = (try? String(contentsOf: layout.command, encoding: .utf8)) ?? ""
        let invocations = invocationBlocks(command)
        var start = initFrom
        if start == nil, let recordedPath = initFromArgument(invocations.first ?? "") {
            guard FileManager.default.fileExists(atPath: recordedPath) else {
                throw .config(path: layout.command.path, message: "the run started from --init-from \(recordedPath), which is not there "
                    + "(a relative path is read from the current folder); give the file with --init-from")
            }
            start = URL(fileURLWithPath: recordedPath)
        }
        // The whole budget when the run completed it and all of it is asked for; otherwise stop.
        let completed = RunFolder.status(of: layout) == .completed
        let stopAfter: Int? = (epochs == nil || epochs == recorded) && completed ? nil : (epochs ?? recorded)
        return Plan(original: layout, config: config, recordedEpochs: recorded, stopAfter: stopAfter, initFrom: start,
                    origins: invocations.map(Origin.init(invocation:)), epochShift: shift, lottery: lottery)
    }

    /// The lottery level or branch `folder` is, read from the lottery's `lottery.json`; nil when
    /// it is not in a lottery folder.
    static func lotteryLevel(_ folder: URL) throws(RunError) -> LotteryLevelSource? {
        func levelNumber(_ url: URL) -> Int? {
            let name = url.lastPathComponent
            guard name.hasPrefix("level_"), name.count > 6, name.dropFirst(6).allSatisfy(\.isNumber) else { return nil }
            return Int(name.dropFirst(6))
        }
        let dir = folder.standardizedFileURL
        let candidates: [(root: URL, level: Int?, arm: String)] = [
            (dir.deletingLastPathComponent(), levelNumber(dir), "ticket"),
            (dir.deletingLastPathComponent().deletingLastPathComponent(), levelNumber(dir.deletingLastPathComponent()), dir.lastPathComponent),
        ]
        for c in candidates {
            guard let level = c.level else { continue }
            let layout = LotteryLayout(directory: c.root)
            guard FileManager.default.fileExists(atPath: layout.config.path) else { continue }
            guard c.arm == "ticket" || LotteryBranch(rawValue: c.arm) != nil else {
                throw .config(path: folder.path, message: "not a level or branch of the lottery in \(c.root.path) (branches: "
                    + "\(LotteryBranch.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            let config: LotteryConfig
            do { config = try JSONDecoder().decode(LotteryConfig.self, from: Data(contentsOf: layout.config)) } catch {
                throw .config(path: layout.config.path, message: "cannot read the lottery config: \(error)")
            }
            return LotteryLevelSource(layout: layout, config: config, level: level, arm: c.arm)
        }
        return nil
    }

    /// Trains `plan` into `out` (a new folder: an existing run there is refused), stopping after
    /// `plan.stopAfter` epochs. Progress goes to `callbacks`; `control` stops it early (then
    /// nothing should be compared).
    public static func run(_ plan: Plan, dataRoot: URL, out: RunLayout, commandLine: [String], callbacks: [any TrainingCallback] = [],
                           control: TrainingControl = TrainingControl(), note: ((String) -> Void)? = nil) throws(RunError) {
        var all = callbacks
        if let limit = plan.stopAfter { all.append(StopAfterEpoch(limit, control: control)) }
        if let lottery = plan.lottery {
            try runLevel(lottery, original: plan.original.directory, dataRoot: dataRoot, out: out, commandLine: commandLine, callbacks: all,
                         control: control)
            return
        }
        try TrainingRun.run(plan.config, dataRoot: dataRoot, layout: out, commandLine: commandLine, reuse: .refuse, callbacks: all,
                            control: control, note: note, initFrom: plan.initFrom)
    }

    /// Trains a lottery level again as `LotteryRun` trained it: the level's saved mask (the
    /// ticket's, a transferred one or the random branch's), and the start its arm and the
    /// lottery's reset take — θ0 (the lottery's `init.safetensors`, else its `initFrom` file,
    /// else the seed's initialisation, which is what `init.safetensors` holds), θk
    /// (`rewind.safetensors`) or the level's fresh initialisation.
    static func runLevel(_ source: LotteryLevelSource, original: URL, dataRoot: URL, out: RunLayout, commandLine: [String],
                         callbacks: [any TrainingCallback], control: TrainingControl) throws(RunError) {
        if FileManager.default.fileExists(atPath: out.directory.path),
           let contents = try? FileManager.default.contentsOfDirectory(atPath: out.directory.path), !contents.isEmpty {
            throw .existingResults(path: out.directory.path, holds: "files", choices: ["choose an empty or new --out"])
        }
        let config = source.config
        let (network, splits, augmentation) = try TrainingRun.materialise(config.run, dataRoot: dataRoot)
        let masked = MaskScope().select(from: network.store)
        let seed = config.run.training.seed
        // The level's own mask; a random branch's is drawn again from its ticket's when missing.
        let own = LotteryLayout.mask(original), ticket = LotteryLayout.mask(source.layout.level(source.level))
        let maskFile = FileManager.default.fileExists(atPath: own.path) || source.arm != LotteryBranch.random.rawValue ? own : ticket
        guard FileManager.default.fileExists(atPath: maskFile.path) else {
            throw .config(path: maskFile.path, message: "the level's mask is missing (git ignores *.safetensors: the queue commits ticket masks with "
                + "`git add -f`); without it the level cannot be trained again")
        }
        var mask = try LotteryMask.read(from: maskFile).aligned(to: masked, model: network.name, source: maskFile.path)
        if maskFile != own { mask = LotteryPruning.randomLike(mask, seed: seed, level: source.level) }
        let start: WeightSnapshot
        switch (source.arm, config.reset, source.level) {
        case ("reinit", _, _), (_, .reinitialise, 1...): start = LotteryRun.freshWeights(network, seed: seed, level: source.level)
        case (_, .rewind, 1...) where config.rewindIteration > 0:
            guard FileManager.default.fileExists(atPath: source.layout.rewind.path) else {
                throw .config(path: source.layout.rewind.path, message: "θ\(config.rewindIteration) is missing: level 0 saves it while it trains")
            }
            do { try Checkpoint.load(from: source.layout.rewind, into: network, optimizer: nil) } catch { throw .training(.checkpoint(error)) }
            start = WeightSnapshot(network.store)
        default:
            if FileManager.default.fileExists(atPath: source.layout.initial.path) {
                do { try Checkpoint.load(from: source.layout.initial, into: network, optimizer: nil) } catch { throw .training(.checkpoint(error)) }
            } else if let path = config.initFrom {
                _ = try WeightsSource.load(URL(fileURLWithPath: path), into: network)
            } else {
                network.store.initialise(streams: RandomStreams(seed: seed))
            }
            start = WeightSnapshot(network.store)
        }
        let trainer = LevelTrainer(config: config, network: network, splits: splits, augmentation: augmentation, callbacks: callbacks,
                                   control: control, commandLine: commandLine, dataRoot: dataRoot, onStart: nil)
        _ = try trainer.train(out.directory, level: source.level, arm: source.arm, mask: mask, start: start)
    }

    /// Compares every file of `comparedFiles` the original holds with the reproduction's
    /// (through epoch `throughEpoch`, nil: every row; `epochShift` as in `Plan`).
    public static func compare(original: URL, reproduced: URL, throughEpoch: Int?, epochShift: Int = 0) -> [CSVComparison] {
        // The iterations the reproduced epochs ended at (the last `iterations` of its metrics.csv), for files by iteration.
        let throughIteration = throughEpoch.flatMap { _ -> Int? in
            let rows = CSVComparison.table((try? String(contentsOf: reproduced.appendingPathComponent("metrics.csv"), encoding: .utf8)) ?? "")
            guard let c = rows.first?.firstIndex(of: "iterations"), let last = rows.dropFirst().last, c < last.count else { return nil }
            return Int(last[c])
        }
        return comparedFiles.compactMap { name -> CSVComparison? in
            // A level's result exists only for a whole level.
            if name.hasSuffix(".json") && throughEpoch != nil { return nil }
            guard let a = try? String(contentsOf: original.appendingPathComponent(name), encoding: .utf8) else { return nil }
            guard let b = try? String(contentsOf: reproduced.appendingPathComponent(name), encoding: .utf8) else {
                var missing = CSVComparison(file: name)
                missing.problem = "the reproduction did not write it"
                return missing
            }
            if name.hasSuffix(".json") {
                // A level's result: one row of its fields, timings left out; only a whole level has one.
                guard let x = jsonRow(a), let y = jsonRow(b) else { return nil }
                return CSVComparison.compare(file: name, original: x, reproduced: y, throughEpoch: nil)
            }
            return CSVComparison.compare(file: name, original: a, reproduced: b, throughEpoch: throughEpoch, throughIteration: throughIteration,
                                         originalEpochShift: epochShift)
        }
    }

    /// A flat JSON object as a one-row CSV (keys sorted), numbers as JSON writes them; nil when not a flat object.
    static func jsonRow(_ text: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return nil }
        let keys = object.keys.sorted()
        let values = keys.map { key -> String in
            let v = object[key] ?? ""
            if let n = v as? NSNumber { return "\(n.doubleValue)" }
            return "\(v)".replacingOccurrences(of: ",", with: ";")
        }
        return keys.joined(separator: ",") + "\n" + values.joined(separator: ",") + "\n"
    }

    /// The invocation blocks of a `command.txt`, latest first.
    static func invocationBlocks(_ text: String) -> [String] {
        text.components(separatedBy: "\n" + RunFolder.earlierInvocation + "\n").filter { $0.contains("command: ") }
    }

    /// The value of `--init-from` (or `--init-from=…`) on an invocation's command line.
    static func initFromArgument(_ invocation: String) -> String? {
        let words = FolderOwner.commandWords(invocation)
        for (i, w) in words.enumerated() {
            if w == "--init-from", i + 1 < words.count { return words[i + 1] }
            if w.hasPrefix("--init-from=") { return String(w.dropFirst("--init-from=".count)) }
        }
        return nil
    }
}

/// Stops a run at the end of an epoch (without a checkpoint): a reproduction of the first epochs
/// keeps the schedule of the whole budget.
final class StopAfterEpoch: TrainingCallback {
    let limit: Int
    let control: TrainingControl

    init(_ limit: Int, control: TrainingControl) { (self.limit, self.control) = (limit, control) }

    func epochEnd(_ metrics: EpochMetrics) throws(TrainingError) {
        if metrics.number >= limit { control.requestStop(checkpoint: false) }
    }
}
