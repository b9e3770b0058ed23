import Foundation

/// One child of a study (a comparison, a sweep, a pruning sweep's phase): what it is called in
/// messages, what it runs (`work`: a `masklab train` run or a `masklab lottery` run of many
/// levels), its folder and the log its output is appended to.
public struct StudyJob: Sendable {
    public var label: String
    public var work: JobConfig
    /// The run folder (a lottery's: the folder of its levels).
    public var directory: URL
    /// Weights a training run starts from instead of its seed's initialisation (`train
    /// --init-from`), e.g. the trained dense run a pruning sweep's cell prunes and fine-tunes;
    /// nil = none. (A lottery names its θ0 in its own config, `initFrom`.)
    public var initFrom: URL?
    /// Whether the folder holds a partial run that this launch continues from its checkpoint
    /// (set by `Study.pending`; the executor says "resume" instead of "start").
    public var resumes = false

    public init(label: String, work: JobConfig, directory: URL, initFrom: URL? = nil) {
        precondition(initFrom == nil || work.subcommand == "train", "job \(label): only a training run takes --init-from; a lottery sets initFrom in its config")
        self.label = label
        self.work = work
        self.directory = directory
        self.initFrom = initFrom
    }

    /// A training run in `layout`'s folder.
    public init(label: String, config: RunConfig, layout: RunLayout, initFrom: URL? = nil) {
        self.init(label: label, work: .train(config), directory: layout.directory, initFrom: initFrom)
    }

    /// The folder as a training run's layout.
    public var layout: RunLayout { RunLayout(directory: directory) }

    /// The child's output: `<subcommand>.log` in its folder (`train.log`, `lottery.log`), where
    /// the local executor and a Slurm task both append it.
    public var log: URL { directory.appendingPathComponent("\(work.subcommand).log") }

    /// The `masklab` command line of the job, the same for a local child and a Slurm task
    /// (`SlurmScript`): the subcommand, its config (a file at `configFile`), its folder and the
    /// data. A training run adds `--init-from` when it has starting weights, `--resume` (a fresh
    /// folder starts fresh, a partial one continues from its own checkpoint) and `--quiet` (the
    /// log gets the summary only). A lottery always resumes: finished levels are kept, an
    /// interrupted level continues from its checkpoint.
    public func arguments(configFile: String, dataRoot: String) -> [String] {
        let common = [work.subcommand, "--config", configFile, "--out", directory.path, "--data", dataRoot]
        switch work {
        case .train: return common + (initFrom.map { ["--init-from", $0.path] } ?? []) + ["--resume", "--quiet"]
        case .lottery: return common
        }
    }
}

extension StudyJob {
    /// What a job's folder holds. A training run that diverged (a non-finite loss) has ended
    /// too: resumed from its last checkpoint it would diverge again, bit for bit, so it is
    /// reported, not run again (delete its folder to train it afresh).
    public enum State: String, Sendable {
        case completed, diverged, partial, fresh
    }

    /// The state of the job's folder, or nil when it holds a run with another configuration
    /// (threads aside). For a partial run, the threads are set to the saved ones so the resumed
    /// run continues bit-identically.
    public mutating func folderState() -> State? {
        guard FileManager.default.fileExists(atPath: work.savedFile(in: directory).path) else { return .fresh }
        guard let saved = work.saved(in: directory) else { return nil }
        var planned = work
        planned.training.threads = saved.training.threads
        guard planned.resumeSettings == saved.resumeSettings else { return nil }   // ignored optimiser/schedule settings and TensorBoard logging are no difference
        if work.isCompleted(in: directory) { return .completed }
        if case .train = work, RunFolder.status(of: layout) == .nonFinite { return .diverged }
        work = planned
        return .partial
    }

    /// Why a training run's folder counts as unfinished although it holds a summary: the summary
    /// cannot be read (cut short or damaged), in words; nil otherwise. Such a run resumes from its
    /// checkpoint, which writes the summary again.
    public var unreadableSummary: String? {
        guard case .train = work, FileManager.default.fileExists(atPath: layout.summary.path),
              RunFolder.status(of: layout) == nil else { return nil }
        return "its \(RunLayout.summaryFile) cannot be read (cut short, damaged, or a status this binary does not know), so the run counts as unfinished: "
            + "it resumes from its checkpoint, which writes the summary again"
    }

    /// The job's line in a `--dry-run` listing: its state, label and folder, and on a second
    /// line why a partial run counts as unfinished when its summary cannot be read.
    public func dryRunLine(_ state: State, indent: String = "") -> String {
        "\(indent)\(state.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(label)  →  \(directory.path)"
            + (state == .partial ? unreadableSummary.map { "\n\(indent)          (\($0))" } ?? "" : "")
    }

    /// Why the folder's run is not this job's, in words for a refusal: the settings that differ
    /// (`ConfigDiff.brief`, threads aside), or that its saved config cannot be read.
    public func conflict() -> String {
        let file = work.savedFile(in: directory)
        guard let saved = work.saved(in: directory) else { return "its \(file.lastPathComponent) cannot be read" }
        var planned = work
        planned.training.threads = saved.training.threads
        let what = ConfigDiff.brief(saved: saved.resumeSettings.jsonText(), requested: planned.resumeSettings.jsonText())
        return what.isEmpty ? "see `masklab diff` against its \(file.lastPathComponent)" : what
    }
}
