import Foundation

/// Every path of a sweep, built in one place.
///
///     <root>/sweep-<name>/sweep.json              the sweep file as given
///     <root>/sweep-<name>/command.txt             the exact command, data folder, commit and machine
///     <root>/sweep-<name>/runs/<run name>/        one folder per point (`JobConfig.runName`) + train.log (a lottery's: lottery.log)
///     <root>/sweep-<name>/sweep.csv, SWEEP.md     the table across the grid (final and best test accuracy per cell;
///                                                 a lottery sweep's: per cell and level, at early stopping and at the end)
///     <root>/sweep-<name>/slurm/                  the Slurm executor's scripts, run lists, configs, exit codes, logs (`Study.slurm`)
///     <root>/sweep-<name>/.lock                   held by the running `sweep` (its pid inside)
public struct SweepLayout: Sendable {
    public let directory: URL

    /// `sweep-<name>` under `root`.
    public init(root: URL, name: String) { directory = root.appendingPathComponent("sweep-\(name)", isDirectory: true) }

    public static let configFile = "sweep.json"
    public var runs: URL { directory.appendingPathComponent("runs", isDirectory: true) }
    /// The folder of the run named `name`.
    public func folder(_ name: String) -> URL { runs.appendingPathComponent(name, isDirectory: true) }
    /// The folder of the training run named `name`.
    public func run(_ name: String) -> RunLayout { RunLayout(directory: folder(name)) }
    public var csv: URL { directory.appendingPathComponent("sweep.csv") }
    public var report: URL { directory.appendingPathComponent("SWEEP.md") }
}
