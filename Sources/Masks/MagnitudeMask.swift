import Layers
import Foundation
import Options

/// `magnitude`: a fixed mask keeping the largest |w| at run start, round(q·n) per tensor
/// (layerwise) or round(q·N) over all masked tensors (global). Ties go to the lower index.
public final class MagnitudeMask: MaskSampler {
    public let name = "magnitude"
    public let kind = MaskKind.fixed
    public let config: MaskConfig
    private var masks: MaskSet?

    public init(config: MaskConfig) { self.config = config }

    /// The mask itself (a resumed run must not recompute it from the trained weights).
    public func state() -> [HookState] { masks?.fixedState() ?? [] }

    public func start(_ context: MaskContext, masks: MaskSet, restored: [HookState]?) throws(MaskError) {
        self.masks = masks
        if let restored { return try masks.restoreFixed(restored) }
        masks.multipliers.tensor(.init(masks.count)).fill(0)
        switch config.magnitudeScope {
        case .layerwise:
            for i in masks.parameters.indices {
                let w = masks.parameters[i].value
                keepLargest(magnitudes: (0..<w.count).map { (abs(w[$0]), masks.offsets[i] + $0) },
                            count: masks.exactKeptCount(i), masks: masks)
            }
        case .global:
            var all: [(Float, Int)] = []
            all.reserveCapacity(masks.count)
            for i in masks.parameters.indices {
                let w = masks.parameters[i].value
                for j in 0..<w.count { all.append((abs(w[j]), masks.offsets[i] + j)) }
            }
            keepLargest(magnitudes: all, count: max(1, Int((masks.keepRate * Double(masks.count)).rounded())), masks: masks)
        }
        masks.countKept()
    }

    private func keepLargest(magnitudes: [(Float, Int)], count k: Int, masks: MaskSet) {
        let order = magnitudes.sorted { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 < $1.1 }
        for (_, flat) in order.prefix(k) { masks.multipliers.base[flat] = 1 }
    }

    public static let entry = MaskSamplerEntry(name: "magnitude", summary: "fixed mask keeping the largest |w| at the start (layerwise or global)") { c throws(MaskError) in
        MagnitudeMask(config: c)
    }
}

// MARK: - Options

extension MagnitudeMask {
    /// The magnitude mask's options, keys relative to "masks".
    public static var options: [ConfigOption<MaskConfig>] { [
        .value("magnitudeScope", \MaskConfig.magnitudeScope, flag: "magnitude-scope", .choice,
               help: "Magnitude ranking: layerwise or global (one threshold over all masked tensors)."),
    ] }
}
