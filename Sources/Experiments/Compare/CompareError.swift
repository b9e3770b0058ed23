import Foundation

/// Errors of `masklab compare`, each naming the file or run and what to do.
public enum CompareError: Error, CustomStringConvertible {
    /// The comparison config is unreadable or invalid.
    case config(path: String, message: String)
    /// A run folder holds a configuration other than the one the comparison plans for it.
    case conflictingRun(path: String)
    /// Another live process writes a run folder of the comparison (a stray run of an earlier one).
    case busyRun(path: String, holder: FolderLock.Holder)
    /// Runs failed (each with its folder and log tail), or Slurm is missing or refused the job.
    case runs(SweepError)
    /// The comparison folder could not be taken or written (e.g. another `compare` holds it).
    case folder(RunError)
    /// A file of the report could not be read or written.
    case output(path: String, message: String)
    /// No finished run to report on.
    case noRuns(path: String)

    public var description: String {
        switch self {
        case let .config(path, message): return "compare config \(path): \(message)"
        case let .conflictingRun(path):
            return "\(path) holds a run with a different configuration; delete that folder or give the comparison another name"
        case let .busyRun(path, holder):
            return "\(path) is being written by \(holder); stop it (or let it finish) and run the comparison again (nothing was started)"
        case let .runs(e): return e.description
        case let .folder(e): return e.description
        case let .output(path, message): return "\(path): \(message)"
        case let .noRuns(path): return "\(path): no run has metrics yet; run the comparison first (without --report-only)"
        }
    }
}

extension CompareError {
    /// The comparison's words for an error of the executors it shares with `sweep`.
    init(_ error: SweepError) {
        switch error {
        case let .conflictingRun(path): self = .conflictingRun(path: path)
        case let .busyRun(path, holder): self = .busyRun(path: path, holder: holder)
        case let .folder(e): self = .folder(e)
        case let .output(path, message): self = .output(path: path, message: message)
        case .config, .runsFailed, .slurm: self = .runs(error)
        }
    }
}
