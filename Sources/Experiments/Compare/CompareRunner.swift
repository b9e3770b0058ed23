import Foundation
import Training

/// Executes the runs of a comparison as `masklab train --config … --out … --resume --quiet`
/// children through the executors `sweep` uses: on this machine (`LocalExecutor`, `jobs` at a
/// time with `threadsPerJob` threads each, seed by seed — all arms of seed 0 first — so an
/// interrupted comparison has whole seeds), or on a Slurm cluster (`SlurmExecutor`, one array
/// task per run with `threadsPerJob` CPUs).
///
/// Resumable by construction: a run folder whose `summary.json` says completed is skipped (and
/// never submitted to Slurm); any other run is started with `--resume`, which continues from its
/// checkpoint when there is one. A folder holding another configuration (other than the thread
/// count) is an error, never overwritten, and so is a folder another live process writes (a stray
/// run of an earlier comparison; locally only, as Slurm's tasks are found in its queue): both are
/// found before anything is written or started.
public struct CompareRunner: Sendable {
    public let compare: CompareConfig
    public let layout: CompareLayout

    public init(compare: CompareConfig, layout: CompareLayout) {
        self.compare = compare
        self.layout = layout
    }

    /// Every run as a study job ("<arm> seed <s>" in `runs/<arm>/seed-<s>/`), seed-major; within
    /// a seed the longest runs first (`armsLongestFirst`), so that the last runs of a study end
    /// together rather than one long run on its own while the other cores wait.
    public var study: Study {
        let arms = Self.armsLongestFirst(compare)
        let jobs = compare.seeds.flatMap { seed in
            arms.map { arm in
                StudyJob(label: "\(arm.name) seed \(seed)", config: compare.runConfig(arm, seed: seed), layout: layout.run(arm: arm.name, seed: seed))
            }
        }
        return Study(name: compare.name, directory: layout.directory, jobs: jobs, threadsPerJob: compare.threadsPerJob, blinded: compare.analysis != nil)
    }

    /// The arms in the order their runs start within a seed: those that solve for importance
    /// (the importance mask with solver steps > 0), most solver passes per refresh first
    /// (steps × batches, × 10 for a per-layer solve), then the others in their declared order.
    /// Only the order changes: each run's results are the same whatever runs beside it.
    static func armsLongestFirst(_ compare: CompareConfig) -> [CompareArm] {
        func solverPasses(_ arm: CompareArm) -> Int {
            guard let m = arm.config.masks, m.name == "importance", m.importance.steps > 0 else { return 0 }
            return m.importance.steps * m.importance.batches * (m.importance.solve == .perLayer ? 10 : 1)
        }
        return compare.arms.enumerated().sorted { a, b in
            let (x, y) = (solverPasses(a.element), solverPasses(b.element))
            return x != y ? x > y : a.offset < b.offset
        }.map(\.element)
    }

    /// The whole comparison (what `masklab compare` does without --report-only): takes the
    /// comparison folder (locked while it runs: a second `compare` on it fails with this one's
    /// pid), checks the threads per job against those the study started with
    /// (`CompareThreadRecord`) and the analysis against the one declared
    /// (`AnalysisDeclaration.record`, which appends a changed one only when
    /// `redeclareAnalysis`), checks every run folder, and only then writes the records,
    /// `compare.json` and `command.txt` (with `facts`), runs what is left on `executor`, and on a
    /// stop or a failure writes the report from what exists.
    public func execute(commandLine: [String], facts: [(key: String, value: String)], on executor: StudyExecutor,
                        redeclareAnalysis: Bool = false, allowMixedMachines: Bool = false,
                        say: (String) -> Void) throws(CompareError) -> Study.Outcome {
        do throws(SweepError) { try executor.preflight() } catch { throw CompareError(error) }   // nothing is written when Slurm refuses
        let folder: RunFolder
        do {
            folder = try RunFolder.open(layout.directory, commandLine: commandLine, results: [], holds: "a comparison", reuse: .resume, choices: [], writer: "compare")
        } catch { throw .folder(error) }
        defer { folder.close() }
        let study = study
        let threads = try CompareThreadRecord.check(compare, study: study)
        let declaration = try AnalysisDeclaration.check(compare, layout: layout, redeclare: redeclareAnalysis)
        let pending: [StudyJob]
        do throws(SweepError) { pending = try executor.check(study, say: say) } catch { throw CompareError(error) }
        // Locally the pending runs train on this machine; on Slurm the nodes decide, unknown here.
        if case .local = executor, !allowMixedMachines {
            let hardware = RunOrigin.currentHardware
            let conflicts = CompareMachineGuard.conflicts(compare, layout: layout, pending: pending.map(\.directory), hardware: hardware)
            if !conflicts.isEmpty {
                throw .mixedMachines(path: layout.directory.path, seeds: conflicts.map(\.seed),
                                     message: SeedMachineGuard.message(conflicts, path: layout.directory.path, hardware: hardware))
            }
        }
        try threads?.write(layout)
        if let declaration {
            try AnalysisDeclaration.save(declaration.declarations, layout)
            say(declaration.line)
        }
        let outcome: Study.Outcome
        do throws(SweepError) {
            do {
                try folder.write(compare.sourceText + "\n", to: CompareLayout.configFile)
                try folder.writeCommand(facts)
            } catch { throw SweepError.folder(error) }
            do throws(SweepError) {
                outcome = try executor.run(study, checked: pending)
            } catch {
                _ = try? CompareReport.write(compare, layout: layout)
                throw error
            }
        } catch { throw CompareError(error) }
        if outcome == .stopped { _ = try? CompareReport.write(compare, layout: layout) }
        return outcome
    }
}
