import Foundation

/// Errors of `masklab compare`, each naming the file or run and what to do.
public enum CompareError: Error, CustomStringConvertible {
    /// The comparison config is unreadable or invalid.
    case config(path: String, message: String)
    /// A run folder holds a configuration other than the one the comparison plans for it.
    case conflictingRun(path: String)
    /// Another live process writes a run folder of the comparison (a stray run of an earlier one).
    case busyRun(path: String, holder: FolderLock.Holder)
    /// A child training process failed.
    case runFailed(arm: String, seed: UInt64, status: Int32, log: String)
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
        case let .runFailed(arm, seed, status, log): return "run \(arm) seed \(seed) failed (exit \(status)); see \(log)"
        case let .folder(e): return e.description
        case let .output(path, message): return "\(path): \(message)"
        case let .noRuns(path): return "\(path): no run has metrics yet; run the comparison first (without --report-only)"
        }
    }
}
