import Foundation
import Layers

/// Per-tensor and overall density of a pruning mask, and its *effective* density after
/// Vysogorets & Kempe 2023 ("Connectivity matters: neural network pruning through the lens of
/// effective sparsity"): a kept weight counts as effective only if it lies on a path of kept
/// weights from the input to the output, i.e. its source unit is reached from the input and
/// its target unit leads to the output (`MaskTopology` says what a unit is: a neuron, a
/// channel; how convolutions, flattening, residual shortcuts and biases are treated).
///
///     density            = kept / entries
///     effective density  = effective kept / entries      (≤ density)
///
/// Weights of the model that the mask does not cover (e.g. a first layer left dense) are fully
/// kept for connectivity but get no row. Without a topology only the direct densities exist.
public struct MaskAnalytics: Sendable, Equatable {
    /// One mask tensor.
    public struct Row: Sendable, Equatable {
        public var name: String
        public var entries: Int
        public var kept: Int
        /// Kept entries on an input–output path; nil without a topology.
        public var effectiveKept: Int?

        public var density: Double { Double(kept) / Double(max(entries, 1)) }
        public var effectiveDensity: Double? { effectiveKept.map { Double($0) / Double(max(entries, 1)) } }
    }

    /// The mask's tensors, in its order.
    public var rows: [Row]
    /// The whole mask (name `all`).
    public var total: Row

    /// The file written beside a mask (`masklab lottery` levels, fixed-mask runs).
    public static let fileName = "mask_analytics.csv"

    /// Analyses `masks`; with a `topology`, every mask tensor must be one of its weights with the
    /// same shape (else the first that is not is named).
    public init(_ masks: [BinaryMask], topology: MaskTopology?) throws(MaskAnalyticsError) {
        var effective: [String: Int] = [:]
        if let topology {
            let weights = Dictionary(topology.weights.map { ($0.name, $0.shape) }, uniquingKeysWith: { a, _ in a })
            for m in masks where weights[m.name] != m.shape {
                throw .doesNotFitModel(tensor: m.name, mask: m.shape, model: weights[m.name])
            }
            let kept = Dictionary(masks.map { ($0.name, $0.kept) }, uniquingKeysWith: { a, _ in a })
            let liveness = topology.liveness(kept: kept)
            for c in topology.connections {
                guard let name = c.name, let mask = kept[name] else { continue }
                effective[name] = topology.effectiveEntries(c, mask: mask, liveness: liveness).reduce(0) { $0 + ($1 ? 1 : 0) }
            }
        }
        rows = masks.map { Row(name: $0.name, entries: $0.entries, kept: $0.keptCount, effectiveKept: effective[$0.name]) }
        total = Row(name: "all", entries: rows.reduce(0) { $0 + $1.entries }, kept: rows.reduce(0) { $0 + $1.kept },
                    effectiveKept: topology == nil ? nil : rows.reduce(0) { $0 + ($1.effectiveKept ?? 0) })
    }

    /// The analytics of `masks` on `network` (its topology from `MaskTopology(network:)`).
    public init(_ masks: [BinaryMask], network: Network) throws(MaskAnalyticsError) {
        try self.init(masks, topology: MaskTopology(network: network))
    }

    /// `tensor,entries,kept,density,effective_kept,effective_density`, one row per tensor and a
    /// row `all`; the effective columns are empty without a topology.
    public func csv() -> String {
        func line(_ r: Row) -> String {
            let effective = r.effectiveKept.map { "\($0),\(String(format: "%.6f", r.effectiveDensity ?? 0))" } ?? ","
            return "\(r.name),\(r.entries),\(r.kept),\(String(format: "%.6f", r.density)),\(effective)\n"
        }
        return "tensor,entries,kept,density,effective_kept,effective_density\n" + (rows + [total]).map(line).joined()
    }

    /// Writes `csv()` as `fileName` into `directory`.
    public func write(into directory: URL) throws {
        try csv().write(to: directory.appendingPathComponent(Self.fileName), atomically: true, encoding: .utf8)
    }
}
