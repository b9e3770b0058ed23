import Foundation
import TensorCore
import Stats
import Layers
import Models
import Masks

/// The workloads `masklab bench --structured` and `--pruned` add beside a dense one, so that a
/// pruned model's speed is measured against its dense original in the same run:
///
///     <base>/pruned-<r>   the base workload with the share r of every channel group removed
///                         (l1-filter on the seeded initial weights; the widths depend on r only)
///     <base>/masked-<r>   the dense base with an unstructured magnitude mask keeping, in each
///                         grouped tensor, as many weights as its pruned twin keeps (same
///                         sparsity, dense kernels: no speed-up expected)
///     DIR#dense, DIR#pruned, DIR#masked   the same three for a `masklab prune --structured`
///                         folder (its structured.json and config.json), at the run's batch size
public enum StructuredWorkloads {
    /// The pruned and masked variants of `base` at `ratio`.
    public static func variants(of base: Benchmark.Workload, ratio: Double) throws -> (pruned: Benchmark.Workload, masked: Benchmark.Workload) {
        let dense = try ModelRegistry.make(base.model, sampleShape: base.sampleShape, classes: base.classes, options: base.options)
        dense.store.initialise(streams: RandomStreams(seed: 0))
        let groups = ChannelGroup.groups(of: dense)
        let selection = try StructuredSelection.select(groups, criterion: L1FilterCriterion(), ratio: ratio)
        let tag = String(format: "%g", ratio)
        var masked = base.renamed("\(base.name)/masked-\(tag)")
        masked.maskedCounts = keptCounts(groups, kept: selection.channels.map(\.count))
        let pruned = Benchmark.Workload(name: "\(base.name)/pruned-\(tag)", model: base.model,
                                        options: StructuredPruning.prunedOptions(base.options, groups: groups, selection: selection),
                                        sampleShape: base.sampleShape, batch: base.batch, classes: base.classes)
        return (pruned, masked)
    }

    /// Dense, pruned and masked workloads of a structured-pruning folder.
    public static func folder(_ path: String) throws -> [Benchmark.Workload] {
        let dir = URL(fileURLWithPath: path, isDirectory: true)
        let config = try RunConfig.load(from: dir.appendingPathComponent(RunLayout.configFile))
        let reportURL = dir.appendingPathComponent(StructuredPrune.reportFile)
        guard let data = FileManager.default.contents(atPath: reportURL.path) else {
            throw RunError.config(path: reportURL.path, message: "no structured.json: not a folder written by `masklab prune --structured`")
        }
        let report = try JSONDecoder().decode(StructuredPruneReport.self, from: data)
        let (shape, classes) = try StructuredPrune.sampleShape(dataset: config.training.dataset)
        let batch = config.training.batchSize, model = config.training.model
        let dense = Benchmark.Workload(name: path + "#dense", model: model, options: report.denseOptions, sampleShape: shape, batch: batch, classes: classes)
        let pruned = Benchmark.Workload(name: path + "#pruned", model: model, options: report.prunedOptions, sampleShape: shape, batch: batch, classes: classes)
        let network = try ModelRegistry.make(model, sampleShape: shape, classes: classes, options: report.denseOptions)
        var masked = dense.renamed(path + "#masked")
        masked.maskedCounts = keptCounts(ChannelGroup.groups(of: network), kept: report.groups.map(\.kept.count))
        return [dense, pruned, masked]
    }

    /// The workload of a variant name (see the type's comment), nil for other names.
    static func variant(named name: String) throws -> Benchmark.Workload? {
        if let hash = name.lastIndex(of: "#") {
            return try folder(String(name[..<hash])).first { $0.name == name }
        }
        let parts = name.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2, let base = Benchmark.workloads.first(where: { $0.name == parts[0] }) else { return nil }
        for kind in ["pruned-", "masked-"] where parts[1].hasPrefix(kind) {
            guard let ratio = Double(parts[1].dropFirst(kind.count)) else { return nil }
            let v = try variants(of: base, ratio: ratio)
            return kind == "pruned-" ? v.pruned : v.masked
        }
        return nil
    }

    /// Per grouped tensor the weights a pruned model keeps: a producer keeps K of C rows, a
    /// consumer K of C input channels.
    static func keptCounts(_ groups: [ChannelGroup], kept: [Int]) -> [String: Int] {
        var counts: [String: Int] = [:]
        for (g, k) in zip(groups, kept) {
            for t in [g.producer, g.consumer] {
                let before = counts[t.name] ?? t.shape.count
                counts[t.name] = before / g.width * k   // a tensor in two groups (a conv chain) is narrowed twice
            }
        }
        return counts
    }

    /// Magnitude masks for `counts` on `network`'s current weights: each named tensor keeps its
    /// `count` largest |w| (ties: lower index), as 0/1 storage allocated here, before any timing.
    static func magnitudeMasks(_ network: Network, counts: [String: Int]) throws -> [(Parameter, TensorStorage)] {
        try counts.keys.sorted().map { name in
            guard let p = network.store.parameter(named: name), let keep = counts[name] else {
                throw RunError.config(path: "bench", message: "no tensor \(name) to mask")
            }
            let w = p.value.toArray()
            let order = w.indices.sorted { (abs(w[$0]), -$0) > (abs(w[$1]), -$1) }
            let m = TensorStorage(count: w.count)
            for i in 0..<w.count { m.base[i] = 0 }
            for i in order.prefix(keep) { m.base[i] = 1 }
            return (p, m)
        }
    }

    /// `t ⊙= m` for every masked tensor's values or gradients (no allocation).
    static func apply(_ masks: [(Parameter, TensorStorage)], to part: KeyPath<Parameter, Tensor>) {
        for (p, m) in masks {
            let t = p[keyPath: part], x = t.pointer, y = m.base
            for i in 0..<t.count { x[i] *= y[i] }
        }
    }
}

extension Benchmark.Workload {
    /// The same workload under another name.
    func renamed(_ name: String) -> Benchmark.Workload {
        var w = Benchmark.Workload(name: name, model: model, options: options, sampleShape: sampleShape, batch: batch, classes: classes)
        w.maskedCounts = maskedCounts
        return w
    }
}
