import Foundation
import Layers
import Masks
import Training

/// A pruning mask over a model's masked weights: for each tensor its PyTorch name, shape and one
/// 0/1 multiplier per entry (row-major, the parameter's layout). Saved as a safetensors file of
/// F32 tensors under the weights' own names (`fc1.weight`, `layer1.0.conv1.weight`, …), which
/// PyTorch reads with `safetensors.torch.load_file` and applies as `w * mask[name]`.
public struct LotteryMask: Sendable, Equatable {
    public struct MaskedTensor: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        /// 0 (pruned) or 1 (kept), one per entry.
        public var values: [Float]

        public init(name: String, shape: [Int], values: [Float]) {
            self.name = name
            self.shape = shape
            self.values = values
        }

        public var count: Int { values.count }
        public var kept: Int { values.reduce(0) { $0 + ($1 != 0 ? 1 : 0) } }
    }

    /// The masked tensors in declaration order (the last is the output layer).
    public var tensors: [MaskedTensor]

    public init(tensors: [MaskedTensor]) { self.tensors = tensors }

    /// The all-ones mask over `parameters` (level 0: nothing pruned).
    public static func dense(_ parameters: [Parameter]) -> LotteryMask {
        LotteryMask(tensors: parameters.map { MaskedTensor(name: $0.name, shape: $0.shape.dims, values: [Float](repeating: 1, count: $0.shape.count)) })
    }

    public var entries: Int { tensors.reduce(0) { $0 + $1.count } }
    public var kept: Int { tensors.reduce(0) { $0 + $1.kept } }
    /// Share of masked weights kept, in [0, 1].
    public var density: Double { Double(kept) / Double(max(entries, 1)) }

    /// `values` by name, as `GivenMask` takes them.
    public var byName: [String: [Float]] { Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0.values) }) }

    // MARK: - Files

    /// Writes the mask as safetensors (F32 0/1 tensors, metadata `format` = "masklab-mask").
    public func write(to url: URL, metadata: [String: String] = [:]) throws(RunError) {
        var meta = metadata
        meta["format"] = "masklab-mask"
        let file = SafetensorsFile(tensors: tensors.map { SafetensorsTensor(name: $0.name, shape: $0.shape, floats: $0.values) }, metadata: meta)
        do { try file.write(to: url) } catch { throw .output(path: url.path, message: "cannot write the mask: \(error)") }
    }

    /// Reads a mask file: every tensor must be F32 with only 0s and 1s.
    public static func read(from url: URL) throws(RunError) -> LotteryMask {
        let file: SafetensorsFile
        do { file = try SafetensorsFile.read(from: url) } catch { throw .config(path: url.path, message: "cannot read the mask: \(error)") }
        var out: [MaskedTensor] = []
        for t in file.tensors {
            guard t.dtype == .f32 else { throw .config(path: url.path, message: "mask tensor \(t.name) is \(t.dtype.rawValue), expected F32 0/1") }
            let v = t.floats
            if let bad = v.firstIndex(where: { $0 != 0 && $0 != 1 }) {
                throw .config(path: url.path, message: "mask tensor \(t.name) holds \(v[bad]) at entry \(bad); a mask holds only 0 and 1")
            }
            out.append(MaskedTensor(name: t.name, shape: t.shape, values: v))
        }
        return LotteryMask(tensors: out)
    }

    /// Checks that the mask covers exactly `parameters` (names and shapes) and returns it in
    /// their order; otherwise an error listing every missing, unexpected and mis-shaped tensor.
    public func aligned(to parameters: [Parameter], model: String, source: String) throws(RunError) -> LotteryMask {
        let mine = Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0) })
        var problems: [String] = []
        var out: [MaskedTensor] = []
        for p in parameters {
            guard let t = mine[p.name] else { problems.append("missing \(p.name) \(p.shape.dims)"); continue }
            if t.shape != p.shape.dims { problems.append("\(p.name): mask \(t.shape), model \(p.shape.dims)") } else { out.append(t) }
        }
        let names = Set(parameters.map(\.name))
        for t in tensors where !names.contains(t.name) { problems.append("unexpected \(t.name) \(t.shape)") }
        guard problems.isEmpty else {
            throw .config(path: source, message: "the mask does not fit \(model): \(problems.joined(separator: "; ")) (hint: a transferred mask needs the same model and input shape, e.g. an MLP mask from MNIST fits only 28×28×1 inputs)")
        }
        return LotteryMask(tensors: out)
    }

    // MARK: - Report

    /// Per-layer sparsity as CSV: `tensor,entries,kept,pruned,density` plus a row `all`.
    public func sparsityCSV() -> String {
        var s = "tensor,entries,kept,pruned,density\n"
        for t in tensors {
            s += "\(t.name),\(t.count),\(t.kept),\(t.count - t.kept),\(String(format: "%.6f", Double(t.kept) / Double(max(t.count, 1))))\n"
        }
        s += "all,\(entries),\(kept),\(entries - kept),\(String(format: "%.6f", density))\n"
        return s
    }
}
