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
    /// A lottery level's fixed-mask report; `LotteryLayout.sparsity` names the same file.
    public static let sparsityFile = "sparsity.csv"

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
    /// A lottery level's fixed-mask report (`LotteryLayout.sparsity`): per tensor and an `all` row.
    public var sparsity: URL { directory.appendingPathComponent(Self.sparsityFile) }

    /// The share of weights a lottery level's fixed mask keeps (the `all` row of `sparsity.csv`),
    /// nil when the folder has none. A level's `config.json` carries no masks (its checkpoint
    /// already holds m ⊙ θ), so `runs` and `diff` read the mask's density here.
    public var fixedMaskDensity: Double? {
        guard let text = try? String(contentsOf: sparsity, encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        guard let header = lines.first, let column = header.firstIndex(of: "density"),
              let all = lines.first(where: { $0.first == "all" }), column < all.count else { return nil }
        return Double(all[column])
    }
}
