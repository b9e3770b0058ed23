import Importance

/// Whether a magnitude mask ranks weights within each tensor or across all masked tensors.
public enum MagnitudeScope: String, Codable, Sendable, CaseIterable {
    /// Each tensor keeps its own largest round(q·n) |w|.
    case layerwise
    /// One threshold over all masked tensors: the largest round(q·N) |w| overall are kept.
    case global
}

/// Everything that defines the masks of a run: the JSON object under the run config's "masks"
/// key, e.g. `{"name": "importance", "keep": 0.2, "importance": {"lambda": 1}}`. Missing keys
/// take the defaults below; unknown keys are an error.
public struct MaskConfig: Codable, Sendable, Equatable {
    /// Sampler name (see `MaskRegistry`): none, dropconnect, importance, magnitude, random.
    public var name: String = "none"
    /// Keep rate q: the expected share of masked entries kept (dropping arms), or the share
    /// a fixed mask keeps. Default 0.5.
    public var keep: Double = 0.5
    public var target: MaskTarget = .weights
    public var scaling: MaskScaling = .inverted
    /// Excluded from the default scope (all conv and linear weights).
    public var exclude: [MaskExclusion] = []
    public var evalMask: EvalMask = .none
    public var sampling: MaskSampling = .bernoulli
    /// Lower clip p_min of importance keep probabilities (bounds 1/p for inverted scaling).
    public var minKeep: Double = 0.01
    /// Ranking of the magnitude mask.
    public var magnitudeScope: MagnitudeScope = .layerwise
    /// Options of the importance solver (used by `importance`).
    public var importance: ImportanceConfig = ImportanceConfig()

    public init(name: String = "none", keep: Double = 0.5) {
        self.name = name
        self.keep = keep
    }

    /// The scope the exclusions describe.
    public var scope: MaskScope { MaskScope(exclude: Set(exclude)) }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case name, keep, target, scaling, exclude, evalMask, sampling, minKeep, magnitudeScope, importance
    }

    public init(from decoder: any Decoder) throws {
        try UnknownKeys.check(decoder, known: CodingKeys.allCases.map(\.rawValue), in: "masks")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = MaskConfig()
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? d.name
        keep = try c.decodeIfPresent(Double.self, forKey: .keep) ?? d.keep
        target = try c.decodeIfPresent(MaskTarget.self, forKey: .target) ?? d.target
        scaling = try c.decodeIfPresent(MaskScaling.self, forKey: .scaling) ?? d.scaling
        exclude = try c.decodeIfPresent([MaskExclusion].self, forKey: .exclude) ?? d.exclude
        evalMask = try c.decodeIfPresent(EvalMask.self, forKey: .evalMask) ?? d.evalMask
        sampling = try c.decodeIfPresent(MaskSampling.self, forKey: .sampling) ?? d.sampling
        minKeep = try c.decodeIfPresent(Double.self, forKey: .minKeep) ?? d.minKeep
        magnitudeScope = try c.decodeIfPresent(MagnitudeScope.self, forKey: .magnitudeScope) ?? d.magnitudeScope
        importance = try c.decodeIfPresent(ImportanceConfig.self, forKey: .importance) ?? d.importance
    }

    /// A message naming the first invalid option, or nil.
    public func validationError() -> String? {
        if !(keep > 0 && keep <= 1) { return "keep must be in (0, 1], got \(keep)" }
        if !(minKeep >= 0 && minKeep <= keep) { return "minKeep must be in [0, keep = \(keep)], got \(minKeep)" }
        if scaling == .inverted && minKeep == 0 && name == "importance" {
            return "inverted scaling needs minKeep > 0 (1/p would be unbounded)"
        }
        return importance.validationError()
    }
}
