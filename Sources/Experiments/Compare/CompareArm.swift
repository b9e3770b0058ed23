import Foundation

/// One arm of a comparison: a name (its folder under `runs/`) and the run configuration every
/// seed of it uses (the comparison's base config with the arm's mask override applied).
public struct CompareArm: Sendable, Equatable {
    public var name: String
    /// The base config with this arm's masks; seed and threads are set per run by `CompareConfig.runConfig`.
    public var config: RunConfig

    public init(name: String, config: RunConfig) {
        self.name = name
        self.config = config
    }

    /// The four arms of the seed's experiment, as mask overrides of the base config's "masks"
    /// object (which holds what the dropping arms share: keep rate, target, scope, importance solver):
    ///
    ///     baseline      null                                   no mask
    ///     dropconnect   {"name": "dropconnect"}                uniform keep q
    ///     impacts       {"name": "importance", "importance": {"lambda": 0}}
    ///     impacts+reg   {"name": "importance", "importance": {"lambda": 1}}
    ///
    /// λ = 1 is in the solver's normalised units (rms normalisation: w* = n·softmax(−∇φ/(s·λ))).
    public static var defaultOverrides: [(name: String, masks: [String: Any]?)] { [
        ("baseline", nil),
        ("dropconnect", ["name": "dropconnect"]),
        ("impacts", ["name": "importance", "importance": ["lambda": 0.0]]),
        ("impacts+reg", ["name": "importance", "importance": ["lambda": 1.0]]),
    ] }

    /// `base` with `override` merged into its "masks" object (recursively: nested objects merge,
    /// other values replace); a nil override removes the masks (no mask at all).
    public static func merge(base: [String: Any], override: [String: Any]?) -> [String: Any] {
        var out = base
        guard let override else {
            out.removeValue(forKey: "masks")
            return out
        }
        out["masks"] = deepMerge(base["masks"] as? [String: Any] ?? [:], override)
        return out
    }

    static func deepMerge(_ a: [String: Any], _ b: [String: Any]) -> [String: Any] {
        var out = a
        for (k, v) in b {
            if let vb = v as? [String: Any], let va = a[k] as? [String: Any] { out[k] = deepMerge(va, vb) } else { out[k] = v }
        }
        return out
    }
}
