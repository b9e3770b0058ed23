import ArgumentParser
import Foundation
import Experiments
import Training

/// Where the runs of a study (`sweep`, `compare`) train, and the Slurm settings: the options both
/// commands share, and the executor they make.
struct ExecutorOptions: ParsableArguments {
    enum Executor: String, ExpressibleByArgument, CaseIterable { case local, slurm }

    @Option(name: .long, help: "Where the runs train: local (child processes here) or slurm (an sbatch array job).")
    var executor: Executor = .local

    @Option(name: .long, help: "Slurm partition (default: the cluster's default partition).")
    var partition: String?

    @Option(name: .long, help: "Slurm time limit per task (e.g. 2:00:00); a task checkpoints 120 s before it and is requeued.")
    var time: String = "4:00:00"

    @Option(name: .long, help: "How often an interrupted Slurm task is submitted again.")
    var maxResubmits: Int = 3

    @Flag(name: .long, help: "Slurm: submit and return without following the tasks (run the command again to follow and report).")
    var noWait = false

    func validate() throws {
        if maxResubmits < 0 { throw ValidationError("--max-resubmits must be ≥ 0, got \(maxResubmits)") }
    }

    /// The `command.txt` line naming the executor.
    func fact(jobs: Int, threadsPerJob: Int) -> (key: String, value: String) {
        ("executor", executor == .local ? "local, \(jobs) × \(threadsPerJob) thread(s)" : "slurm, \(threadsPerJob) CPU(s) per task")
    }

    /// Calls `body` with the chosen executor for `study` (`jobs` local children at a time), Ctrl-C
    /// asking it to stop: local runs stop after their step with a checkpoint, Slurm tasks go on
    /// and only the following ends. Without Slurm's commands on PATH, fails before `body` runs.
    func withExecutor<T>(for study: Study, jobs: Int, dataRoot: URL, say: @escaping @Sendable (String) -> Void,
                 _ body: (StudyExecutor) throws -> T) throws -> T {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        switch executor {
        case .local:
            let local = LocalExecutor(executable: executable, dataRoot: dataRoot, jobs: jobs, say: say)
            let interrupt = InterruptHandler { local.stop() }
            defer { interrupt.cancel() }
            return try body(.local(local))
        case .slurm:
            do { try SlurmCommand.checkAvailable() } catch { throw CommandFailure(error.description) }
            let slurm = SlurmExecutor(study: study, options: .init(partition: partition, time: time, maxResubmits: maxResubmits),
                                      executable: executable, dataRoot: dataRoot, say: say)
            let control = TrainingControl()
            let interrupt = InterruptHandler { control.requestStop() }
            defer { interrupt.cancel() }
            return try body(.slurm(slurm, wait: !noWait, stopRequested: { control.stopRequested }))
        }
    }
}
