import Foundation

/// Every path of a comparison, built in one place.
///
///     <root>/compare-<name>/compare.json          the comparison config as given
///     <root>/compare-<name>/command.txt           the exact command, data folder, commit and machine
///     <root>/compare-<name>/analysis-declared.json  every declaration of the analysis: when, commit, runs ended then
///     <root>/compare-<name>/threads-per-job.json  the threads per run the comparison started with
///     <root>/compare-<name>/runs/<arm>/seed-<s>/  one run folder each (see `RunLayout`) + train.log
///     <root>/compare-<name>/summary.csv           the table: mean, CI half-width, n per arm and metric
///     <root>/compare-<name>/paired.csv            the paired analysis: primary contrasts (Holm, TOST, power), then exploratory ones
///     <root>/compare-<name>/paired.svg            the primary contrasts as a forest plot: per-seed differences, mean, 95% CI, margin
///     <root>/compare-<name>/paired-exploratory.svg  the same for the exploratory paired rows
///     <root>/compare-<name>/welch.csv             Welch t-tests of each arm against the reference arms
///     <root>/compare-<name>/epochs.csv            test accuracy per epoch and arm (mean, CI), p vs dropconnect
///     <root>/compare-<name>/accuracy.svg, loss.svg                 convergence plots (mean with 95% CI band)
///     <root>/compare-<name>/paired-accuracy.svg                    each arm's accuracy minus the reference's, paired by seed, per epoch
///     <root>/compare-<name>/histograms-<arm>.svg                   importance at each refresh (importance arms)
///     <root>/compare-<name>/findings.md           hand-written findings, included in the report if present
///     <root>/compare-<name>/REPORT.md             all of the above in one page
///     <root>/compare-<name>/.lock                 held by the running `compare` (its pid inside)
public struct CompareLayout: Sendable {
    public let directory: URL

    /// `compare-<name>` under `root`.
    public init(root: URL, name: String) { directory = root.appendingPathComponent("compare-\(name)", isDirectory: true) }
    /// An explicit folder.
    public init(directory: URL) { self.directory = directory }

    public var runs: URL { directory.appendingPathComponent("runs", isDirectory: true) }
    /// The folder of arm `arm`, seed `seed`.
    public func run(arm: String, seed: UInt64) -> RunLayout {
        RunLayout(directory: runs.appendingPathComponent(arm, isDirectory: true).appendingPathComponent("seed-\(seed)", isDirectory: true))
    }
    /// The child process's output in a run folder.
    public func log(arm: String, seed: UInt64) -> URL { run(arm: arm, seed: seed).directory.appendingPathComponent("train.log") }

    public static let configFile = "compare.json"
    public var config: URL { file(Self.configFile) }
    public var command: URL { file("command.txt") }
    public var declarations: URL { file("analysis-declared.json") }
    public var threads: URL { file("threads-per-job.json") }
    public var summary: URL { file("summary.csv") }
    public var welch: URL { file("welch.csv") }
    public var paired: URL { file("paired.csv") }
    public var pairedPlot: URL { file("paired.svg") }
    public var exploratoryPairedPlot: URL { file("paired-exploratory.svg") }
    public var epochs: URL { file("epochs.csv") }
    public var accuracyPlot: URL { file("accuracy.svg") }
    public var lossPlot: URL { file("loss.svg") }
    public var pairedAccuracyPlot: URL { file("paired-accuracy.svg") }
    public func histogramPlot(arm: String) -> URL { file("histograms-\(arm).svg") }
    public var findings: URL { file("findings.md") }
    public var report: URL { file("REPORT.md") }

    func file(_ name: String) -> URL { directory.appendingPathComponent(name) }
}
