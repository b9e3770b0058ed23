import Layers

/// `given`: a fixed 0/1 mask supplied by the caller, per masked parameter name (a lottery
/// level's mask, or one read from a mask file). Deterministic masks enter training through the
/// same path as every other sampler: the masking hook multiplies the weights by it after every
/// optimiser step, so pruned weights stay exactly zero through momentum and weight decay.
///
/// `values[name]` holds one multiplier per entry of that parameter (row-major, PyTorch layout),
/// each 0 or 1. Every masked parameter must have an entry of the right size; a missing or
/// mis-sized one is a `MaskError` naming it.
public final class GivenMask: FixedMask {
    public let name = "given"
    public let config: MaskConfig
    /// Multipliers per parameter name, set before the run starts.
    public var values: [String: [Float]] = [:]

    public init(config: MaskConfig, values: [String: [Float]] = [:]) {
        self.config = config
        self.values = values
    }

    public func initialMask(_ run: MaskRun) throws(MaskError) {
        let masks = run.masks
        for i in masks.parameters.indices {
            let p = masks.parameters[i]
            guard let v = values[p.name] else {
                throw .invalidOption("given mask: no entry for \(p.name) (the mask has \(values.keys.sorted().joined(separator: ", ")))")
            }
            guard v.count == p.shape.count else {
                throw .invalidOption("given mask: \(p.name) has \(v.count) entries, the parameter \(p.shape) has \(p.shape.count)")
            }
            masks.multipliers(i).copy(from: v)
        }
    }

    /// Listed so that its name is known; a config alone cannot carry the mask values, so making it
    /// from a config fails with a pointer to the commands that supply them.
    public static let entry = MaskSamplerEntry(name: "given", summary: "fixed 0/1 mask supplied by the caller (masklab lottery levels and --transfer)",
                                               reads: MaskSamplerEntry.fixedReads) { _ throws(MaskError) in
        throw .invalidOption("the given mask's values come from `masklab lottery` (its levels, or --transfer MASK.safetensors); a config cannot name them")
    }
}
