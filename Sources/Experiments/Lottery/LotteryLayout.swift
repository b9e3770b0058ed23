import Foundation

/// Every output path of a lottery run, built in one place.
///
///     <dir>/lottery.json                  the lottery config (training + pruning schedule)
///     <dir>/command.txt                   the command line, commit and machine
///     <dir>/init.safetensors              θ0 (weights and buffers)
///     <dir>/rewind.safetensors            θk, saved during level 0 (reset = rewind)
///     <dir>/levels.csv, levels.svg        one row per level and branch; accuracy vs weights remaining
///                                         (written once every level finished: a sweep's completion mark)
///     <dir>/lottery.log                   the run's output, when a sweep started it
///     <dir>/level_03/                     a run folder (config.json, metrics.csv, summary.json, …)
///               mask.safetensors          the level's mask (PyTorch names, 0/1 F32)
///               sparsity.csv              per-tensor kept/pruned counts
///               validation.csv            validation (and test, on improvement) every N iterations
///               level.json                the level's result; its presence marks the level done
///               reinit/, random/          the branches, each a level folder of the same shape
public struct LotteryLayout: Sendable {
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    public static let configFile = "lottery.json"
    public var config: URL { directory.appendingPathComponent(Self.configFile) }
    public var command: URL { directory.appendingPathComponent("command.txt") }
    public var initial: URL { directory.appendingPathComponent("init.safetensors") }
    public var rewind: URL { directory.appendingPathComponent("rewind.safetensors") }
    public var levels: URL { directory.appendingPathComponent("levels.csv") }
    public var plot: URL { directory.appendingPathComponent("levels.svg") }

    /// The folder of `level` (two digits), or of its `branch`.
    public func level(_ level: Int, branch: LotteryBranch? = nil) -> URL {
        let base = directory.appendingPathComponent(String(format: "level_%02d", level), isDirectory: true)
        return branch.map { base.appendingPathComponent($0.rawValue, isDirectory: true) } ?? base
    }

    public static func mask(_ level: URL) -> URL { level.appendingPathComponent("mask.safetensors") }
    public static func sparsity(_ level: URL) -> URL { RunLayout(directory: level).sparsity }
    public static func validation(_ level: URL) -> URL { level.appendingPathComponent("validation.csv") }
    public static func result(_ level: URL) -> URL { level.appendingPathComponent(resultFile) }
    /// The file name of a level's result (`result(_:)`).
    public static let resultFile = "level.json"
}
