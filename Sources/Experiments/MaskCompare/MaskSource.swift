import Foundation
import TensorCore
import Layers
import Models
import Datasets
import Masks
import Training

/// One mask as `masklab masks compare` reads it, from any place MaskLab writes masks:
///
/// - a `masklab lottery` level folder (or branch folder): its `mask.safetensors`;
/// - a mask file: F32 tensors of 0s and 1s under the weights' PyTorch names (what lottery
///   levels write, `--transfer` reads, and `safetensors.torch.save_file` can produce);
/// - the folder of a run trained with a fixed pruning mask (`--mask prune|magnitude|random`), or its
///   `last.safetensors`: the mask saved in the checkpoint (`hook.masks.state.mask`, one flat
///   array over the masked tensors), split by the run's `config.json`.
///
/// The model — needed for effective density and for splitting a checkpoint's mask — is the one
/// the `config.json` beside the mask describes, else the `model.json` a `masklab prune` folder
/// holds, else the `--config` file, else unknown.
public struct MaskSource: Sendable {
    /// The path as given.
    public var path: String
    /// The file the mask came from.
    public var file: URL
    public var masks: [BinaryMask]
    /// The topology of the model the mask was made for; nil when no config describes it.
    public var topology: MaskTopology?
    /// The model's name (e.g. "mlp(hidden: 16)"), when known.
    public var model: String?

    /// The checkpoint entry of a fixed mask (`MaskingHook`'s sampler state "mask").
    public static let checkpointEntry = MaskingHook.prefix + "state.mask"

    /// Reads the mask at `path`; `fallbackConfig` describes the model when no `config.json` lies beside it.
    public static func load(_ path: String, fallbackConfig: URL? = nil) throws(MaskCompareError) -> MaskSource {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .source(path: path, message: "no such mask file or folder (a mask is a lottery level folder, a mask .safetensors file, or the folder or checkpoint of a run trained with a fixed pruning mask: --mask prune, magnitude or random)")
        }
        let folder: URL, file: URL
        if isDirectory.boolValue {
            folder = URL(fileURLWithPath: path, isDirectory: true)
            let candidates = [LotteryLayout.mask(folder), RunLayout(directory: folder).checkpoint]
            guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
                throw .source(path: path, message: "the folder holds neither mask.safetensors (a masklab lottery level) nor last.safetensors (a run trained with a fixed mask)")
            }
            file = found
        } else {
            file = URL(fileURLWithPath: path)
            folder = file.deletingLastPathComponent()
        }
        // A prune folder's model.json counts only beside its prune.json (a file of that name elsewhere is not ours).
        let pruned = FileManager.default.fileExists(atPath: folder.appendingPathComponent(OneShotPrune.recordFile).path)
        let beside = [RunLayout(directory: folder).config] + (pruned ? [folder.appendingPathComponent(OneShotPrune.modelFile)] : [])
        let configURL = beside.first { FileManager.default.fileExists(atPath: $0.path) } ?? fallbackConfig
        var config: RunConfig?
        if let configURL {
            do { config = try RunConfig.load(from: configURL) } catch { throw .source(path: configURL.path, message: "cannot describe the model: \(error)") }
        }
        let network = try config.map { c throws(MaskCompareError) in try makeNetwork(c, path: configURL?.path ?? path) }
        let contents: SafetensorsFile
        do { contents = try SafetensorsFile.read(from: file) } catch { throw .source(path: file.path, message: "cannot read the mask: \(error)") }
        let masks: [BinaryMask]
        if let state = contents[checkpointEntry] {
            guard let network else {
                throw .source(path: file.path, message: "a checkpoint's mask is split by the run's config.json; none lies beside it (give --config FILE)")
            }
            masks = try split(state, over: (config?.masks?.scope ?? MaskScope()).select(from: network.store), path: file.path)
        } else if StateDict.isCheckpoint(contents) {
            throw .source(path: file.path, message: "a checkpoint without a fixed mask (its run was trained without a fixed pruning mask: --mask prune, magnitude or random)")
        } else {
            masks = try decode(contents, path: file.path)
        }
        return MaskSource(path: path, file: file, masks: masks, topology: network.flatMap(MaskTopology.init(network:)), model: network?.name)
    }

    /// The network `config` describes, for its dataset's sample shape (no data is read).
    static func makeNetwork(_ config: RunConfig, path: String) throws(MaskCompareError) -> Network {
        do { return try TrainingRun.network(config) } catch { throw .source(path: path, message: error.description) }
    }

    /// A mask file: every tensor F32 and 0 or 1.
    static func decode(_ file: SafetensorsFile, path: String) throws(MaskCompareError) -> [BinaryMask] {
        guard !file.tensors.isEmpty else { throw .source(path: path, message: "the file holds no tensor") }
        var out: [BinaryMask] = []
        for t in file.tensors {
            guard t.dtype == .f32 else { throw .source(path: path, message: "tensor \(t.name) is \(t.dtype.rawValue); a mask holds F32 0s and 1s") }
            let values = t.floats
            if let bad = values.firstIndex(where: { $0 != 0 && $0 != 1 }) {
                throw .source(path: path, message: "tensor \(t.name) holds \(values[bad]) at entry \(bad); a mask holds only 0 and 1")
            }
            out.append(BinaryMask(name: t.name, shape: t.shape, multipliers: values))
        }
        return out
    }

    /// A checkpoint's flat mask cut into the masked parameters' slices.
    static func split(_ state: SafetensorsTensor, over parameters: [Parameter], path: String) throws(MaskCompareError) -> [BinaryMask] {
        let values = state.floats
        let expected = parameters.reduce(0) { $0 + $1.shape.count }
        guard state.dtype == .f32, values.count == expected else {
            throw .source(path: path, message: "\(checkpointEntry) holds \(values.count) \(state.dtype.rawValue) entries; the masked weights of the config's model have \(expected) (is config.json this run's?)")
        }
        var offset = 0
        return parameters.map { p in
            defer { offset += p.shape.count }
            return BinaryMask(name: p.name, shape: p.shape.dims, multipliers: values[offset..<(offset + p.shape.count)])
        }
    }
}
