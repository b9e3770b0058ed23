import Foundation
import Training
import Datasets
import Models

/// Errors from setting up or running an experiment, each saying what to fix.
public enum RunError: Error, CustomStringConvertible {
    /// A setting or input cannot run; `path` is the file, folder, key or flag it concerns.
    case config(path: String, message: String)
    /// A setting valid on its own that does not fit the data, the machine or the folder (a subset
    /// larger than its split, a run larger than memory, a resume with other settings than the
    /// run's): a usage error, found once the data or the folder is read. `path` as in `config`.
    case setting(path: String, message: String)
    case dataset(DatasetError)
    case model(ModelError)
    case training(TrainingError)
    case output(path: String, message: String)
    /// Another live process writes to the folder (its lock is held).
    case locked(path: String, holder: FolderLock.Holder)
    /// The folder already holds results that this command would replace; `choices` say how to go on.
    case existingResults(path: String, holds: String, choices: [String])
    /// The folder this process writes was deleted or replaced under it (its `.lock` at the path
    /// is not the file this process locked): another writer may own the path now.
    case folderReplaced(path: String)
    /// A command (`writer`, e.g. "train") was pointed at a folder that another command (`owner`)
    /// writes; `evidence` names the file that says so.
    case foreignFolder(path: String, owner: String, evidence: String, writer: String)

    public var description: String {
        switch self {
        case let .config(path, message): return "\(path): \(message)"
        case let .setting(path, message): return "\(path): \(message)"
        case let .dataset(e): return e.description
        case let .model(e): return e.description
        case let .training(e): return e.description
        case let .output(path, message): return "\(path): \(message)"
        case let .locked(path, holder):
            return "\(path) is being written by \(holder); wait for it to finish or stop it (nothing was changed)"
        case let .existingResults(path, holds, choices):
            return "\(path) already holds \(holds); \(choices.joined(separator: ", or ")) (nothing was changed)"
        case let .folderReplaced(path):
            return "the run folder \(path) was deleted or replaced while this run was writing it; stopping without writing "
                + "(the folder now at that path is left as it is)"
        case let .foreignFolder(path, owner, evidence, writer):
            let own = writer == "train" ? "run folders" : "folders"
            // `masks compare` has no --overwrite to mention.
            let (name, overwrite) = writer == "masks" ? ("masks compare", "") : (writer, "so --overwrite does not apply: ")
            return "\(path) belongs to `masklab \(owner)` (\(evidence)); `\(name)` writes only its own \(own), "
                + "\(overwrite)choose another --out (nothing was changed)"
        }
    }
}
