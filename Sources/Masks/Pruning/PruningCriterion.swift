import Options

/// A way of ranking weights for pruning: one score per entry of every masked tensor, larger =
/// more worth keeping. Scores of entries already pruned are ignored. `MaskBuilder` turns the
/// scores into a mask; the plan decides counts, scope and exclusions, and the criterion only
/// says how its scores compare across tensors under a global scope (`globalRanking`: one pooled
/// threshold, or per-tensor counts from another criterion's pooled ranking).
///
/// A new criterion is one file (a type conforming to this protocol with a static `entry`)
/// plus one line in `CriterionRegistry`.
public protocol PruningCriterion {
    /// The registry name.
    var name: String { get }
    /// Scores for the masked tensors of `context` (same order and sizes as `context.parameters`).
    func scores(_ context: ScoringContext) throws(PruningError) -> [[Float]]
    /// Prune-and-rescore rounds (1: score once). With R > 1 the kept count of each group falls
    /// exponentially over R rounds to its target, the mask of each round entering the next scoring.
    var rounds: Int { get }
    /// Whether ties break by flat index (the rule of the magnitude and random results that
    /// predate the criterion family, kept so they stay bit-identical) rather than by the
    /// seeded tie stream.
    var breaksTiesByIndex: Bool { get }
    /// How the scores are compared across tensors when the scope is global (default `.pooled`).
    var globalRanking: GlobalRanking { get }
    /// Whether `scores` reads the context's training batches (default true); a caller need not
    /// load any for a criterion that says false (magnitude, random, movement, synflow).
    var needsData: Bool { get }
}

extension PruningCriterion {
    public var needsData: Bool { true }
    public var rounds: Int { 1 }
    public var breaksTiesByIndex: Bool { false }
    public var globalRanking: GlobalRanking { .pooled }
}

/// How a criterion ranks the weights of several tensors under one global budget.
public enum GlobalRanking {
    /// One threshold over every tensor's scores pooled: right when the scores share a scale
    /// across tensors (|w|, |g ⊙ w|, ½F·w², …).
    case pooled
    /// Each tensor keeps as many weights as one pooled ranking by `criterion` keeps in it (with
    /// that criterion's tie rule); inside each tensor this criterion's scores choose which. For
    /// scores that are only comparable within a tensor (the importance solver's w, normalised
    /// per tensor).
    case budgets(from: any PruningCriterion)
}

/// One entry of the criterion registry.
public struct CriterionEntry: Sendable {
    public let name: String
    public let summary: String
    public let make: @Sendable (PruningConfig) -> any PruningCriterion
    /// The criterion's own options (keys relative to "pruning"), declared in its file.
    public var options: [ConfigOption<PruningConfig>] { optionList() }
    private var optionList: @Sendable () -> [ConfigOption<PruningConfig>] = { [] }

    public init(name: String, summary: String, make: @escaping @Sendable (PruningConfig) -> any PruningCriterion) {
        self.name = name
        self.summary = summary
        self.make = make
    }

    /// This entry with the criterion's own options (`SynFlowCriterion.entry.declaring { SynFlowCriterion.options }`).
    public func declaring(_ options: @escaping @Sendable () -> [ConfigOption<PruningConfig>]) -> CriterionEntry {
        var e = self
        e.optionList = options
        return e
    }
}
