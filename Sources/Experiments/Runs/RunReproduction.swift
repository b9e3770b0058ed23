import Foundation
import Layers
import Masks
import Training

/// Trains a run folder's recorded config again and compares what the two runs wrote, value by
/// value: the check behind "the same command, seed and thread count give bit-identical metrics",
/// for anyone holding a committed run folder.
///
/// The folder's `config.json` (the whole resolved config, thread count included) is trained into
/// a new folder. For a lottery level the lottery's settings are used, with the level's mask and
/// the start weights its arm and reset take (`LotteryLevelSource`). The run goes through all the
/// epochs the original recorded or only the first `epochs` of them; the schedule still spans the
/// whole budget, since the run is stopped, not shortened. Then every record the original holds is
/// compared (`CSVComparison`), timings left out. Bits are expected to match only on the same CPU
/// model and OpenBLAS kernel set (README, "kernel set"); `Plan.origins` says where the original
/// ran, so a caller can tell an expected difference from a broken promise.
public enum RunReproduction {
    /// The records compared when the original holds them.
    public static let comparedFiles = ["metrics.csv", "validation.csv", "importance.csv", "importance_histograms.csv", "masks.csv",
                                       "mask_analytics.csv", RunLayout.sparsityFile, LotteryLayout.resultFile]

    /// What a reproduction will do, checked before anything runs.
    public struct Plan: Sendable {
        /// The run folder reproduced.
        public var original: RunLayout
        /// The config trained (a lottery level's: its lottery's `run`).
        public var config: RunConfig
        /// The epochs the original's `metrics.csv` records (its last row's epoch, counted from 1).
        public var recordedEpochs: Int
        /// Stop after this epoch (nil: train the whole budget, as the original did).
        public var stopAfter: Int?
        /// The weights the original started from (`--init-from`), nil for the seed's initialisation.
        public var initFrom: URL?
        /// Where each invocation of the original ran, latest first (a resumed run has several).
        public var origins: [RunOrigin]
        /// For a lottery level or branch: its lottery, arm and mask (nil for a `train` run).
        public var lottery: LotteryLevelSource?
        /// The process writing the original now, when one is (its later epochs are not recorded yet).
        public var writer: FolderLock.Holder?
    }

    /// A lottery level (`LOTTERY/level_NN`, arm "ticket") or branch (`LOTTERY/level_NN/reinit|random`).
    public struct LotteryLevelSource: Sendable {
        /// Where a level's mask comes from.
        public enum MaskSource: Sendable, Equatable {
            /// A saved mask file: the level's own, or the file the lottery transfers (level 0).
            case file(URL)
            /// Level 0 of a lottery without `--transfer`: every weight kept.
            case dense
            /// A random branch whose own file is gone: drawn again from its ticket's mask
            /// (`LotteryPruning.randomLike`), as the lottery drew it.
            indirect case randomLike(MaskSource)
        }

        /// The lottery folder.
        public var layout: LotteryLayout
        /// The lottery's settings (`lottery.json`).
        public var config: LotteryConfig
        /// The level, and "ticket" or the branch's name.
        public var level: Int
        public var arm: String
        /// The mask the level trains with.
        public var mask: MaskSource
    }

    /// Reads and checks the run in `folder`: a `train` run folder (a comparison's or sweep's run
    /// folders are), or a lottery level or branch, with a config and at least one epoch of
    /// metrics. `epochs` (nil: all the run recorded) must be within what it recorded. `initFrom`
    /// overrides the `--init-from` file the original's command lines name (which must then exist).
    public static func plan(folder: URL, epochs: Int?, initFrom: URL?) throws(RunError) -> Plan {
        let layout = RunLayout(directory: folder)
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: folder.path, isDirectory: &isDirectory) else { throw .config(path: folder.path, message: "no such run folder") }
        guard isDirectory.boolValue else { throw .config(path: folder.path, message: "a file, not a run folder") }
        let lottery = try lotteryLevel(folder)
        if lottery == nil, let owner = FolderOwner.of(folder) {
            throw .config(path: folder.path, message: "this folder belongs to `masklab \(owner.command)` (\(owner.evidence)); reproduce re-trains "
                + "`train` run folders (a comparison's or sweep's runs/ARM/seed-N among them) and lottery levels (LOTTERY/level_NN, "
                + "LOTTERY/level_NN/BRANCH); run that command again into another folder instead")
        }
        guard fm.fileExists(atPath: layout.config.path) else {
            throw .config(path: folder.path, message: "not a run folder: it has no config.json" + (lottery == nil ? "" : " (the level has not started)"))
        }
        let config: RunConfig
        if let lottery { config = lottery.config.run } else { config = try RunConfig.load(from: layout.config) }
        guard let metrics = try? String(contentsOf: layout.metrics, encoding: .utf8) else {
            throw .config(path: layout.metrics.path, message: "missing or unreadable: the run recorded no epoch, so there is nothing to compare")
        }
        let rows = CSVComparison.table(metrics)
        // A damaged record (a row cut short by a crash or by hand) would read as a difference: refused, naming the line.
        if let header = rows.first, let bad = rows.indices.dropFirst().first(where: { rows[$0].count != header.count }) {
            throw .config(path: layout.metrics.path, message: "line \(bad + 1) has \(rows[bad].count) of \(header.count) fields: the record is damaged "
                + "(cut short?), so a reproduction could not be compared with it; restore the file (e.g. from git) first")
        }
        let numbers = rows.first?.firstIndex(of: "epoch").map { e in rows.dropFirst().compactMap { e < $0.count ? Int($0[e]) : nil } } ?? []
        // Files written before 2026-11-29 count epochs from 0 (their first row says 0).
        let shift = numbers.first == 0 ? 1 : 0
        guard let last = numbers.max(), last + shift >= 1, numbers.allSatisfy({ $0 + shift >= 1 }) else {
            throw .config(path: layout.metrics.path, message: "no epoch rows, or epochs below the first (expected a header with an `epoch` "
                + "column and one row per epoch, counted from 1)")
        }
        let recorded = last + shift
        if let epochs, !(1...recorded).contains(epochs) {
            throw .config(path: "--epochs", message: "must be within 1…\(recorded), the epochs \(layout.metrics.path) records; got \(epochs)")
        }
        let invocations = RunOrigin.invocations((try? String(contentsOf: layout.command, encoding: .utf8)) ?? "")
        // --init-from stands in for a start file the run named; a run that named none (or a lottery
        // level, which starts from its lottery's θ0) would be reproduced from something it never used.
        if initFrom != nil {
            if lottery != nil {
                throw .config(path: "--init-from", message: "a lottery level starts from its lottery's θ0 (its init.safetensors), not from --init-from: leave it out")
            }
            if !invocations.isEmpty, invocations.allSatisfy({ initFromArgument($0) == nil }) {
                throw .config(path: "--init-from", message: "the run did not start from --init-from (no invocation in \(layout.command.path) names one): "
                    + "it is reproduced from its seed's initialisation; leave --init-from out")
            }
        }
        var start = initFrom
        // A resumed run's later invocations need no --init-from: the first one that names it counts.
        if start == nil, let (recordedPath, invocation) = invocations.lazy.compactMap({ i in initFromArgument(i).map { ($0, i) } }).first {
            // A relative path is read from the directory the run was started in, when command.txt
            // records it (since session 18), else from the current folder.
            let started = invocation.split(separator: "\n").first { $0.hasPrefix("directory: ") }.map { String($0.dropFirst("directory: ".count)) }
            let resolved = recordedPath.hasPrefix("/") ? recordedPath
                : started.map { URL(fileURLWithPath: $0, isDirectory: true).appendingPathComponent(recordedPath).standardizedFileURL.path } ?? recordedPath
            guard fm.fileExists(atPath: resolved) else {
                throw .config(path: layout.command.path, message: "the run started from --init-from \(recordedPath), which is not there "
                    + (started.map { "(read from \($0), where the run started)" } ?? "(a relative path is read from the current folder)")
                    + "; give the file with --init-from")
            }
            start = URL(fileURLWithPath: resolved)
        }
        // The whole budget when the run completed it and all of it is asked for; otherwise stop.
        let completed = RunFolder.status(of: layout) == .completed
        let stopAfter: Int? = (epochs == nil || epochs == recorded) && completed ? nil : (epochs ?? recorded)
        return Plan(original: layout, config: config, recordedEpochs: recorded, stopAfter: stopAfter, initFrom: start,
                    origins: invocations.map(RunOrigin.init(invocation:)), lottery: lottery, writer: FolderLock.holder(of: folder))
    }

    /// The lottery level or branch `folder` is, read from the lottery's `lottery.json`, with the
    /// mask it trains with; nil when it is not in a lottery folder.
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
            let mask = try maskSource(dir, level: level, arm: c.arm, lottery: layout, config: config)
            return LotteryLevelSource(layout: layout, config: config, level: level, arm: c.arm, mask: mask)
        }
        return nil
    }

    /// Where the level's mask comes from: its own file; else, for a random branch, its ticket's
    /// mask drawn again; else, at level 0, the transferred mask or all weights. git ignores
    /// `*.safetensors`, and the queue commits only the ticket masks of unfinished chains, so a
    /// fresh clone often lacks the file.
    static func maskSource(_ dir: URL, level: Int, arm: String, lottery: LotteryLayout, config: LotteryConfig) throws(RunError) -> LotteryLevelSource.MaskSource {
        let own = LotteryLayout.mask(dir)
        if FileManager.default.fileExists(atPath: own.path) { return .file(own) }
        if arm != "ticket" {
            let ticket = try maskSource(lottery.level(level), level: level, arm: "ticket", lottery: lottery, config: config)
            return arm == LotteryBranch.random.rawValue ? .randomLike(ticket) : ticket
        }
        guard level == 0 else {
            throw .config(path: own.path, message: "the level's mask is missing (git ignores *.safetensors; `experiments/queue/commit-finished.sh "
                + "--masks` commits the ticket masks of unfinished chains), and without it level \(level) cannot be trained again")
        }
        guard let transfer = config.transfer else { return .dense }
        guard FileManager.default.fileExists(atPath: transfer) else {
            throw .config(path: transfer, message: "level 0 trains the mask the lottery transfers, and this file is not there "
                + "(a relative path is read from the current folder)")
        }
        return .file(URL(fileURLWithPath: transfer))
    }

    /// Trains `plan` into `out`, a new or empty folder, stopping after `plan.stopAfter` epochs.
    /// Progress goes to `callbacks`; `control` stops it early (then nothing should be compared).
    public static func run(_ plan: Plan, dataRoot: URL, out: RunLayout, commandLine: [String], callbacks: [any TrainingCallback] = [],
                           control: TrainingControl = TrainingControl(), note: ((String) -> Void)? = nil) throws(RunError) {
        if let contents = try? FileManager.default.contentsOfDirectory(atPath: out.directory.path), !contents.isEmpty {
            throw .existingResults(path: out.directory.path, holds: "files", choices: ["give a new or empty folder to --out"])
        }
        var all = callbacks
        if let limit = plan.stopAfter { all.append(StopAfterEpoch(limit, control: control)) }
        if let lottery = plan.lottery {
            try runLevel(lottery, dataRoot: dataRoot, out: out, commandLine: commandLine, callbacks: all, control: control)
            return
        }
        try TrainingRun.run(plan.config, dataRoot: dataRoot, layout: out, commandLine: commandLine, reuse: .refuse, callbacks: all,
                            control: control, note: note, initFrom: plan.initFrom)
    }

    /// Trains a lottery level again as `LotteryRun` trained it: the level's mask and the start
    /// its arm and the lottery's reset take (`LotteryRun.startKind`) — θ0 (the lottery's
    /// `init.safetensors`, else its `initFrom` file, else the seed's initialisation, which is
    /// what `init.safetensors` holds), θk (`rewind.safetensors`) or the level's fresh initialisation.
    static func runLevel(_ source: LotteryLevelSource, dataRoot: URL, out: RunLayout, commandLine: [String],
                         callbacks: [any TrainingCallback], control: TrainingControl) throws(RunError) {
        let config = source.config
        let (network, splits, augmentation) = try TrainingRun.materialise(config.run, dataRoot: dataRoot)
        let masked = MaskScope().select(from: network.store)
        let seed = config.run.training.seed
        func mask(_ m: LotteryLevelSource.MaskSource) throws(RunError) -> LotteryMask {
            switch m {
            case let .file(url): return try LotteryMask.read(from: url).aligned(to: masked, model: network.name, source: url.path)
            case .dense: return LotteryMask.dense(masked)
            case let .randomLike(ticket): return LotteryPruning.randomLike(try mask(ticket), seed: seed, level: source.level)
            }
        }
        let levelMask = try mask(source.mask)
        try LotteryRun.write(levelMask, to: out.directory, level: source.level)   // as the lottery writes it: mask and sparsity.csv
        let start: WeightSnapshot
        switch LotteryRun.startKind(arm: source.arm, level: source.level, config: config) {
        case .fresh: start = LotteryRun.freshWeights(network, seed: seed, level: source.level)
        case .thetaK:
            guard FileManager.default.fileExists(atPath: source.layout.rewind.path) else {
                throw .config(path: source.layout.rewind.path, message: "θ\(config.rewindIteration) is missing: level 0 saves it while it trains")
            }
            do { try Checkpoint.load(from: source.layout.rewind, into: network, optimizer: nil) } catch { throw .training(.checkpoint(error)) }
            start = WeightSnapshot(network.store)
        case .theta0:
            let given = try config.initFrom.map { path throws(RunError) in
                _ = try WeightsSource.load(URL(fileURLWithPath: path), into: network)
                return WeightSnapshot(network.store)
            }
            start = try LotteryRun.initialWeights(network, seed: seed, url: source.layout.initial, given: given, save: false)
        }
        let trainer = LevelTrainer(config: config, network: network, splits: splits, augmentation: augmentation, callbacks: callbacks,
                                   control: control, commandLine: commandLine, dataRoot: dataRoot, onStart: nil)
        _ = try trainer.train(out.directory, level: source.level, arm: source.arm, mask: levelMask, start: start)
    }

    /// Compares every record of `comparedFiles` the original holds with the reproduction's
    /// (through epoch `throughEpoch`, nil: every row). A partial reproduction leaves out records
    /// it cannot cut (no epoch or iteration column, and `level.json`); a record only the
    /// reproduction wrote is named, not compared.
    public static func compare(original: URL, reproduced: URL, throughEpoch: Int?) -> [CSVComparison] {
        // The iterations the reproduced epochs ended at (the last `iterations` of its metrics.csv), for files by iteration.
        let throughIteration = throughEpoch.flatMap { _ -> Int? in
            let rows = CSVComparison.table((try? String(contentsOf: reproduced.appendingPathComponent("metrics.csv"), encoding: .utf8)) ?? "")
            guard let c = rows.first?.firstIndex(of: "iterations"), let last = rows.dropFirst().last, c < last.count else { return nil }
            return Int(last[c])
        }
        return comparedFiles.compactMap { name -> CSVComparison? in
            var result = CSVComparison(file: name)
            let a = try? String(contentsOf: original.appendingPathComponent(name), encoding: .utf8)
            let b = try? String(contentsOf: reproduced.appendingPathComponent(name), encoding: .utf8)
            guard let a else {
                guard b != nil else { return nil }
                result.compared = false
                result.problem = "only the reproduction wrote it, not compared"
                return result
            }
            let json = name.hasSuffix(".json")
            if throughEpoch != nil && (json || !CSVComparison.hasProgressColumn(a)) {
                result.compared = false
                result.problem = json ? "not compared: the whole run's result, and the reproduction ran only the first epochs"
                    : "not compared: it has no epoch or iteration column and the reproduction ran only the first epochs"
                return result
            }
            guard let b else {
                result.problem = "the reproduction did not write it"
                return result
            }
            guard json else { return CSVComparison.compare(file: name, original: a, reproduced: b, throughEpoch: throughEpoch, throughIteration: throughIteration) }
            guard let x = jsonRow(a) else {
                result.problem = "the original is not a flat JSON object of one value per line"
                return result
            }
            guard let y = jsonRow(b) else {
                result.problem = "the reproduction's is not a flat JSON object of one value per line"
                return result
            }
            return CSVComparison.compare(file: name, original: x, reproduced: y, throughEpoch: nil)
        }
    }

    /// A flat JSON object as written by `JSONEncoder` with `.prettyPrinted` (one `"key" : value`
    /// per line) turned into a one-row CSV with the keys sorted, each value's text exactly as
    /// written (no parse, so no rounding); nil when the text is not such an object.
    static func jsonRow(_ text: String) -> String? {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard lines.first == "{", lines.last == "}" else { return nil }
        var fields: [(key: String, value: String)] = []
        for line in lines.dropFirst().dropLast() {
            guard line.hasPrefix("\""), let close = line.dropFirst().firstIndex(of: "\"") else { return nil }
            let key = String(line[line.index(after: line.startIndex)..<close])
            var rest = line[line.index(after: close)...].trimmingCharacters(in: .whitespaces)
            guard rest.hasPrefix(":") else { return nil }
            rest = String(rest.dropFirst()).trimmingCharacters(in: .whitespaces)
            if rest.hasSuffix(",") { rest.removeLast() }
            guard !rest.isEmpty, !rest.hasPrefix("{"), !rest.hasPrefix("[") else { return nil }
            fields.append((key, rest.replacingOccurrences(of: ",", with: ";")))
        }
        guard !fields.isEmpty else { return nil }
        fields.sort { $0.key < $1.key }
        return fields.map(\.key).joined(separator: ",") + "\n" + fields.map(\.value).joined(separator: ",") + "\n"
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
