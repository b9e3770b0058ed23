import Foundation
import Training

/// Which state of a run a command read its weights from. A path alone is not enough: a run that
/// is still training (or is resumed later) overwrites its `last.safetensors`, and a result
/// computed from epoch 3 would then look as if it came from the finished run. So `interpolate`,
/// `prune` and `importance` record, beside the path, the file's size and modification time, a
/// MaskLab checkpoint's training position, and the state of the run folder at the moment of
/// reading — and warn when that run had not completed.
public struct WeightsProvenance: Sendable {
    /// The state of the run folder that holds the weights, when they were read.
    public enum RunState: Sendable, Equatable {
        /// `summary.json` says completed and no process holds the folder.
        case completed
        /// A live process holds the folder's lock: the run is being written now.
        case writing(pid: Int32?)
        /// `summary.json` has another status (stopped, nonFinite): the run may be resumed.
        case ended(status: String)
        /// A run folder (config.json) without `summary.json`: interrupted before its end.
        case unfinished
        /// Not a run folder (a loose weights file).
        case notARun
    }

    public var file: URL
    public var bytes: Int?
    public var modified: Date?
    /// The checkpoint's position (nil for a plain state_dict).
    public var epoch: Int?, iteration: Int?
    public var state: RunState

    /// Loads `file` with `load` and returns what it returned with the facts of the file and of
    /// its run, read **before** loading (a run that ends meanwhile must not make an earlier
    /// checkpoint look completed); the position comes from the checkpoint `load` returns.
    public static func reading<T>(_ file: URL, load: () throws(RunError) -> T, contents: (T) -> Checkpoint.Contents?)
        throws(RunError) -> (value: T, provenance: WeightsProvenance) {
        var provenance = facts(file)
        let value = try load()
        let c = contents(value)
        (provenance.epoch, provenance.iteration) = (c?.progress.epoch, c?.progress.iteration)
        return (value, provenance)
    }

    /// The facts of `file` and of the folder that holds it, now (no position).
    public static func facts(_ file: URL) -> WeightsProvenance {
        let attributes = try? FileManager.default.attributesOfItem(atPath: file.path)
        return WeightsProvenance(file: file, bytes: (attributes?[.size] as? NSNumber)?.intValue,
                                 modified: attributes?[.modificationDate] as? Date, epoch: nil, iteration: nil,
                                 state: state(of: file.deletingLastPathComponent()))
    }

    /// The state of the run folder `folder` now.
    public static func state(of folder: URL) -> RunState {
        if let holder = FolderLock.holder(of: folder) { return .writing(pid: holder.pid) }
        let layout = RunLayout(directory: folder)
        guard FileManager.default.fileExists(atPath: layout.config.path) else { return .notARun }
        guard let data = try? Data(contentsOf: layout.summary),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return .unfinished }
        let status = object["status"] as? String ?? "unknown"
        return status == RunStatus.completed.rawValue ? .completed : .ended(status: status)
    }

    /// One line for `command.txt`: the path, then the facts in brackets.
    public var text: String {
        var facts: [String] = []
        if let bytes { facts.append("\(bytes) bytes") }
        if let modified { facts.append("modified \(ISO8601DateFormatter().string(from: modified))") }
        if let epoch, let iteration { facts.append("checkpoint at epoch \(epoch), iteration \(iteration)") }
        switch state {
        case .completed: facts.append("run completed")
        case .writing(let pid): facts.append("run still being written" + (pid.map { " by process \($0)" } ?? ""))
        case .ended(let status): facts.append("run \(status), not completed")
        case .unfinished: facts.append("run unfinished (no summary.json)")
        case .notARun: break
        }
        return file.path + (facts.isEmpty ? "" : " (" + facts.joined(separator: "; ") + ")")
    }

    /// A warning for the terminal when the weights come from a run that had not completed, nil
    /// otherwise. `role` names them ("A", "weights"); `recorded`: whether the command writes a
    /// `command.txt` that records the state (`eval` writes none).
    public func warning(role: String, recorded: Bool = true) -> String? {
        let position = epoch.map { e in " (its checkpoint at epoch \(e)" + (iteration.map { ", iteration \($0)" } ?? "") + ")" } ?? ""
        switch state {
        case .completed, .notARun: return nil
        case .writing(let pid):
            return "warning: \(role) \(file.path) belongs to a run that is still being written" + (pid.map { " by process \($0)" } ?? "")
                + "; these results use the weights as they were now\(position)" + (recorded ? ", and command.txt records that state" : "")
        case .ended(let status):
            return "warning: \(role) \(file.path) belongs to a run that ended as \(status), not completed\(position)"
        case .unfinished:
            return "warning: \(role) \(file.path) belongs to a run that has not finished (no summary.json)\(position)"
        }
    }
}
