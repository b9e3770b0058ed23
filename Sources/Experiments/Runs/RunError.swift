import Foundation
import Training
import Datasets
import Models

/// Errors from setting up or running an experiment, each saying what to fix.
public enum RunError: Error, CustomStringConvertible {
    case config(path: String, message: String)
    case dataset(DatasetError)
    case model(ModelError)
    case training(TrainingError)
    case output(path: String, message: String)
    /// Another live process writes to the folder (its lock is held).
    case locked(path: String, holder: FolderLock.Holder)
    /// The folder already holds results that this command would replace; `choices` say how to go on.
    case existingResults(path: String, holds: String, choices: [String])

    public var description: String {
        switch self {
        case let .config(path, message): return "config \(path): \(message)"
        case let .dataset(e): return e.description
        case let .model(e): return e.description
        case let .training(e): return e.description
        case let .output(path, message): return "\(path): \(message)"
        case let .locked(path, holder):
            return "\(path) is being written by \(holder); wait for it to finish or stop it (nothing was changed)"
        case let .existingResults(path, holds, choices):
            return "\(path) already holds \(holds); \(choices.joined(separator: ", or ")) (nothing was changed)"
        }
    }
}
