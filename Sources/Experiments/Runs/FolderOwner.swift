import Foundation

/// The command that writes a folder, when it is not `train`: found from the files only that
/// command writes (`lottery.json`, a level's `level.json`, `compare.json`, …), from a lottery
/// above it (a level folder, done or not), or from the latest invocation in its `command.txt`.
/// `train` refuses such a folder whatever its flags (`--overwrite` would mix a run into another
/// command's results, and `lottery` would then skip a level it thinks done).
public struct FolderOwner: Sendable, Equatable {
    /// The `masklab` subcommand, e.g. "lottery".
    public var command: String
    /// What says so, e.g. "it holds level.json".
    public var evidence: String

    /// The files that mark a folder as another command's, and that command.
    static let markers: [(file: String, command: String)] = [
        (LotteryLayout.configFile, "lottery"), (LotteryLayout.resultFile, "lottery"), (CompareLayout.configFile, "compare"),
        (SweepLayout.configFile, "sweep"), (PruningSweep.configFile, "prune-sweep"), (OneShotPrune.recordFile, "prune"),
        (StructuredPrune.reportFile, "prune"), ("interpolation.csv", "interpolate"), ("histograms.csv", "importance"),
    ]

    /// The run folders inside a folder that `command` writes, for the hints that say what to pass
    /// instead of that folder: what they are called and their paths below it as shell patterns
    /// (nil for a command whose folder holds no runs: prune, interpolate, importance).
    /// The patterns are globs (`runs/*/seed-*`, for commands that take many runs) and, for a
    /// command that takes one, the same path with named parts (`runs/<arm>/seed-<n>`).
    public static func runs(of command: String) -> (noun: String, globs: [String], one: [String])? {
        switch command {
        case "lottery": ("levels", ["level_*"], ["level_<nn>"])
        case "compare": ("runs", ["runs/*/seed-*"], ["runs/<arm>/seed-<n>"])
        case "sweep": ("runs", ["runs/*"], ["runs/<name>"])
        case "prune-sweep": ("runs", ["runs/*/ratio-*/seed-*", "runs/dense/seed-*"], ["runs/<criterion>/ratio-<r>/seed-<n>", "runs/dense/seed-<n>"])
        default: nil
        }
    }

    /// "pass its level folders, e.g. DIR/level_*" (`oneOf` false: a command that takes many runs)
    /// or "pass one of its levels, DIR/level_<nn>": what to give instead of `path`, a folder
    /// `command` writes; nil when that folder holds no runs.
    public static func passInstead(_ command: String, path: String, oneOf: Bool) -> String? {
        guard let (noun, globs, one) = runs(of: command) else { return nil }
        if oneOf { return "pass one of its \(noun), " + one.map { path + "/" + $0 }.joined(separator: " or ") }
        return "pass its \(noun == "levels" ? "level" : "run") folders, e.g. " + globs.map { path + "/" + $0 }.joined(separator: " or ")
    }

    /// The owner of `directory` other than `train`; nil for a train run, an empty or missing folder.
    public static func of(_ directory: URL) -> FolderOwner? {
        let fm = FileManager.default
        for m in markers where fm.fileExists(atPath: directory.appendingPathComponent(m.file).path) {
            return FolderOwner(command: m.command, evidence: "it holds \(m.file)")
        }
        // A lottery level (level_03) or branch (level_03/reinit) not finished yet: its lottery is above it.
        // Only folders named as levels count (`level_NN`, or a branch inside one): a run folder
        // elsewhere under a lottery's folder is not its level.
        func isLevel(_ url: URL) -> Bool {
            let name = url.lastPathComponent
            return name.hasPrefix("level_") && name.dropFirst(6).allSatisfy(\.isNumber) && name.count > 6
        }
        let folder = directory.standardizedFileURL
        for (level, lottery) in [(folder, folder.deletingLastPathComponent()),
                                 (folder.deletingLastPathComponent(), folder.deletingLastPathComponent().deletingLastPathComponent())]
        where isLevel(level) && fm.fileExists(atPath: lottery.appendingPathComponent(LotteryLayout.configFile).path) {
            return FolderOwner(command: "lottery", evidence: "a level of the lottery in \(lottery.path)")
        }
        guard let text = try? String(contentsOf: RunLayout(directory: directory).command, encoding: .utf8),
              let command = subcommand(RunFolder.latestInvocation(text)), command != "train" else { return nil }
        return FolderOwner(command: command, evidence: "its command.txt records `masklab \(command)`")
    }

    /// The files that mark a folder without `command.txt` as a train run's results.
    static let runResults = [RunLayout.summaryFile, "metrics.csv", RunLayout.checkpointFile]

    /// The command that writes `directory`, `train` included: `of(_:)`, else `train` for a
    /// folder whose `command.txt` records `masklab train` last or, without a `command.txt`, that
    /// holds a run's `summary.json`, `metrics.csv` or checkpoint; nil for an empty or missing
    /// folder (or one holding none of these). Every command that writes a folder refuses one whose
    /// writer is another command (`RunFolder.open`'s `writer`).
    public static func writer(of directory: URL) -> FolderOwner? {
        if let owner = of(directory) { return owner }
        let layout = RunLayout(directory: directory)
        if let text = try? String(contentsOf: layout.command, encoding: .utf8) {
            return subcommand(RunFolder.latestInvocation(text)) == "train"
                ? FolderOwner(command: "train", evidence: "its command.txt records `masklab train`") : nil
        }
        for file in runResults
        where FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path) {
            return FolderOwner(command: "train", evidence: "it holds a run's \(file)")
        }
        return nil
    }

    /// The subcommand of a `command.txt` invocation ("command: /path/masklab lottery --levels 3 …"),
    /// reading arguments quoted as `RunFolder.commandText` quotes them.
    static func subcommand(_ invocation: String) -> String? {
        let words = commandWords(invocation)
        return words.count > 1 ? words[1] : nil
    }

    /// The words of an invocation's command line (executable first), unquoted as
    /// `RunFolder.commandText` quotes them; empty when the invocation has no `command:` line.
    static func commandWords(_ invocation: String) -> [String] {
        guard let line = invocation.split(separator: "\n").first, line.hasPrefix("command: ") else { return [] }
        var words: [String] = [], word = "", quoted = false
        for c in line.dropFirst("command: ".count) {
            if c == "'" { quoted.toggle() } else if c == " " && !quoted {
                if !word.isEmpty { words.append(word) }
                word = ""
            } else { word.append(c) }
        }
        if !word.isEmpty { words.append(word) }
        return words
    }
}
