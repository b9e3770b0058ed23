import Foundation

/// Errors of `masklab compare`, each naming the file or run and what to do.
public enum CompareError: Error, CustomStringConvertible {
    /// The comparison config is unreadable or invalid.
    case config(path: String, message: String)
    /// A run folder holds a configuration other than the one the comparison plans for it.
    case conflictingRun(path: String, difference: String)
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
    /// The config's analysis differs from the last one recorded in the folder's
    /// `analysis-declared.json` (`declared` says when that was), or was removed (`withdrawn`);
    /// `runsEnded` of `runs` have ended now.
    case analysisChanged(path: String, declared: String, differences: [String], withdrawn: Bool, runsEnded: Int, runs: Int)
    /// The comparison's runs train with `started` threads each and this invocation asks for
    /// `requested` (`source` says where `started` was read).
    case threadsChanged(path: String, started: Int, requested: Int, source: String)
    /// Training here would leave `seeds` with arms on more than one CPU model or kernel set
    /// (`SeedMachineGuard`); `message` names each seed's runs and machines and what to do.
    case mixedMachines(path: String, seeds: [UInt64], message: String)

    public var description: String {
        switch self {
        case let .config(path, message): return "compare config \(path): \(message)"
        case let .conflictingRun(path, difference):
            return "\(path) holds a run with a different configuration (\(difference)); delete that folder or give the comparison another name"
        case let .busyRun(path, holder):
            return "\(path) is being written by \(holder); stop it (or let it finish) and run the comparison again (nothing was started)"
        case let .runs(e): return e.description
        case let .folder(e): return e.description
        case let .output(path, message): return "\(path): \(message)"
        case let .noRuns(path): return "\(path): no run has metrics yet; run the comparison first (without --report-only)"
        case let .analysisChanged(path, declared, differences, withdrawn, ended, runs):
            let head = "\(path): the config's \"analysis\" is not the one in analysis-declared.json (\(declared)):\n"
                + differences.map { "  \($0)\n" }.joined()
            if withdrawn {
                return head + "A declared analysis cannot be withdrawn: restore it in the config, or run the arms as a new comparison (another \"name\")."
            }
            return head + "A pre-registered analysis must not change once results can be seen. Restore the declared analysis in the "
                + "config, or run again with --redeclare-analysis to record this one as re-declared now (\(ended) of \(runs) runs have ended); "
                + "the earlier declaration is kept and REPORT.md names both. Nothing was run or written."
        case let .threadsChanged(path, started, requested, source):
            return "\(path): its runs train with \(started) thread(s) each (\(source)), this invocation asks for \(requested) "
                + "(--threads-per-job or \"threadsPerJob\"). The thread count changes the numerics, so runs with \(requested) would "
                + "no longer be bit-paired with the arms of their seed that ran with \(started): run with --threads-per-job \(started) "
                + "(--jobs may change freely), or give the comparison another name. Nothing was run or written."
        case let .mixedMachines(_, _, message): return message + " Nothing was run or written."
        }
    }
}

extension CompareError {
    /// The comparison's words for an error of the executors it shares with `sweep`.
    init(_ error: SweepError) {
        switch error {
        case let .conflictingRun(path, difference): self = .conflictingRun(path: path, difference: difference)
        case let .busyRun(path, holder): self = .busyRun(path: path, holder: holder)
        case let .folder(e): self = .folder(e)
        case let .output(path, message): self = .output(path: path, message: message)
        case let .mixedMachines(path, message): self = .mixedMachines(path: path, seeds: [], message: message)
        case .config, .runsFailed, .slurm: self = .runs(error)
        }
    }
}
