import Foundation
import ArgumentParser
import Experiments

/// A user-facing error: ArgumentParser prints "Error: <message>" and exits with status 1.
struct CommandFailure: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// Wrong settings found only once the command runs (an option table's value, a `--filter`
/// expression, a config file's syntax, keys or values): "Error: <message>" and exit status 64
/// (EX_USAGE), the status ArgumentParser gives the errors it finds itself, so that every
/// subcommand answers a bad setting the same way. A file or folder that is missing or cannot be
/// read, and failures of the work itself, stay `CommandFailure` (status 1).
struct UsageFailure: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
    /// EX_USAGE from sysexits.h, ArgumentParser's `ExitCode.validationFailure`.
    static let status: Int32 = 64
}

/// The error for a config file at `path` that could not be loaded: `CommandFailure` when the file
/// is missing (status 1), else `UsageFailure` (its contents are wrong: status 64).
func configFailure(_ path: String, _ message: String) -> Error {
    FileManager.default.fileExists(atPath: path) ? UsageFailure(message) : CommandFailure(message)
}

/// Refuses the options among `given` (spelling, whether given) that `mode` does not read, instead
/// of ignoring them: "--lambda, --out do not apply to --benchmark (why)"; nothing when none was given.
func refuseInapplicable(_ given: [(String, Bool)], to mode: String, because why: String) throws {
    let stray = given.filter(\.1).map(\.0)
    guard !stray.isEmpty else { return }
    throw ValidationError("\(stray.joined(separator: ", ")) \(stray.count == 1 ? "does" : "do") not apply to \(mode) (\(why))")
}

/// The failure `error` exits with: a setting that does not fit the data or the machine
/// (`RunError.setting`), and an output folder that holds results without `--overwrite` or belongs
/// to another command (`existingResults`, `foreignFolder`: choose another `--out`), are
/// `UsageFailure`s (status 64), like every other wrong setting; the rest are `CommandFailure`
/// (status 1). Only for errors about the command's own output: an *input* folder of the wrong
/// kind stays status 1, like a missing file.
///
/// A study's refusals of the same kind are usage errors too: a run folder that holds a run with
/// other settings (`conflictingRun`), a `threadsPerJob` other than the one the comparison started
/// with, a changed pre-registered analysis, runs from several machines without
/// `--allow-mixed-machines`; so is a study's folder error that is one of the above.
func runFailure(_ error: any Error) -> Error {
    isSettingConflict(error) ? UsageFailure("\(error)") : CommandFailure("\(error)")
}

/// Whether `error` is a setting that conflicts with the data, the machine or what a folder
/// already holds (see `runFailure`).
private func isSettingConflict(_ error: any Error) -> Bool {
    switch error {
    case let run as RunError:
        switch run {
        case .setting, .existingResults, .foreignFolder: return true
        default: return false
        }
    case let sweep as SweepError:
        switch sweep {
        case .conflictingRun, .mixedMachines: return true
        case let .folder(run): return isSettingConflict(run)
        default: return false
        }
    case let compare as CompareError:
        switch compare {
        case .conflictingRun, .threadsChanged, .analysisChanged, .mixedMachines: return true
        case let .folder(run): return isSettingConflict(run)
        case let .runs(sweep): return isSettingConflict(sweep)
        default: return false
        }
    default: return false
    }
}

/// Refuses `--out` (`path`, an output of `command`) when `directory` (where it would write) is
/// another command's folder (`FolderOwner.writer`: a run, a lottery, a comparison, …): each
/// command writes only its own folders, so a plot or a mask comparison never replaces or adds
/// files among a run's results. A usage error (status 64); nothing is written.
func refuseForeignFolder(_ directory: URL, out path: String, command: String) throws {
    guard let owner = FolderOwner.writer(of: directory) else { return }
    throw UsageFailure("--out \(path): \(directory.path) belongs to `masklab \(owner.command)` (\(owner.evidence)); `\(command)` "
                       + "does not write into another command's folder: choose another --out (nothing was written)")
}
