import Foundation
import Layers
import Training

/// Where a command's weights come from: a run folder (its `last.safetensors` and
/// `config.json`), a MaskLab checkpoint inside one, or any safetensors file of weights (a plain
/// PyTorch `state_dict`) with the model described by a config given separately.
public struct WeightsSource: Sendable {
    public var file: URL
    public var config: RunConfig

    /// The weights at `path` (a run folder or a `.safetensors` file) and the run config that
    /// describes their model: `configFile` when given (e.g. written by `masklab train --print-config`
    /// with the model's flags), else the `config.json` beside the file, else the `run` block of a
    /// `lottery.json` beside it (a lottery's `init.safetensors`), else `fallback` (interpolate's B
    /// takes A's). A file that is not safetensors is refused as such before any config is looked for.
    public static func locate(_ path: String, config configFile: String? = nil, fallback: RunConfig? = nil) throws(RunError) -> WeightsSource {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .config(path: path, message: "no such run folder or weights file")
        }
        let folder = isDirectory.boolValue ? URL(fileURLWithPath: path, isDirectory: true) : URL(fileURLWithPath: path).deletingLastPathComponent()
        let layout = RunLayout(directory: folder)
        let file = isDirectory.boolValue ? layout.checkpoint : URL(fileURLWithPath: path)
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw .config(path: file.path, message: isDirectory.boolValue ? missingCheckpointReason(layout) : "no such weights file")
        }
        if !isDirectory.boolValue, let problem = notSafetensors(file) { throw .config(path: file.path, message: problem) }
        if let configFile { return WeightsSource(file: file, config: try RunConfig.load(from: URL(fileURLWithPath: configFile))) }
        if FileManager.default.fileExists(atPath: layout.config.path) { return WeightsSource(file: file, config: try RunConfig.load(from: layout.config)) }
        let lottery = LotteryLayout(directory: folder).config
        if FileManager.default.fileExists(atPath: lottery.path) {
            do { return WeightsSource(file: file, config: try JSONDecoder().decode(LotteryConfig.self, from: Data(contentsOf: lottery)).run) } catch {
                throw .config(path: lottery.path, message: "cannot read the lottery config: \(error)")
            }
        }
        if let fallback { return WeightsSource(file: file, config: fallback) }
        throw .config(path: layout.config.path, message: "no config.json beside the weights; describe the model with --config FILE "
                      + "(e.g. `masklab train --model mlp --hidden 300,100 --print-config > model.json`)")
    }

    /// Why `file` cannot be a safetensors file, read from its first bytes (nil when it may be
    /// one): the format starts with an 8-byte little-endian header length and a JSON object.
    static func notSafetensors(_ file: URL) -> String? {
        guard let handle = try? FileHandle(forReadingFrom: file) else { return nil }   // unreadable: the reader says why
        defer { try? handle.close() }
        guard SafetensorsFile.mayStart([UInt8]((try? handle.read(upToCount: 9)) ?? Data())) else {
            return "not a safetensors file (it does not start with an 8-byte header length followed by a JSON header); "
                + "give a run folder, a MaskLab checkpoint or a state_dict saved with safetensors.torch.save_file"
        }
        return nil
    }

    /// Why a run folder has no `last.safetensors`, from its state (`WeightsProvenance.state`) and
    /// its `config.json`'s checkpoint settings.
    static func missingCheckpointReason(_ layout: RunLayout) -> String {
        let state = WeightsProvenance.state(of: layout.directory)
        if let t = (try? RunConfig.load(from: layout.config))?.training, t.checkpointEveryEpochs == 0 && t.checkpointEveryIterations == 0,
           state != .ended(status: RunStatus.nonFinite.rawValue) {
            return "no checkpoint in the run folder: the run was trained with checkpoints off (--checkpoint-every 0 in config.json); train it again with them on to evaluate it"
        }
        switch state {
        case .writing(let pid):
            return "no checkpoint in the run folder yet: it is being written" + (pid.map { " by process \($0)" } ?? "") + ", which checkpoints at the end of each epoch"
        case .ended(let status) where status == RunStatus.nonFinite.rawValue:
            return "no checkpoint in the run folder: the run diverged (summary.json: nonFinite) before its first checkpoint, and a diverged run is never checkpointed"
        case .ended(let status) where status == RunStatus.stopped.rawValue:
            return "no checkpoint in the run folder: the run was stopped before its first checkpoint (written after every --checkpoint-every epochs, default 1)"
        case .ended(let status):
            return "no checkpoint in the run folder: the run ended as \(status)"
        case .completed:
            return "no checkpoint in the run folder although the run completed: last.safetensors was removed (results folders in git keep no checkpoints; train again to get the weights)"
        case .unfinished:
            return "no checkpoint in the run folder yet: no summary.json either, so the run is still in its first epoch or was killed before its first checkpoint"
        case .notARun:
            // Another command's folder: say what to pass instead.
            let owner = FolderOwner.of(layout.directory)?.command
            if let owner, let pass = FolderOwner.passInstead(owner, path: layout.directory.path, oneOf: true) {
                return "no checkpoint and no config.json: this folder belongs to `masklab \(owner)`; " + pass
            }
            switch owner {
            case "prune"?: return "no checkpoint and no config.json: this folder holds a `masklab prune` mask, not weights; give the run it was "
                + "pruned from, or train the mask (`masklab lottery --levels 0 --transfer FOLDER/mask.safetensors`)"
            default: return "no checkpoint and no config.json: not a run folder"
            }
        }
    }

    /// Loads the weights into `network`: a MaskLab checkpoint with all its checks (its contents
    /// returned), or a plain state_dict checked name by name and shape by shape (nil returned).
    /// `url` may also be a run folder: its `last.safetensors` is read.
    public static func load(_ url: URL, into network: Network) throws(RunError) -> Checkpoint.Contents? {
        let url = try weightsFile(url)
        let file: SafetensorsFile
        do { file = try SafetensorsFile.read(from: url) } catch { throw .training(.checkpoint(.file(error))) }
        do {
            if StateDict.isCheckpoint(file) { return try Checkpoint.restore(file, path: url.path, into: network, optimizer: nil) }
            try StateDict.restore(file, path: url.path, into: network)
            return nil
        } catch {
            // A mask file (lottery levels, `prune`) has the weights' names but only 0s and 1s: say so.
            if !file.tensors.isEmpty, file.tensors.allSatisfy({ $0.dtype == .f32 && $0.floats.allSatisfy { $0 == 0 || $0 == 1 } }) {
                throw .config(path: url.path, message: "holds only 0s and 1s: a mask (mask.safetensors), not weights; give a checkpoint "
                              + "(a run folder's last.safetensors) or a state_dict of weights")
            }
            throw .training(.checkpoint(error))
        }
    }

    /// The safetensors file `url` names: itself, or a run folder's `last.safetensors`; throws
    /// for a missing path or a folder without a checkpoint, saying what is expected.
    static func weightsFile(_ url: URL) throws(RunError) -> URL {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw .config(path: url.path, message: "no such file; expected a safetensors file of weights (a MaskLab checkpoint or a PyTorch state_dict) or a run folder")
        }
        guard isDirectory.boolValue else { return url }
        let checkpoint = RunLayout(directory: url).checkpoint
        guard FileManager.default.fileExists(atPath: checkpoint.path) else {
            throw .config(path: url.path, message: "a folder without \(RunLayout.checkpointFile); expected a run folder with a checkpoint, "
                          + "a MaskLab checkpoint file or a PyTorch state_dict saved with safetensors")
        }
        return checkpoint
    }
}
