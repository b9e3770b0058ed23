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

        --executor slurm writes one sbatch array script per submission under sweep-<name>/slurm/, submits \
        it and follows the tasks with squeue; interrupted tasks are resubmitted and resume from their checkpoints.
        """
    )

    enum Executor: String, ExpressibleByArgument, CaseIterable { case local, slurm }

    @Argument(help: "The sweep file.")
    var config: String

    @Option(name: .long, help: "Data folder (default: $MASKLAB_DATA, ./data or ../shared/data); Slurm tasks must see it at the same path.")
    var data: String?

    @Option(name: .long, help: "Folder that holds sweep-<name>/.")
    var out: String = "results"

    @Option(name: .long, help: "Where the runs train: local (child processes here) or slurm (an sbatch array job).")
    var executor: Executor = .local

    @Option(name: .long, help: "Override the file's number of parallel local child processes.")
    var jobs: Int?

    @Option(name: .long, help: "Override the file's threads per run (Slurm: --cpus-per-task).")
    var threadsPerJob: Int?

    @Option(name: .long, help: "Slurm partition (default: the cluster's default partition).")
    var partition: String?

    @Option(name: .long, help: "Slurm time limit per task (e.g. 2:00:00); a task checkpoints 120 s before it and is requeued.")
    var time: String = "4:00:00"

    @Option(name: .long, help: "How often an interrupted Slurm task is submitted again.")
    var maxResubmits: Int = 3

    @Flag(name: .long, help: "Slurm: submit and return without following the tasks (run the command again to follow and report).")
    var noWait = false

    @Flag(name: .long, help: "List every run with its folder and status; train nothing.")
    var dryRun = false

    @Flag(name: .long, help: "Only rewrite sweep.csv and SWEEP.md from the runs that exist.")
    var reportOnly = false

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be ≥ 1, got \(jobs)") }
        if let threadsPerJob, !(1...TrainingConfig.maxThreads).contains(threadsPerJob) {
            throw ValidationError("--threads-per-job must be in [1, \(TrainingConfig.maxThreads)] (4 × the cores), got \(threadsPerJob)")
        }
        if maxResubmits < 0 { throw ValidationError("--max-resubmits must be ≥ 0, got \(maxResubmits)") }
    }

    func run() throws {
        var file: SweepConfig
        do { file = try SweepConfig.load(from: URL(fileURLWithPath: config)) } catch { throw CommandFailure(error.description) }
        if let jobs { file.jobs = jobs }
        if let threadsPerJob { file = file.with(threadsPerJob: threadsPerJob) }
        let sweep = Sweep(config: file, layout: SweepLayout(root: URL(fileURLWithPath: out, isDirectory: true), name: file.name))
        let say: @Sendable (String) -> Void = { line in FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
        if dryRun {
            do { print(try sweep.dryRun()) } catch { throw CommandFailure(error.description) }
            return
        }
        if !reportOnly {
            let dataRoot: URL
            do { dataRoot = try DataLocator.resolve(explicit: data) } catch { throw CommandFailure(error.description) }
            let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            let facts = [("data", dataRoot.path), ("executor", executor == .local ? "local, \(file.jobs) × \(file.threadsPerJob) thread(s)"
                                                                                : "slurm, \(file.threadsPerJob) CPU(s) per task")]
            let finished: Bool
            switch executor {
            case .local:
                let local = LocalExecutor(executable: executable, dataRoot: dataRoot, jobs: file.jobs, say: say)
                let interrupt = InterruptHandler { local.stop() }
                defer { interrupt.cancel() }
                do { finished = !(try sweep.withFolder(commandLine: CommandLine.arguments, facts: facts) { () throws(SweepError) in try sweep.runLocally(local, say: say) }) } catch {
                    throw CommandFailure(error.description)
                }
            case .slurm:
                do { try SlurmCommand.checkAvailable() } catch { throw CommandFailure(error.description) }
                let slurm = SlurmExecutor(sweep: sweep, options: .init(partition: partition, time: time, maxResubmits: maxResubmits),
                                          executable: executable, dataRoot: dataRoot, say: say)
                let control = TrainingControl()
                let interrupt = InterruptHandler { control.requestStop() }
                defer { interrupt.cancel() }
                do { finished = try sweep.withFolder(commandLine: CommandLine.arguments, facts: facts) { () throws(SweepError) in
                    try slurm.execute(wait: !noWait, stopRequested: { control.stopRequested })
                } } catch { throw CommandFailure(error.description) }
            }
            if !finished {
                print("stopped; run the same command again to continue (completed runs are skipped, partial ones resume)")
                throw ExitCode(130)
            }
        } else {
            do { try SweepReport.read(file, layout: sweep.layout).write(to: sweep.layout) } catch { throw CommandFailure(error.description) }
        }
        print(SweepReport.read(file, layout: sweep.layout).markdown())
        print("report: \(sweep.layout.report.path)")
    }
}
