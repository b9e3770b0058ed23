import ArgumentParser
import Foundation
import Datasets
import Training

/// The options every study command shares (`compare`, `sweep`, `prune-sweep`): where the data is,
/// and overrides of the study file's local parallelism. Declared once here; each command keeps
/// its own `--out` (their defaults differ) and takes `--executor …` from `ExecutorOptions`.
struct StudyRunOptions: ParsableArguments {
    @Option(name: .long, help: "Data folder (default: $MASKLAB_DATA, ./data or ../shared/data); Slurm tasks must see it at the same path.")
    var data: String?

    @Option(name: .long, help: "Override the file's number of parallel local child processes.")
    var jobs: Int?

    @Option(name: .long, help: "Override the file's threads per run (Slurm: --cpus-per-task).")
    var threadsPerJob: Int?

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be ≥ 1, got \(jobs)") }
        if let threadsPerJob, !(1...TrainingConfig.maxThreads).contains(threadsPerJob) {
            throw ValidationError("--threads-per-job must be in [1, \(TrainingConfig.maxThreads)] (4 × the cores), got \(threadsPerJob)")
        }
    }

    /// The data folder to hand to the runs (it must exist).
    func dataRoot() throws -> URL {
        do { return try DataLocator.resolve(explicit: data) } catch { throw CommandFailure(error.description) }
    }
}
