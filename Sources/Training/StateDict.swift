import Foundation
import Layers

/// Network weights from a plain PyTorch `state_dict` in safetensors format, e.g. written by
/// `safetensors.torch.save_file(model.state_dict(), "model.safetensors")`: no MaskLab metadata
/// is needed, and a MaskLab checkpoint loads too (its optimiser state, hook tensors and
/// metadata are ignored).
///
/// Every parameter and float buffer of the network must be present as F32 with the network's
/// shape (PyTorch's layout: `fc1.weight` `[out, in]`, conv weights OIHW), every counter
/// (`bn1.num_batches_tracked`) as an I64 scalar; any other name is an error. Names are
/// checked in `state_dict` order and the first mismatch is named, with what the model expects.
public enum StateDict {
    /// Names the loader skips: MaskLab's optimiser state and training-hook tensors.
    static let ignoredPrefixes = ["optimizer.", Checkpoint.hookPrefix]

    /// Loads the weights of the file at `url` into `network` (nothing is written unless every
    /// tensor matches).
    public static func load(from url: URL, into network: Network) throws(CheckpointError) {
        let file: SafetensorsFile
        do { file = try SafetensorsFile.read(from: url) } catch { throw .file(error) }
        try restore(file, path: url.path, into: network)
    }

    /// `load` for a file already in memory; `path` names it in errors.
    public static func restore(_ file: SafetensorsFile, path: String, into network: Network) throws(CheckpointError) {
        let store = network.store
        var present: [String: SafetensorsTensor] = [:]
        for t in file.tensors where !ignoredPrefixes.contains(where: { t.name.hasPrefix($0) }) { present[t.name] = t }
        // The network's names in PyTorch's state_dict order: the first one that does not fit is reported.
        var byName: [String: (dtype: SafetensorsDType, shape: [Int])] = [:]
        for p in store.parameters { byName[p.name] = (.f32, p.shape.dims) }
        for b in store.buffers { byName[b.name] = (.f32, b.shape.dims) }
        for c in store.counters { byName[c.name] = (.i64, []) }
        let expected = store.stateDictOrder.compactMap { n in byName[n].map { (name: n, dtype: $0.dtype, shape: $0.shape) } }
        let names = Set(byName.keys)
        for e in expected {
            guard let t = present[e.name] else {
                let extra = present.keys.filter { !names.contains($0) }.sorted()
                // nn.DataParallel saves every name under "module.": say how to load it.
                let wrapped = present["module." + e.name] != nil
                throw .stateDict(path: path, model: network.name, problem: "tensor '\(e.name)' (\(e.dtype.rawValue) \(e.shape)) is missing"
                                 + (extra.isEmpty ? "" : "; the file has names the model lacks, e.g. '\(extra[0])' (\(extra.count) in all)")
                                 + (wrapped ? "; its names carry nn.DataParallel's 'module.' prefix: save model.module.state_dict() instead" : ""))
            }
            guard t.dtype == e.dtype, t.shape == e.shape else {
                throw .stateDict(path: path, model: network.name,
                                 problem: "tensor '\(e.name)': the model expects \(e.dtype.rawValue) \(e.shape), the file has \(t.dtype.rawValue) \(t.shape)"
                                 + (t.shape == e.shape && e.dtype == .f32 && t.dtype != .f32 ? " (convert with model.float() before saving)" : ""))
            }
        }
        if let extra = file.tensors.map(\.name).first(where: { !names.contains($0) && !ignoredPrefixes.contains(where: $0.hasPrefix) }) {
            throw .stateDict(path: path, model: network.name, problem: "tensor '\(extra)' is not a parameter or buffer of the model")
        }
        for p in store.parameters { present[p.name]!.copyFloats(to: p.value.pointer) }
        for b in store.buffers { present[b.name]!.copyFloats(to: b.value.pointer) }
        for c in store.counters { c.value = present[c.name]!.int64s[0] }
    }

    /// Whether `file` is a MaskLab checkpoint (has the `format` metadata) rather than a plain state_dict.
    public static func isCheckpoint(_ file: SafetensorsFile) -> Bool { file.metadata["format"] == Checkpoint.format }
}
