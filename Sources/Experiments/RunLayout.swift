import Foundation

/// Every output path of a run, built in one place.
///
///     <root>/<name>/config.json       the full configuration (all defaults spelled out)
///     <root>/<name>/command.txt       the exact command line, the commit and the machine
///     <root>/<name>/metrics.csv       one row per epoch
///     <root>/<name>/summary.json      final and best results
///     <root>/<name>/curves.svg        test/train accuracy and loss per epoch
///     <root>/<name>/last.safetensors  the latest checkpoint (weights, optimiser state, position)
public struct RunLayout: Sendable {
    public let directory: URL

    /// The folder `name` under `root`.
    public init(root: URL, name: String) { directory = root.appendingPathComponent(name, isDirectory: true) }
    /// An explicit folder.
    public init(directory: URL) { self.directory = directory }

    public var config: URL { directory.appendingPathComponent("config.json") }
    public var command: URL { directory.appendingPathComponent("command.txt") }
    public var metrics: URL { directory.appendingPathComponent("metrics.csv") }
    public var summary: URL { directory.appendingPathComponent("summary.json") }
    public var curves: URL { directory.appendingPathComponent("curves.svg") }
    public var checkpoint: URL { directory.appendingPathComponent("last.safetensors") }
}
