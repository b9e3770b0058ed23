import Foundation

/// A sweep on disk: its points as train jobs in hash-named run folders under `layout`, which of
/// them are still to do, and the whole sweep through an executor (local or Slurm) ending in the report.
///
/// Resumable by construction: a run folder whose `summary.json` says completed is skipped; any
/// other run is started with `--resume`, which continues from its checkpoint when there is one.
/// A folder holding another configuration is an error, never overwritten.
public struct Sweep: Sendable {
    public let config: SweepConfig
    public let layout: SweepLayout

    public init(config: SweepConfig, layout: SweepLayout) {
        self.config = config
        self.layout = layout
    }

    /// Every run, in the order of the points.
    public var jobs: [TrainJob] {
        config.points.map { p in
            let name = p.config.runName
            return TrainJob(label: p.label, config: p.config, layout: layout.run(name), log: layout.log(name))
        }
    }

    /// Every run with the state of its folder (a folder with another configuration throws).
    public func states() throws(SweepError) -> [(job: TrainJob, state: TrainJob.State)] {
        var out: [(job: TrainJob, state: TrainJob.State)] = []
        for var j in jobs {
            guard let s = j.folderState() else { throw .conflictingRun(path: j.layout.directory.path) }
            out.append((j, s))
        }
        return out
    }

    /// The `--dry-run` listing: one line per run (status, label, folder), then the counts.
    public func dryRun() throws(SweepError) -> String {
        let all = try states()
        var out = all.map { "\($0.state.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \($0.job.label)  →  \($0.job.layout.directory.path)" }
        let done = all.filter { $0.state == .completed }.count
        out.append("\(all.count) run(s): \(done) completed, \(all.count - done) to run")
        return out.joined(separator: "\n")
    }

    /// The runs still to do, other than those in `queued` (run folder names of Slurm tasks that
    /// are pending or running); throws for a folder a live process writes (naming its pid) when
    /// `checkLocks` (the local executor; Slurm tasks run on other machines and are found in the queue).
    public func pending(checkLocks: Bool, queued: Set<String> = [], say: (String) -> Void) throws(SweepError) -> [TrainJob] {
        var pending: [TrainJob] = []
        var skipped = 0
        for (job, state) in try states() where !queued.contains(job.layout.directory.lastPathComponent) {
            if checkLocks, let holder = FolderLock.holder(of: job.layout.directory) {
                throw .busyRun(path: job.layout.directory.path, holder: holder)
            }
            switch state {
            case .completed: skipped += 1
            case .partial:
                say("resume  \(job.label)")
                pending.append(job)
            case .fresh: pending.append(job)
            }
        }
        if skipped > 0 { say("skipping \(skipped) completed run(s)") }
        return pending
    }

    /// Takes the sweep folder (locked while the sweep runs or is followed), writes `sweep.json`
    /// and `command.txt`, and calls `body`; writes the report afterwards, also when `body` throws.
    public func withFolder<T>(commandLine: [String], facts: [(key: String, value: String)], _ body: () throws(SweepError) -> T) throws(SweepError) -> T {
        let folder: RunFolder
        do {
            folder = try RunFolder.open(layout.directory, commandLine: commandLine, results: [], holds: "a sweep", reuse: .resume, choices: [])
        } catch { throw .folder(error) }
        defer { folder.close() }
        _ = try states()
        do {
            try folder.write(config.sourceText + "\n", to: SweepLayout.configFile)
            try folder.writeCommand(facts)
        } catch { throw .folder(error) }
        let result: T
        do { result = try body() } catch {
            try? SweepReport.read(config, layout: layout).write(to: layout)
            throw error
        }
        try SweepReport.read(config, layout: layout).write(to: layout)
        return result
    }

    /// Runs what is left on this machine (`LocalExecutor`, `config.jobs` at a time). Returns
    /// whether a stop was requested; throws the failed runs (folder and log tail) after the others finished.
    public func runLocally(_ executor: LocalExecutor, say: (String) -> Void) throws(SweepError) -> Bool {
        let list = try pending(checkLocks: true, say: say)
        let outcome = executor.run(list)
        if !outcome.failures.isEmpty {
            throw .runsFailed(outcome.failures.map { f in Self.failureText(list[f.index], reason: f.message) })
        }
        return outcome.stopped
    }

    /// A failed run: its label, folder, why, and the last lines of its log.
    static func failureText(_ job: TrainJob, reason: String) -> String {
        let tail = (try? String(contentsOf: job.log, encoding: .utf8)).map { text in
            text.split(separator: "\n", omittingEmptySubsequences: false).suffix(12).map { "    | " + $0 }.joined(separator: "\n")
        } ?? "    (no log at \(job.log.path))"
        return "  \(job.label): \(reason)\n  folder \(job.layout.directory.path)\n" + tail
    }
}
