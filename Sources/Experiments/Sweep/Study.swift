import Foundation

/// The jobs of one study folder — a sweep's points (training or lottery runs), a comparison's
/// arms × seeds, a pruning sweep's phase — as the executors see them: the state of each run
/// folder, what is still to do, running it on this machine, and a failed run's message.
/// `LocalExecutor` and `SlurmExecutor` run any study alike.
///
/// Every run folder lies under `<directory>/runs/`; its path below `runs/` with `/` written as `-`
/// is the run's `key` (`mlp-mnist-1a2b…` or `lottery-mlp-mnist-3c4d…` in a sweep,
/// `impacts-seed-3` in a comparison), unique in the study: it names the run's files in the Slurm folder.
public struct Study: Sendable {
    /// The study's name (`SweepConfig.name`, `CompareConfig.name`).
    public let name: String
    /// The study folder (`sweep-<name>/`, `compare-<name>/`).
    public let directory: URL
    /// Every run, in the order the local executor starts them.
    public let jobs: [StudyJob]
    /// Threads of each run (a Slurm task's `--cpus-per-task`).
    public let threadsPerJob: Int
    /// A pre-registered comparison whose report stays blind until every run has ended: a failed
    /// run's log tail is shown without its lines that mention an accuracy or a loss.
    public let blinded: Bool

    public init(name: String, directory: URL, jobs: [StudyJob], threadsPerJob: Int, blinded: Bool = false) {
        self.name = name
        self.directory = directory
        self.jobs = jobs
        self.threadsPerJob = threadsPerJob
        self.blinded = blinded
        let keys = jobs.map { Self.key(ofRunFolder: $0.directory, in: directory) }
        precondition(Set(keys).count == keys.count, "two runs of study \(name) share a key: \(keys)")
    }

    /// How an executor's work on a study ended.
    public enum Outcome: Sendable {
        /// Every run ended completed (or there was nothing to do).
        case finished
        /// Submitted to Slurm without following: the tasks go on there.
        case submitted
        /// A stop request (Ctrl-C) ended the work early: local runs stopped with a checkpoint,
        /// Slurm tasks go on.
        case stopped
    }

    /// The Slurm executor's folder: scripts, run lists, configs, exit codes, logs.
    public var slurm: URL { directory.appendingPathComponent("slurm", isDirectory: true) }

    /// The key of the run folder `run` of the study in `directory` (see the type's comment).
    static func key(ofRunFolder run: URL, in directory: URL) -> String {
        let runs = directory.appendingPathComponent("runs", isDirectory: true).standardizedFileURL.pathComponents
        let parts = run.standardizedFileURL.pathComponents
        precondition(parts.count > runs.count && Array(parts.prefix(runs.count)) == runs, "run folder \(run.path) is not under \(directory.path)/runs")
        return parts.dropFirst(runs.count).joined(separator: "-")
    }

    /// The key of `job`'s run folder.
    public func key(_ job: StudyJob) -> String { Self.key(ofRunFolder: job.directory, in: directory) }

    /// Every run with the state of its folder: a folder with another configuration throws
    /// `.conflictingRun` (a usage error), one whose saved configuration cannot be read `.folder`
    /// (a file that cannot be read).
    public func states() throws(SweepError) -> [(job: StudyJob, state: StudyJob.State)] {
        var out: [(job: StudyJob, state: StudyJob.State)] = []
        for var j in jobs {
            guard let s = j.folderState() else {
                let file = j.work.savedFile(in: j.directory)
                if j.work.saved(in: j.directory) == nil {
                    throw .folder(.config(path: file.path, message: "cannot be read, so whether the folder holds this study's run is unknown; "
                                          + "restore it (e.g. from git), or delete the run's folder to train it afresh"))
                }
                throw .conflictingRun(path: j.directory.path, difference: j.conflict())
            }
            out.append((j, s))
        }
        return out
    }

    /// The runs still to do, other than those whose key is in `queued` (Slurm tasks pending or
    /// running); throws for a folder a live process writes (naming its pid) when `checkLocks`
    /// (the local executor; Slurm tasks run on other machines and are found in the queue) — before
    /// looking at configurations, as a live writer's folder holds whatever it is writing. Marks
    /// the partial runs (`StudyJob.resumes`) and says how many resume and how many completed ones
    /// are skipped (the executor names each run as it starts or resumes it).
    public func pending(checkLocks: Bool, queued: Set<String> = [], say: (String) -> Void) throws(SweepError) -> [StudyJob] {
        if checkLocks {
            for job in jobs where !queued.contains(key(job)) {
                if let holder = FolderLock.holder(of: job.directory) { throw .busyRun(path: job.directory.path, holder: holder) }
            }
        }
        var pending: [StudyJob] = []
        var skipped = 0, diverged = 0, partial = 0
        for (job, state) in try states() where !queued.contains(key(job)) {
            switch state {
            case .completed: skipped += 1
            case .diverged: diverged += 1
            case .partial:
                var resumed = job
                resumed.resumes = true
                partial += 1
                if let damage = job.unreadableSummary { say("\(job.directory.path): \(damage)") }
                pending.append(resumed)
            case .fresh: pending.append(job)
            }
        }
        if skipped > 0 { say("skipping \(skipped) completed run(s)") }
        if partial > 0 { say("\(partial) partial run(s) resume from their checkpoints") }
        if diverged > 0 {
            say("skipping \(diverged) diverged run(s) (a non-finite loss; they would diverge again: delete a run's folder to train it afresh)")
        }
        return pending
    }

    /// Runs `list` (from `pending`) on this machine through `executor`: finished, or stopped on
    /// request; throws the failed runs (folder and log tail) after the others finished.
    public func runLocally(_ list: [StudyJob], on executor: LocalExecutor) throws(SweepError) -> Outcome {
        let outcome = executor.run(list)
        if !outcome.failures.isEmpty {
            throw .runsFailed(outcome.failures.map { f in Self.failureText(list[f.index], reason: f.message, blinded: blinded) })
        }
        return outcome.stopped ? .stopped : .finished
    }

    /// A failed run: its label, folder, why, and the last 12 lines of its log; when `blinded`,
    /// every decimal number in those lines (an accuracy, a loss, a percentage, a rate) is shown as
    /// `…`, so a failure of a blinded study shows why it failed but no result.
    static func failureText(_ job: StudyJob, reason: String, blinded: Bool = false) -> String {
        let tail = (try? String(contentsOf: job.log, encoding: .utf8)).map { text in
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).suffix(12).map(String.init)
            let shown = blinded ? lines.map(Self.withholdingDecimals) : lines
            let withheld = zip(lines, shown).contains { $0 != $1 }
            return (shown.map { "    | " + $0 }
                + (withheld ? ["    (decimal numbers shown as …: the study is blinded until every run has ended; the log is \(job.log.path))"] : []))
                .joined(separator: "\n")
        } ?? "    (no log at \(job.log.path))"
        return "  \(job.label): \(reason)\n  folder \(job.directory.path)\n" + tail
    }

    /// `line` with every decimal number (digits, a point, digits, an optional exponent) replaced by `…`.
    static func withholdingDecimals(_ line: String) -> String {
        line.replacing(#/[0-9]*\.[0-9]+([eE][-+]?[0-9]+)?/#, with: "…")
    }
}
