import ArgumentParser
import Foundation
import Datasets
import Experiments
import Training

/// `masklab sweep`: a grid (and list) of run configs from one base config, trained on this
/// machine or on a Slurm cluster, summarised across the grid.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Train a grid of run configs (base config + axes) locally or on Slurm and write the table across the grid.",
        discussion: """
        CONFIG is a sweep file (JSON, or YAML when it ends in .yaml/.yml): "name", "base" (a run config), \
        "grid" (axes: a config key path → a list of values; the runs are their product), optional "points" \
        (a list of {key path: value} objects), "jobs" and "threadsPerJob". Axis keys are the config keys \
        `masklab train --help` lists (seed, optimizer.learningRate, masks.importance.lambda, modelOptions.width, …).

        Runs go to <out>/sweep-<name>/runs/<model>-<dataset>-<hash>/ (named by their config). Run the same \
        command again after an interruption: completed runs are skipped, partial ones resume. The table \
        (sweep.csv, SWEEP.md) gives final and best test accuracy per cell, mean ± 95% interval over seeds.

        Lottery studies: with "command": "lottery" the base is a lottery.json ({"run": {…run config…}, "levels", \
        "pruneFraction", "reset", …; see `masklab lottery --help`) and each point is one `masklab lottery` run of \
        all its levels, in runs/lottery-<model>-<dataset>-<hash>/; axes are lottery.json keys (run.seed — or just \
        seed —, levels, pruneFraction, selection, reset, rewindIteration, …). A lottery run is completed when it \
        wrote levels.csv; an interrupted one keeps its finished levels and resumes the interrupted level. The table \
        gives per cell, arm and level the test accuracy at early stopping and at the end, mean ± 95% interval over seeds.

        --executor slurm writes one sbatch array script per submission under sweep-<name>/slurm/, submits \
        it and follows the tasks with squeue; interrupted tasks are resubmitted and resume from their checkpoints.
        """
    )

    @Argument(help: "The sweep file.")
    var config: String

    @OptionGroup var shared: StudyRunOptions

    @Option(name: .long, help: "Folder that holds sweep-<name>/.")
    var out: String = "results"

    @OptionGroup var cluster: ExecutorOptions

    @Flag(name: .long, help: "List every run with its folder and status; train nothing.")
    var dryRun = false

    @Flag(name: .long, help: "Only rewrite sweep.csv and SWEEP.md from the runs that exist.")
    var reportOnly = false

    func run() throws {
        var file: SweepConfig
        do { file = try SweepConfig.load(from: URL(fileURLWithPath: config)) } catch { throw configFailure(config, error.description) }
        if let jobs = shared.jobs { file.jobs = jobs }
        if let threadsPerJob = shared.threadsPerJob { file = file.with(threadsPerJob: threadsPerJob) }
        let sweep = Sweep(config: file, layout: SweepLayout(root: URL(fileURLWithPath: out, isDirectory: true), name: file.name))
        let say: @Sendable (String) -> Void = { line in StandardStreams.out(line + "\n") }
        if dryRun {
            do { print(try sweep.dryRun()) } catch { throw runFailure(error) }
            return
        }
        if !reportOnly {
            let dataRoot = try shared.dataRoot()
            let facts = [("data", dataRoot.path), cluster.fact(jobs: file.jobs, threadsPerJob: file.threadsPerJob)]
            let outcome = try cluster.withExecutor(for: sweep.study, jobs: file.jobs, dataRoot: dataRoot, say: say) { executor in
                do throws(SweepError) { return try sweep.execute(commandLine: CommandLine.arguments, facts: facts, on: executor, say: say) } catch {
                    throw runFailure(error)
                }
            }
            if outcome == .stopped {
                print("stopped; run the same command again to continue (completed runs are skipped, partial ones resume)")
                throw ExitCode(130)
            }
        } else {
            do { try sweep.report().write(to: sweep.layout) } catch { throw runFailure(error) }
        }
        print(sweep.report().markdown())
        print("report: \(sweep.layout.report.path)")
    }
}
