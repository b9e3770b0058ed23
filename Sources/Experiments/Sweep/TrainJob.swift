import Foundation

/// One `masklab train` child of a study (a comparison or a sweep): what it is called in messages,
/// its configuration, its run folder and the log its output is appended to.
public struct TrainJob: Sendable {
    public var label: String
    public var config: RunConfig
    public var layout: RunLayout
    public var log: URL
    /// Weights the run starts from instead of its seed's initialisation (`train --init-from`),
    /// e.g. the trained dense run a pruning sweep's cell prunes and fine-tunes; nil = none.
    public var initFrom: URL?

    public init(label: String, config: RunConfig, layout: RunLayout, log: URL, initFrom: URL? = nil) {
        self.label = label
        self.config = config
        self.layout = layout
        self.log = log
        self.initFrom = initFrom
    }

    /// The `masklab train` command line of the job: its config (a file at `configFile`), its
    /// folder, the data, `--init-from` when the job has starting weights, `--resume` (a fresh
    /// folder starts fresh, a partial one continues from its own checkpoint) and `--quiet` (the
    /// log gets the summary only). A Slurm task runs the same line (`SlurmScript`).
    public func trainArguments(configFile: String, dataRoot: String) -> [String] {
        ["train", "--config", configFile, "--out", layout.directory.path, "--data", dataRoot]
            + (initFrom.map { ["--init-from", $0.path] } ?? []) + ["--resume", "--quiet"]
    }
}

extension TrainJob {
    /// What a job's run folder holds.
    public enum State: String, Sendable {
        case completed, partial, fresh
    }

    /// The state of the job's folder, or nil when it holds a run with another configuration
    /// (threads aside). For a partial run, `config.training.threads` is set to the saved one so
    /// the resumed run continues bit-identically.
    public mutating func folderState() -> State? {
        guard FileManager.default.fileExists(atPath: layout.config.path) else { return .fresh }
        guard let saved = try? RunConfig.load(from: layout.config) else { return nil }
        var planned = config
        planned.training.threads = saved.training.threads
        guard planned == saved else { return nil }
        if RunFolder.status(of: layout) == .completed { return .completed }
        config = planned
        return .partial
    }
}
