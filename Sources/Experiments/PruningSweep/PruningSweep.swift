import Foundation

/// A pruning sweep on disk: its cells as study jobs under `<root>/<name>/runs/`, run
/// in two phases through any `StudyExecutor` (local processes or Slurm array jobs), and the report.
///
///     <name>/prune-sweep.json                the sweep file as given
///     <name>/command.txt                     command line, data, executor, commit, machine
///     <name>/runs/dense/seed-<s>/            the dense training of each seed
///     <name>/runs/fine-tuned/ratio-1/seed-<s>/   its weights fine-tuned unpruned (ratio 1)
///     <name>/runs/<criterion>/ratio-<r>/seed-<s>/          pruned after training, fine-tuned
///     <name>/runs/<criterion>-at-init/ratio-<r>/seed-<s>/  pruned at θ0, trained from scratch
///     <name>/results.csv, summary.csv, REPORT.md, accuracy-vs-*.svg   (`PruningSweepReport`)
///
/// Phase 1 trains the dense runs and the at-init cells; phase 2, once every dense run of phase 1
/// is completed, the cells that start from them (`StudyJob.initFrom` = the dense run's
/// `last.safetensors`). Resumable as `sweep` and `compare`: completed runs are skipped, partial
/// ones resume from their checkpoints, a folder holding another configuration is an error.
public struct PruningSweep: Sendable {
    public let config: PruningSweepConfig
    public let directory: URL

    public init(config: PruningSweepConfig, root: URL) {
        self.config = config
        directory = root.appendingPathComponent(config.name, isDirectory: true)
    }

    public static let configFile = "prune-sweep.json"
    public var runs: URL { directory.appendingPathComponent("runs", isDirectory: true) }
    public func layout(_ cell: PruningSweepCell) -> RunLayout {
        RunLayout(directory: runs.appendingPathComponent(cell.folder, isDirectory: true))
    }

    /// The dense run of `seed`.
    public func denseLayout(seed: UInt64) -> RunLayout { RunLayout(directory: runs.appendingPathComponent("dense/seed-\(seed)", isDirectory: true)) }

    /// The job of `cell`: after-training cells start from their seed's dense weights.
    public func job(_ cell: PruningSweepCell) -> StudyJob {
        let l = layout(cell)
        return StudyJob(label: cell.label, config: cell.config, layout: l,
                        initFrom: cell.stage == .afterTraining ? denseLayout(seed: cell.seed).checkpoint : nil)
    }

    /// The two phases as studies of the sweep folder: phase 1 (dense and at-init runs) and phase 2
    /// (the runs that start from a dense run). Both share the folder, so Slurm follows them under one job name.
    public var phases: [Study] {
        let cells = config.cells
        let first = cells.filter { $0.stage != .afterTraining }, second = cells.filter { $0.stage == .afterTraining }
        return [first, second].map { Study(name: config.name, directory: directory, jobs: $0.map(job), threadsPerJob: config.threadsPerJob) }
    }

    /// The `--dry-run` listing: one line per run (status, label, folder), then the counts.
    public func dryRun() throws(SweepError) -> String {
        var lines: [String] = [], done = 0, diverged = 0, total = 0
        for (k, study) in phases.enumerated() {
            let states = try study.states()
            lines.append("phase \(k + 1): \(k == 0 ? "dense and at-init runs" : "pruned after training and fine-tuned (start from the dense runs)")")
            for s in states {
                lines.append(s.job.dryRunLine(s.state, indent: "  "))
                if s.state == .completed { done += 1 }
                if s.state == .diverged { diverged += 1 }
            }
            total += states.count
        }
        lines.append("\(total) run(s): \(done) completed, " + (diverged > 0 ? "\(diverged) diverged (not run again), " : "")
                     + "\(total - done - diverged) to run")
        return lines.joined(separator: "\n")
    }

    /// Takes the sweep folder (locked until `close()`) and writes `prune-sweep.json` and
    /// `command.txt` (with `facts`).
    public func open(commandLine: [String], facts: [(key: String, value: String)]) throws(SweepError) -> RunFolder {
        let folder: RunFolder
        do {
            folder = try RunFolder.open(directory, commandLine: commandLine, results: [], holds: "a pruning sweep", reuse: .resume, choices: [], writer: "prune-sweep")
            try folder.write(config.sourceText + "\n", to: Self.configFile)
            try folder.writeCommand(facts)
        } catch { throw .folder(error) }
        return folder
    }

    /// Every seed with all its runs (the dense run and every cell), for `SeedMachineGuard`: the
    /// cells of a seed prune that seed's dense run and are compared with each other by seed.
    public var seedRuns: [(seed: UInt64, runs: [SeedMachineGuard.Run])] {
        let cells = config.cells
        return config.seeds.map { seed in
            (seed: seed, runs: cells.filter { $0.seed == seed }.map { SeedMachineGuard.Run(label: $0.label, layout: layout($0)) })
        }
    }

    /// Runs phase `study` (from `phases`) on `executor`: checks every folder first, then trains
    /// what is left. Phase 2 refuses to start while a dense run is not completed. Locally, a seed
    /// whose other runs ran on another machine is refused (`SeedMachineGuard`) unless
    /// `allowMixedMachines`.
    public func run(_ study: Study, on executor: StudyExecutor, allowMixedMachines: Bool = false,
                    say: (String) -> Void) throws(SweepError) -> Study.Outcome {
        if study.jobs.contains(where: { $0.initFrom != nil }) {
            for seed in config.seeds where RunFolder.status(of: denseLayout(seed: seed)) != .completed {
                throw .output(path: denseLayout(seed: seed).directory.path, message: "the dense run of seed \(seed) is not completed; "
                              + "the pruned cells start from its weights (run the sweep again once phase 1 has finished)")
            }
        }
        let pending = try executor.check(study, say: say)
        if case .local = executor, !allowMixedMachines {
            let hardware = RunOrigin.currentHardware
            let conflicts = SeedMachineGuard.conflicts(seedRuns, pending: pending.map(\.directory), hardware: hardware)
            if !conflicts.isEmpty {
                throw .mixedMachines(path: directory.path, message: SeedMachineGuard.message(conflicts, path: directory.path, hardware: hardware))
            }
        }
        return try executor.run(study, checked: pending)
    }
}
