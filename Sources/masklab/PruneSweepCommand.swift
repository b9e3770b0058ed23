import ArgumentParser
import Foundation
import Datasets
import Experiments
import Training

/// `masklab prune-sweep`: criteria × compression ratios × seeds in the manner of ShrinkBench —
/// dense training per seed, one-shot pruning after it and fine-tuning (optionally pruning at
/// initialisation), locally or on Slurm, summarised as accuracy against compression and FLOPs.
struct PruneSweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune-sweep",
        abstract: "Prune by every criterion at every compression ratio over seeds (ShrinkBench style), fine-tune, and report accuracy vs compression and FLOPs.",
        discussion: """
        CONFIG is a pruning-sweep file (JSON, or YAML when it ends in .yaml/.yml; see experiments/prune-sweep-*.json): \
        "name", "base" (the dense run config), "criteria" (must include random, the baseline), "ratios" (compression \
        ratios ≥ 1: prunable weights / kept prunable weights), "seeds", "finetune" (run-config keys the fine-tuning \
        changes, e.g. {"budget": {"epochs": 2}}), optional "atInit" (criteria also pruned at θ0 and trained from \
        scratch with the dense budget), "masks" (mask options of every pruned run: magnitudeScope, exclude, keepOutput, \
        pruning.batches, …), "jobs" and "threadsPerJob".

        Phase 1 trains each seed's dense run (and the at-init cells); phase 2 starts every other cell from its seed's \
        dense weights (train --init-from), prunes them at run start (--mask prune --criterion C --keep 1/ratio) and \
        fine-tunes. Ratio 1 is one fine-tuned unpruned run per seed, shared by every criterion. Runs go to \
        <out>/<name>/runs/<criterion>/ratio-<r>/seed-<s>/. Run the same command again after an interruption: \
        completed runs are skipped, partial ones resume. The report (REPORT.md, results.csv, summary.csv, one SVG per plot) \
        gives test accuracy against the achieved compression and the theoretical FLOP reduction, mean ± 95% interval over seeds.

        --executor slurm submits each phase as an sbatch array job and follows it; with --no-wait, run the command again \
        to submit phase 2 once phase 1 has finished.
        """
    )

    @Argument(help: "The pruning-sweep file.")
    var config: String

    @OptionGroup var shared: StudyRunOptions

    @Option(name: .long, help: "Folder that holds <name>/.")
    var out: String = "results/pruning-sweep"

    @OptionGroup var cluster: ExecutorOptions

    @Flag(name: .long, help: "List every run with its folder and status; train nothing.")
    var dryRun = false

    @Flag(name: .long, help: "Train here although some seed's other runs ran on another CPU model or OpenBLAS kernel set, so that its paired differences compare runs of two machines (refused without it, locally).")
    var allowMixedMachines = false

    @Flag(name: .long, help: "Only rewrite the report from the runs that exist.")
    var reportOnly = false

    func run() throws {
        var file: PruningSweepConfig
        do { file = try PruningSweepConfig.load(from: URL(fileURLWithPath: config)) } catch { throw configFailure(config, error.description) }
        if let jobs = shared.jobs { file.jobs = jobs }
        if let threadsPerJob = shared.threadsPerJob { file = file.with(threadsPerJob: threadsPerJob) }
        let sweep = PruningSweep(config: file, root: URL(fileURLWithPath: out, isDirectory: true))
        let say: @Sendable (String) -> Void = { line in StandardStreams.out(line + "\n") }
        if dryRun {
            do { print(try sweep.dryRun()) } catch { throw runFailure(error) }
            return
        }
        if !reportOnly {
            let dataRoot = try shared.dataRoot()
            let facts = [("data", dataRoot.path), cluster.fact(jobs: file.jobs, threadsPerJob: file.threadsPerJob)]
            // A partition or time limit Slurm refuses: say so before the sweep's folder is written.
            try cluster.withExecutor(for: sweep.phases[0], jobs: file.jobs, dataRoot: dataRoot, say: say) { executor in
                do throws(SweepError) { try executor.preflight() } catch { throw runFailure(error) }
            }
            let folder: RunFolder
            do { folder = try sweep.open(commandLine: CommandLine.arguments, facts: facts) } catch { throw runFailure(error) }
            defer { folder.close() }
            var outcome = Study.Outcome.finished
            for (k, phase) in sweep.phases.enumerated() where outcome == .finished {
                say("phase \(k + 1) of 2: \(k == 0 ? "dense runs" + (file.atInit.isEmpty ? "" : " and at-init cells") : "pruned after training and fine-tuned")")
                outcome = try cluster.withExecutor(for: phase, jobs: file.jobs, dataRoot: dataRoot, say: say) { executor in
                    do throws(SweepError) { return try sweep.run(phase, on: executor, allowMixedMachines: allowMixedMachines, say: say) } catch {
                        try? PruningSweepReport.read(sweep).write(to: sweep.directory)
                        throw runFailure(error)
                    }
                }
            }
            switch outcome {
            case .finished: break
            case .submitted: return
            case .stopped:
                print("stopped; run the same command again to continue (completed runs are skipped, partial ones resume)")
                throw ExitCode(130)
            }
        }
        let report: PruningSweepReport
        do {
            report = try PruningSweepReport.read(sweep)
            try report.write(to: sweep.directory)
        } catch let e as RunError { throw CommandFailure(e.description) } catch let e as SweepError { throw CommandFailure(e.description) }
        print(report.summaryCSV())
        print("report: \(sweep.directory.appendingPathComponent("REPORT.md").path)")
    }
}
