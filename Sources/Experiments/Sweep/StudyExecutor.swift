import Foundation

/// Where a study's runs train (`masklab sweep` and `compare`, `--executor local|slurm`): child
/// processes on this machine, or Slurm array tasks followed until they end (when `wait`;
/// `stopRequested` ends the following early, the tasks go on).
public enum StudyExecutor {
    case local(LocalExecutor)
    case slurm(SlurmExecutor, wait: Bool, stopRequested: () -> Bool)

    /// The runs `run` starts, found before the study writes anything. A folder with another
    /// configuration throws; locally so does a folder a live process writes, and the list marks
    /// the runs that resume (`StudyJob.resumes`). On Slurm the list is empty: the executor reads the queue first, as the
    /// study's own tasks write its folders.
    public func check(_ study: Study, say: (String) -> Void) throws(SweepError) -> [StudyJob] {
        switch self {
        case .local: return try study.pending(checkLocks: true, say: say)
        case .slurm:
            _ = try study.states()
            return []
        }
    }

    /// Checks, before the study's folder is taken, that the executor can run its tasks at all: on
    /// Slurm, that `sbatch --test-only` accepts the partition, time limit and CPUs per task.
    public func preflight() throws(SweepError) {
        if case let .slurm(slurm, _, _) = self { try slurm.preflight() }
    }

    /// Runs the study's `checked` runs (from `check`) locally, or submits and follows what is
    /// neither completed nor queued on Slurm. Throws the failed runs with their folders and log tails.
    public func run(_ study: Study, checked: [StudyJob]) throws(SweepError) -> Study.Outcome {
        switch self {
        case let .local(local): return try study.runLocally(checked, on: local)
        case let .slurm(slurm, wait, stopRequested):
            precondition(slurm.study.directory == study.directory, "Slurm executor of \(slurm.study.directory.path) asked to run \(study.directory.path)")
            return try slurm.execute(wait: wait, stopRequested: stopRequested)
        }
    }
}
