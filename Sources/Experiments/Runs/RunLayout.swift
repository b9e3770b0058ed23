import Foundation
import Masks
import Training

/// Every output path of a run, built in one place.
///
///     <root>/<name>/config.json       the full configuration (all defaults spelled out)
///     <root>/<name>/command.txt       the exact command line, the commit and the machine
///     <root>/<name>/metrics.csv       one row per epoch
///     <root>/<name>/summary.json      final and best results, and the config (as config.json)
///     <root>/<name>/curves.svg        test/train accuracy and loss per epoch
///     <root>/<name>/last.safetensors  the latest checkpoint (weights, optimiser state, position)
///     <root>/<name>/masks.csv, importance*.csv   mask counts and importance refreshes (with masks)
///     <root>/<name>/mask_analytics.csv          a fixed mask's density and effective density per tensor
///     <root>/<name>/events.out.tfevents.*      TensorBoard scalars, importance histograms, HParams (`EventFile`)
///     <root>/<name>/.lock             held by the process writing the folder (its pid inside)
public struct RunLayout: Sendable {
    public let directory: URL

    /// The folder `name` under `root`.
    public init(root: URL, name: String) { directory = root.appendingPathComponent(name, isDirectory: true) }
    /// An explicit folder.
    public init(directory: URL) { self.directory = directory }

    public static let configFile = "config.json", commandFile = "command.txt", summaryFile = "summary.json"
    public static let checkpointFile = "last.safetensors"

    /// The files a training run writes: what makes a folder "hold a run", and what
    /// `train --overwrite` deletes.
    public static let results = [configFile, commandFile, "metrics.csv", summaryFile, "curves.svg", checkpointFile,
                                 MaskingHook.countsFile, MaskAnalytics.fileName, ImportanceDropConnect.statsFile, ImportanceDropConnect.histogramFile]

    public var config: URL { directory.appendingPathComponent(Self.configFile) }
    public var command: URL { directory.appendingPathComponent(Self.commandFile) }
    public var metrics: URL { directory.appendingPathComponent("metrics.csv") }
    public var summary: URL { directory.appendingPathComponent(Self.summaryFile) }
    public var curves: URL { directory.appendingPathComponent("curves.svg") }
    public var checkpoint: URL { directory.appendingPathComponent(Self.checkpointFile) }
}
