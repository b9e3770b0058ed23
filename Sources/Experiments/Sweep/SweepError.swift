import Foundation

/// Why a sweep cannot go on, with what to do about it.
public enum SweepError: Error, CustomStringConvertible {
    /// The sweep file is malformed (`message` names the key and what is expected); `command` is
    /// the subcommand whose config it is ("sweep", "prune-sweep").
    case config(path: String, message: String, command: String = "sweep")
    /// A run folder holds a run with another configuration.
    case conflictingRun(path: String, difference: String)
    /// A run folder is being written by a live process.
    case busyRun(path: String, holder: FolderLock.Holder)
    /// Runs failed; each with its folder and the tail of its log.
    case runsFailed([String])
    /// Slurm's commands are missing or refused something (`message` holds Slurm's own words).
    case slurm(String)
    case folder(RunError)
    case output(path: String, message: String)
    /// Training here would leave seeds with runs on more than one CPU model or kernel set
    /// (`SeedMachineGuard`); `message` names them and what to do.
    case mixedMachines(path: String, message: String)

    public var description: String {
        switch self {
        case let .config(path, message, command): return "\(command) config \(path): \(message)"
        case let .conflictingRun(path, difference):
            return "\(path) holds a run with a different configuration (\(difference)); delete that folder or give the sweep another name"
        case let .busyRun(path, holder):
            return "\(path) is being written by \(holder); stop it (or let it finish) and run the sweep again (nothing was started)"
        case let .runsFailed(lines): return "\(lines.count) run(s) failed:\n" + lines.joined(separator: "\n")
        case let .slurm(message): return message
        case let .folder(e): return e.description
        case let .output(path, message): return "\(path): \(message)"
        case let .mixedMachines(_, message): return message + " Nothing was trained."
        }
    }
}
