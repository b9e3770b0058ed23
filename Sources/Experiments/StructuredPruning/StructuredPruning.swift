import TensorCore
import Layers
import Models
import Masks

/// Physical removal of channels: from a network and a `StructuredSelection` of its
/// `ChannelGroup`s, the options of the smaller dense model and that model with the kept slices
/// of every tensor.
///
/// For each group with kept channels K (ascending):
///
///     producer.weight [C, …]        → rows K                 producer.bias [C] → K
///     norm γ, β, mean, var [C]      → K                      (num_batches_tracked copied)
///     consumer.weight [R, C·inner]  → [R, |K|·inner], the column blocks of K
///
/// Every other tensor is copied whole. Removing channel c drops its activation; in the dense
/// network that channel still feeds the consumer the constant relu(β − γ·μ/σ) (or relu(bias)).
/// With zero padding a 3×3 convolution cannot absorb a constant input exactly at the borders, so
/// that constant is not folded into the next layer: the pruned model equals the dense model with
/// the removed channels zeroed (`zeroRemoved`: filter, bias, γ and β set to 0, so the channel
/// outputs exactly 0), and fine-tuning recovers the rest.
public enum StructuredPruning {
    /// `options` with the group widths replaced by the kept counts: convolution groups in order
    /// become `channels`, linear groups `hidden`.
    public static func prunedOptions(_ options: ModelOptions, groups: [ChannelGroup], selection: StructuredSelection) -> ModelOptions {
        precondition(groups.count == selection.channels.count, "structured pruning: \(groups.count) groups, \(selection.channels.count) selections")
        var o = options
        let conv = groups.indices.filter { groups[$0].kind == .convolution }.map { selection.channels[$0].count }
        let linear = groups.indices.filter { groups[$0].kind == .linear }.map { selection.channels[$0].count }
        if !conv.isEmpty { o.channels = conv }
        if !linear.isEmpty { o.hidden = linear }
        return o
    }

    /// Builds `model` with the pruned options and copies the kept slices of `dense`'s tensors
    /// into it. Fails when the model cannot express the widths (e.g. lenet5 and alexnet have no
    /// per-layer channel counts), naming the first group whose width did not come out.
    public static func prune(_ dense: Network, model: String, options: ModelOptions, selection: StructuredSelection) throws(StructuredPruningError) -> (network: Network, options: ModelOptions) {
        let groups = ChannelGroup.groups(of: dense)
        guard groups.map(\.name) == selection.names, groups.map(\.width) == selection.widths else {
            throw .selectionMismatch(model: dense.name, expected: groups.map(\.name), got: selection.names)
        }
        // Widths a model has no option for are left out (lenet5's fc layers, alexnet's): the
        // check below then names the first group whose width did not come out.
        let pruned = ModelRegistry.applicable(prunedOptions(options, groups: groups, selection: selection), to: model)
        let network: Network
        do { network = try ModelRegistry.make(model, sampleShape: dense.sampleShape, classes: dense.classes, options: pruned) } catch {
            throw .unsupportedModel(model: model, message: error.description)
        }
        let built = ChannelGroup.groups(of: network)
        for (i, g) in groups.enumerated() {
            let want = selection.channels[i].count
            guard i < built.count, built[i].name == g.name, built[i].width == want else {
                throw .unsupportedModel(model: model, message: "cannot narrow \(g.name) to \(want) channels (its options have no width for it)")
            }
        }
        // Per tensor name: the kept rows (dim 0) and the kept input channels (dim 1 blocks of `inner`).
        var rows: [String: [Int]] = [:], columns: [String: (kept: [Int], channels: Int, inner: Int)] = [:]
        for (i, g) in groups.enumerated() {
            let k = selection.channels[i]
            rows[g.producer.name] = k
            if let b = g.producerBias { rows[b.name] = k }
            if let n = g.norm { for name in [n.scale.name, n.shift.name, n.runningMean.name, n.runningVar.name] { rows[name] = k } }
            columns[g.consumer.name] = (k, g.width, g.inner)
        }
        func slice(_ values: [Float], shape: [Int], name: String) -> [Float] {
            var v = values, dims = shape
            if let c = columns[name] {
                let r = dims[0], block = c.inner, rowSize = c.channels * block
                var out: [Float] = []
                out.reserveCapacity(r * c.kept.count * block)
                for i in 0..<r { for ch in c.kept { out += v[(i * rowSize + ch * block)..<(i * rowSize + (ch + 1) * block)] } }
                v = out
                dims[1] = dims.count > 2 ? c.kept.count : c.kept.count * block
            }
            if let k = rows[name] {
                let rowSize = v.count / dims[0]
                var out: [Float] = []
                out.reserveCapacity(k.count * rowSize)
                for ch in k { out += v[(ch * rowSize)..<((ch + 1) * rowSize)] }
                v = out
                dims[0] = k.count
            }
            return v
        }
        let old = dense.store
        for p in network.store.parameters {
            guard let source = old.parameter(named: p.name) else { throw .unsupportedModel(model: model, message: "the pruned model has \(p.name), the dense one does not") }
            let v = slice(source.value.toArray(), shape: source.shape.dims, name: p.name)
            guard v.count == p.shape.count else { throw .unsupportedModel(model: model, message: "\(p.name): \(v.count) values kept for shape \(p.shape.dims)") }
            p.value.copy(from: v)
        }
        for b in network.store.buffers {
            guard let source = old.buffers.first(where: { $0.name == b.name }) else { throw .unsupportedModel(model: model, message: "the pruned model has \(b.name), the dense one does not") }
            let v = slice(source.value.toArray(), shape: source.shape.dims, name: b.name)
            guard v.count == b.shape.count else { throw .unsupportedModel(model: model, message: "\(b.name): \(v.count) values kept for shape \(b.shape.dims)") }
            b.value.copy(from: v)
        }
        for c in network.store.counters { c.value = old.counters.first { $0.name == c.name }?.value ?? 0 }
        return (network, pruned)
    }

    /// The masked dense equivalent of a selection: sets the removed channels' filters, biases and
    /// BatchNorm γ, β of `network` to 0, so each removed channel outputs exactly 0 in every mode.
    public static func zeroRemoved(_ network: Network, selection: StructuredSelection) {
        let groups = ChannelGroup.groups(of: network)
        precondition(groups.map(\.name) == selection.names, "zeroRemoved: groups \(groups.map(\.name)) vs \(selection.names)")
        for (i, g) in groups.enumerated() {
            let kept = Set(selection.channels[i])
            let row = g.producer.shape.count / g.width
            for ch in 0..<g.width where !kept.contains(ch) {
                for j in 0..<row { g.producer.value[ch * row + j] = 0 }
                g.producerBias?.value[ch] = 0
                g.norm?.scale.value[ch] = 0
                g.norm?.shift.value[ch] = 0
            }
        }
    }
}

/// Errors from physically removing channels.
public enum StructuredPruningError: Error, Equatable, CustomStringConvertible {
    /// The model cannot be rebuilt with the pruned widths.
    case unsupportedModel(model: String, message: String)
    /// The selection was made for other groups.
    case selectionMismatch(model: String, expected: [String], got: [String])

    public var description: String {
        switch self {
        case let .unsupportedModel(model, message):
            return "structured pruning of \(model): \(message)"
        case let .selectionMismatch(model, expected, got):
            return "structured pruning of \(model): the selection names groups \(got.joined(separator: ", ")), the model has \(expected.joined(separator: ", "))"
        }
    }
}
