import Foundation
import Masks
import Options

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
public struct LotteryConfig: Sendable, Equatable {
    public var run: RunConfig
    /// Pruned levels after the dense level 0 (one-shot = 1).
    public var levels: Int = 5
    /// Share of the surviving hidden weights each level prunes, in [0, 1).
    public var pruneFraction: Double = 0.2
    /// Share of the output layer's survivors each level prunes; nil = pruneFraction / 2.
    public var outputFraction: Double?
    public var scope: MagnitudeScope = .layerwise
    /// The pruning criterion (`CriterionRegistry`; key "selection", flag `--criterion`, old flag
    /// `--selection`): magnitude (IMP), random, snip, ….
    public var selection: String = "magnitude"
    /// Options of the criteria (batches, SynFlow rounds, GraSP temperature).
    public var pruning: PruningConfig = PruningConfig()
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
    /// θ0 from this file instead of the seed's initialisation: a MaskLab checkpoint or a plain
    /// PyTorch `state_dict` in safetensors (`WeightsSource.load`: every name and shape checked).
    public var initFrom: String?

    /// Most pruned levels (0.8^100 leaves 2e-10 of the weights).
    public static let maxLevels = 100

    public init(run: RunConfig = RunConfig()) { self.run = run }

    /// Every option of lottery.json: the run config's (under "run", masks excepted: a lottery
    /// makes its own) and the pruning schedule's. Flags are the run's plus these.
    public static var options: [ConfigOption<LotteryConfig>] {
        RunConfig.options.filter { !$0.key.hasPrefix("masks.") }.map { $0.under("run", \LotteryConfig.run) } + [
            .value("levels", \.levels, flag: "levels", .int, .within(0, maxLevels), help: "Pruned levels after the dense level 0 (1 = one-shot)."),
            .value("pruneFraction", \.pruneFraction, flag: "prune", .double, .from(0, below: 1),
                   help: "Share of surviving hidden weights pruned per level."),
            .optional("outputFraction", \.outputFraction, flag: "prune-output", .double, .from(0, below: 1),
                      help: "Share of surviving output-layer weights pruned per level (none = half of --prune)."),
            .value("scope", \.scope, flag: "magnitude-scope", aliases: ["scope"], .choice,
                   help: "layerwise (each layer loses the same share) or global (one threshold over the hidden layers)."),
            .value("selection", \.selection, flag: "criterion", aliases: ["selection"], .string(names: CriterionRegistry.names), .oneOf(CriterionRegistry.names),
                   help: "Pruning criterion of every level (lowest scores pruned): magnitude (IMP), random, movement, snip, grasp, synflow, obd, importance, …"),
            .value("reset", \.reset, flag: "reset", .choice(aliases: ["init": .initial, "reinit": .reinitialise]),
                   help: "Where survivors restart: initial (θ0; also 'init'), rewind (θk) or reinitialise (also 'reinit')."),
            .value("rewindIteration", \.rewindIteration, flag: "rewind-iteration", .int, .atLeast(0),
                   help: "k of late resetting: θk is saved after k iterations of level 0."),
            .value("evaluateEvery", \.evaluateEvery, flag: "eval-every", .int, .atLeast(1),
                   help: "Evaluate the validation set every this many iterations (early-stopping point)."),
            .value("branches", \.branches, flag: "branches", .list(of: .choice, valueName: "<reinit,random>"),
                   help: "Controls per level, comma-separated: reinit (fresh init), random (random mask, same counts)."),
            .optional("branchLevels", \.branchLevels, flag: "branch-levels", .list(of: .int, valueName: "<l1,l2,…>"),
                      .each(.atLeast(1), nonEmpty: true, strictlyIncreasing: true),
                      help: "Train the branches only at these levels (none = every pruned level)."),
            .optional("transfer", \.transfer, flag: "transfer", .string(),
                      help: "A mask file (mask.safetensors of another run) to train as level 0's mask."),
            .optional("initFrom", \.initFrom, flag: "init-from", .string(),
                      help: "θ0 from this file: a MaskLab checkpoint or a PyTorch state_dict in safetensors (names and shapes checked)."),
        ] + PruningConfig.options.map { $0.under("pruning", \LotteryConfig.pruning) }
    }

    /// The option table of lottery.json and of `masklab lottery`'s flags.
    public static var table: OptionTable<LotteryConfig> {
        OptionTable(options, exclusive: [["run.budget.epochs", "run.budget.iterations"]])
    }

    /// The output layer's per-level prune fraction.
    public var effectiveOutputFraction: Double { outputFraction ?? pruneFraction / 2 }

    /// Whether `level` trains the branches.
    public func branchesAt(_ level: Int) -> Bool { level >= 1 && (branchLevels?.contains(level) ?? true) }

    /// A message naming the first invalid setting, or nil.
    public func validationError() -> String? {
        if let m = run.validationError() { return m }
        if levels < 0 { return "levels must be ≥ 0, got \(levels)" }
        if !(0..<1).contains(pruneFraction) { return "the prune fraction must be in [0, 1), got \(pruneFraction)" }
        if !(0..<1).contains(effectiveOutputFraction) { return "the output prune fraction must be in [0, 1), got \(effectiveOutputFraction)" }
        if evaluateEvery < 1 { return "evaluateEvery must be ≥ 1, got \(evaluateEvery)" }
        if reset == .rewind && rewindIteration < 0 { return "the rewind iteration must be ≥ 0, got \(rewindIteration)" }
        if !CriterionRegistry.names.contains(selection) {
            return "unknown pruning criterion '\(selection)'; valid criteria: \(CriterionRegistry.names.joined(separator: ", "))"
        }
        if let m = pruning.validationError() { return m }
        if run.masks != nil { return "a lottery run makes its own masks; remove \"masks\" from the training config" }
        return nil
    }

    /// Pretty, key-sorted JSON of every option.
    public func jsonText() -> String { ConfigText.json(Self.table.encode(self)) }

    /// `key` as the option table spells it: a training key may omit "run." (`--set seed=2`, a
    /// sweep axis "seed"), e.g. "seed" → "run.seed"; any other key is returned unchanged.
    public static func canonicalKey(_ key: String) -> String {
        table.option(key: key) == nil && table.option(key: "run." + key) != nil ? "run." + key : key
    }

    /// The run's folder name in a sweep: "lottery-<model>-<dataset>" plus a hash of every
    /// non-default setting, pruning schedule included (`masklab lottery` without --out keeps its
    /// own "lottery-" + the training's `runName`).
    public var runName: String {
        RunName.make(prefix: "lottery-\(run.training.model)-\(run.training.dataset)", config: self, defaults: LotteryConfig())
    }
}

extension LotteryConfig: Codable {
    /// Decodes through the option table: the default job and lottery defaults, with the file's keys applied.
    public init(from decoder: any Decoder) throws { self = try Self.table.decode(from: decoder, onto: LotteryConfig()) }

    public func encode(to encoder: any Encoder) throws { try Self.table.encode(self, to: encoder) }
}
