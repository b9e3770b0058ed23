import Foundation
import Masks

/// Where a level's surviving weights start from.
public enum LotteryReset: String, Codable, Sendable, CaseIterable {
    /// θ0, the dense network's initialisation (Frankle & Carbin).
    case initial
    /// θk, the dense network after `rewindIteration` steps of level 0 (late resetting).
    case rewind
    /// A fresh random initialisation per level (stream (seed, reinitialisation, level)).
    case reinitialise

    /// The reset named `name`: a raw value, or the short forms `init` (initial) and `reinit`.
    public init?(name: String) {
        switch name {
        case "init": self = .initial
        case "reinit": self = .reinitialise
        default: self.init(rawValue: name)
        }
    }
}

/// A control trained next to each pruned level, from the level's mask.
public enum LotteryBranch: String, Codable, Sendable, CaseIterable {
    /// The level's mask trained from a fresh random initialisation.
    case reinit
    /// A random mask with the level's per-tensor counts, trained from the level's reset point.
    case random
}

/// Everything that defines a lottery-ticket run (`lottery.json` in its folder): the training
/// of every level (`run`, a `RunConfig` without masks) and the pruning schedule.
///
/// Level 0 trains the dense network (or the `transfer` mask); level ℓ ≥ 1 prunes `pruneFraction`
/// of the surviving hidden weights and `outputFraction` of the output layer's survivors (default
/// half of `pruneFraction`), after level ℓ−1's training, resets the survivors (`reset`) and
/// trains again with the same budget, data order and seed.
public struct LotteryConfig: Codable, Sendable, Equatable {
    public var run: RunConfig
    /// Pruned levels after the dense level 0 (one-shot = 1).
    public var levels: Int = 5
    /// Share of the surviving hidden weights each level prunes, in [0, 1).
    public var pruneFraction: Double = 0.2
    /// Share of the output layer's survivors each level prunes; nil = pruneFraction / 2.
    public var outputFraction: Double?
    public var scope: MagnitudeScope = .layerwise
    public var selection: LotterySelection = .magnitude
    public var reset: LotteryReset = .initial
    /// k of late resetting (iterations of level 0's training), used when reset = rewind.
    public var rewindIteration: Int = 0
    /// Validation (early-stopping) evaluation every this many iterations.
    public var evaluateEvery: Int = 100
    public var branches: [LotteryBranch] = []
    /// Levels that train the branches; nil = every pruned level.
    public var branchLevels: [Int]?
    /// A mask file trained as level 0's mask (found on another dataset, class subset or run).
    public var transfer: String?

    public init(run: RunConfig) { self.run = run }

    /// The output layer's per-level prune fraction.
    public var effectiveOutputFraction: Double { outputFraction ?? pruneFraction / 2 }

    /// Whether `level` trains the branches.
    public func branchesAt(_ level: Int) -> Bool { level >= 1 && (branchLevels?.contains(level) ?? true) }

    /// A message naming the first invalid setting, or nil.
    public func validationError() -> String? {
        if levels < 0 { return "levels must be ≥ 0, got \(levels)" }
        if !(0..<1).contains(pruneFraction) { return "the prune fraction must be in [0, 1), got \(pruneFraction)" }
        if !(0..<1).contains(effectiveOutputFraction) { return "the output prune fraction must be in [0, 1), got \(effectiveOutputFraction)" }
        if evaluateEvery < 1 { return "evaluateEvery must be ≥ 1, got \(evaluateEvery)" }
        if reset == .rewind && rewindIteration < 0 { return "the rewind iteration must be ≥ 0, got \(rewindIteration)" }
        if run.masks != nil { return "a lottery run makes its own masks; remove \"masks\" from the training config" }
        return nil
    }

    /// Pretty, key-sorted JSON.
    public func jsonText() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
