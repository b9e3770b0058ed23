import Foundation
import TensorCore
import Layers
import Models
import Datasets

/// The theoretical cost of a pruned network, as ShrinkBench counts it: the compression ratio
/// over the prunable (masked) weights and the reduction of forward multiply-accumulates (MACs).
///
///     compression     = Σ_masked entries / Σ_masked kept
///     FLOP reduction  = dense MACs / (dense MACs − Σ_masked (entries − kept) · MACs per entry)
///
/// A linear weight costs 1 MAC per sample. A convolution weight costs OH·OW MACs per sample: the
/// layer does O·OH·OW·I·K·K (`Conv2d.forwardMACsPerSample`), every kernel tap at every output
/// position, padded positions included. Dense MACs are the whole network's
/// (`Network.forwardMACsPerSample`: every convolution and linear layer, pruned or not); biases,
/// BatchNorm, activations and pooling count 0. A pruned weight removes its MACs; nothing else
/// (e.g. a unit whose every weight is pruned) is counted as removed, so this is the cost of
/// unstructured sparse kernels that skip exactly the zero weights.
public struct PruningCost: Sendable, Equatable {
    /// One masked tensor of a pruned run: entries, kept entries, and kept entries on an
    /// input–output path (`MaskAnalytics`; nil when unknown).
    public struct KeptCount: Sendable, Equatable {
        public var name: String
        public var entries: Int
        public var kept: Int
        public var effectiveKept: Int?
        public init(name: String, entries: Int, kept: Int, effectiveKept: Int? = nil) {
            self.name = name
            self.entries = entries
            self.kept = kept
            self.effectiveKept = effectiveKept
        }
    }

    /// A convolution or linear weight: its entries and the forward MACs each costs per sample.
    public struct Weight: Sendable, Equatable {
        public var name: String
        public var entries: Int
        public var macsPerEntry: Int
    }

    /// Every convolution and linear weight, in forward order.
    public var weights: [Weight]
    /// Forward MACs per sample of the dense network.
    public var denseMACs: Int

    /// The cost table of `network` (prepared for some batch, so convolutions know their output
    /// size); nil when a layer with MACs is not a linear layer, a convolution or a residual block
    /// of them (the per-weight MACs would not add up to the network's).
    public init?(network: Network) {
        var found: [Weight] = []
        func walk(_ layer: Layer) {
            switch layer {
            case let s as Sequential: s.layers.forEach(walk)
            case let l as Linear: found.append(Weight(name: l.weight.name, entries: l.weight.shape.count, macsPerEntry: 1))
            case let c as Conv2d: found.append(Weight(name: c.weight.name, entries: c.weight.shape.count, macsPerEntry: c.forwardMACsPerSample / c.weight.shape.count))
            case let b as BasicBlock:
                walk(b.conv1)
                walk(b.conv2)
                if let (conv, _) = b.shortcut { walk(conv) }
            default: break
            }
        }
        walk(network.body)
        guard found.reduce(0, { $0 + $1.entries * $1.macsPerEntry }) == network.forwardMACsPerSample else { return nil }
        weights = found
        denseMACs = network.forwardMACsPerSample
    }

    /// The cost table of `config`'s model on its dataset's sample shape (no data is read).
    public init(config: RunConfig) throws(RunError) {
        let t = config.training
        let (shape, classes): (Shape, Int) = t.dataset == CIFAR10.name ? (CIFAR10.sampleShape, CIFAR10.classes) : (MNIST.sampleShape, MNIST.classes)
        let network: Network
        do { network = try ModelRegistry.make(t.model, sampleShape: shape, classes: classes, options: t.modelOptions) } catch { throw .model(error) }
        network.prepare(batch: 1)
        guard let cost = PruningCost(network: network) else {
            throw .config(path: "model", message: "\(t.model): cannot count the MACs of every weight (a layer other than linear, convolution or residual block does matrix products)")
        }
        self = cost
    }

    /// Kept entries per masked tensor → (compression, FLOP reduction). `kept` names the masked
    /// tensors (a mask's `mask_analytics.csv` rows); an empty table is the dense network (1, 1).
    public func reduction(kept: [KeptCount]) throws(RunError) -> (compression: Double, flops: Double) {
        guard !kept.isEmpty else { return (1, 1) }
        var entries = 0, remaining = 0, removedMACs = 0
        for k in kept {
            guard let w = weights.first(where: { $0.name == k.name }), w.entries == k.entries else {
                throw .config(path: k.name, message: "the mask's tensor \(k.name) (\(k.entries) entries) is not a weight of the model: \(weights.map { "\($0.name) (\($0.entries))" }.joined(separator: ", "))")
            }
            entries += k.entries
            remaining += k.kept
            removedMACs += (k.entries - k.kept) * w.macsPerEntry
        }
        let compression = remaining > 0 ? Double(entries) / Double(remaining) : .infinity
        let left = denseMACs - removedMACs
        return (compression, left > 0 ? Double(denseMACs) / Double(left) : .infinity)
    }

    /// The rows of a `mask_analytics.csv` other than the total: tensor, entries, kept, and the
    /// kept entries on an input–output path (nil when the file has no topology column).
    public static func readMaskAnalytics(_ url: URL) -> [KeptCount]? {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        var rows: [KeptCount] = []
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            guard f.count >= 3, f[0] != "all", let e = Int(f[1]), let k = Int(f[2]) else { continue }
            rows.append(KeptCount(name: String(f[0]), entries: e, kept: k, effectiveKept: f.count > 4 ? Int(f[4]) : nil))
        }
        return rows
    }
}
