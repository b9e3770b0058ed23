import Foundation

/// Every path of a sweep, built in one place.
///
///     <root>/sweep-<name>/sweep.json              the sweep file as given
///     <root>/sweep-<name>/command.txt             the exact command, data folder, commit and machine
///     <root>/sweep-<name>/runs/<run name>/        one run folder per point (`RunConfig.runName`) + train.log
///     <root>/sweep-<name>/sweep.csv, SWEEP.md     the table across the grid (final and best test accuracy per cell)
///     <root>/sweep-<name>/slurm/                  the Slurm executor's scripts, run lists, configs, exit codes, logs (`TrainStudy.slurm`)
///     <root>/sweep-<name>/.lock                   held by the running `sweep` (its pid inside)
public struct SweepLayout: Sendable {
    public let directory: URL

    /// `sweep-<name>` under `root`.
    public init(root: URL, name: String) { directory = root.appendingPathComponent("sweep-\(name)", isDirectory: true) }

    public static let configFile = "sweep.json"
    public var runs: URL { directory.appendingPathComponent("runs", isDirectory: true) }
    /// The folder of the run named `name`.
    public func run(_ name: String) -> RunLayout { RunLayout(directory: runs.appendingPathComponent(name, isDirectory: true)) }
    /// The train child's output in a run folder.
    public func log(_ name: String) -> URL { run(name).directory.appendingPathComponent("train.log") }
    public var csv: URL { directory.appendingPathComponent("sweep.csv") }
    public var report: URL { directory.appendingPathComponent("SWEEP.md") }
}
