import Foundation

/// A sweep on disk: its points as jobs (training or lottery runs) in hash-named run folders under
/// `layout`, which of them are still to do, and the whole sweep through an executor (local or
/// Slurm) ending in the report.
///
/// Resumable by construction: a completed folder (a run's `summary.json` says completed, a
/// lottery wrote `levels.csv`) is skipped; any other run is started again and continues from
/// where it stopped (`train --resume` from its checkpoint; a lottery keeps its finished levels).
/// A folder holding another configuration is an error, never overwritten.
public struct Sweep: Sendable {
    public let config: SweepConfig
    public let layout: SweepLayout

    public init(config: SweepConfig, layout: SweepLayout) {
        self.config = config
        self.layout = layout
    }

    /// Every run, in the order of the points.
    public var jobs: [StudyJob] {
        config.points.map { p in StudyJob(label: p.label, work: p.work, directory: layout.folder(p.work.runName)) }
    }

    /// The sweep's runs as a study, what the executors run.
    public var study: Study {
        Study(name: config.name, directory: layout.directory, jobs: jobs, threadsPerJob: config.threadsPerJob)
    }

    /// Every run with the state of its folder (a folder with another configuration throws).
    public func states() throws(SweepError) -> [(job: StudyJob, state: StudyJob.State)] { try study.states() }

    /// The `--dry-run` listing: one line per run (status, label, folder), then the counts.
    public func dryRun() throws(SweepError) -> String {
        let all = try states()
        var out = all.map { $0.job.dryRunLine($0.state) }
        let done = all.filter { $0.state == .completed }.count, diverged = all.filter { $0.state == .diverged }.count
        out.append("\(all.count) run(s): \(done) completed, " + (diverged > 0 ? "\(diverged) diverged (not run again), " : "")
                   + "\(all.count - done - diverged) to run")
        return out.joined(separator: "\n")
    }

    /// The whole sweep: takes the sweep folder (locked while the sweep runs or is followed),
    /// checks every run folder (`StudyExecutor.check`), writes `sweep.json` and `command.txt`
    /// (with `facts`), runs what is left on `executor`, and writes the report afterwards, also
    /// when a run failed.
    public func execute(commandLine: [String], facts: [(key: String, value: String)], on executor: StudyExecutor,
                        say: (String) -> Void) throws(SweepError) -> Study.Outcome {
        try executor.preflight()   // a partition or time limit Slurm refuses: nothing is written
        let folder: RunFolder
        do {
            folder = try RunFolder.open(layout.directory, commandLine: commandLine, results: [], holds: "a sweep", reuse: .resume, choices: [], writer: "sweep")
        } catch { throw .folder(error) }
        defer { folder.close() }
        let study = study
        let pending = try executor.check(study, say: say)
        do {
            try folder.write(config.sourceText + "\n", to: SweepLayout.configFile)
            try folder.writeCommand(facts)
        } catch { throw .folder(error) }
        let outcome: Study.Outcome
        do throws(SweepError) { outcome = try executor.run(study, checked: pending) } catch {
            try? report().write(to: layout)
            throw error
        }
        try report().write(to: layout)
        return outcome
    }

    /// The table across the grid from the run folders as they are: per cell, final and best
    /// accuracy of training runs (`SweepReport`), or per cell and level of lottery runs (`LotterySweepReport`).
    public func report() -> any SweepTable {
        switch config.base {
        case .train: return SweepReport.read(config, layout: layout)
        case .lottery: return LotterySweepReport.read(config, layout: layout)
        }
    }
}
