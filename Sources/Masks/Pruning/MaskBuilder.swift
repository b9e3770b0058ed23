import Foundation
import Stats

/// How many weights a pruning step keeps and where: the one description that fixed-mask
/// training, `masklab prune` and every lottery level hand to `MaskBuilder`.
///
/// Counts (S = survivors of a tensor, or of the tensors pooled into one group):
/// - `keep(q)`: a group keeps max(1, round(q·S)) (from a dense mask, S = n: MaskLab's fixed
///   masks);
/// - `pruneSurvivors(p)`: a group prunes round(p·S) and keeps the rest (a lottery level).
/// Scope: `layerwise` makes every tensor its own group; `global` pools the tensors into one
/// group with one kept count, ranked under one threshold, or, for a criterion whose
/// `globalRanking` is `.budgets`, split by `MaskBuilder.build` into per-tensor counts from
/// another criterion's pooled ranking. With an `output` amount the last tensor (the output
/// layer) is always a group of its own at that amount (Frankle & Carbin prune it at half the
/// rate); without one it is treated like the others. A model with one masked tensor prunes it
/// at the output amount.
public struct PruningPlan: Sendable, Equatable {
    public enum Amount: Sendable, Equatable {
        case keep(Double)
        case pruneSurvivors(Double)

        func kept(survivors s: Int) -> Int {
            switch self {
            case let .keep(q): return s == 0 ? 0 : max(1, Int((q * Double(s)).rounded()))
            case let .pruneSurvivors(p): return s - Int((p * Double(s)).rounded())
            }
        }

        /// A message if the share is out of range, else nil.
        var rangeError: String? {
            switch self {
            case let .keep(q): return q > 0 && q <= 1 ? nil : "the keep share must be in (0, 1], got \(q)"
            case let .pruneSurvivors(p): return p >= 0 && p < 1 ? nil : "the prune fraction must be in [0, 1), got \(p)"
            }
        }
    }

    public var scope: MagnitudeScope
    public var amount: Amount
    /// The output layer's amount; nil = the same as the others (and pooled with them when global).
    public var output: Amount?

    public init(scope: MagnitudeScope, amount: Amount, output: Amount? = nil) {
        self.scope = scope
        self.amount = amount
        self.output = output
    }

    /// A message naming an out-of-range share, else nil.
    public var validationError: String? { amount.rangeError ?? output?.rangeError }

    /// The groups of `mask`'s tensors with their kept counts.
    public func groups(survivors s: [Int]) -> [MaskBuilder.Group] {
        let last = s.count - 1
        guard last >= 0 else { return [] }
        let hidden = output == nil ? Array(0...last) : Array(0..<last)
        var out: [MaskBuilder.Group] = []
        switch scope {
        case .layerwise:
            out = hidden.map { MaskBuilder.Group(tensors: [$0], keep: amount.kept(survivors: s[$0])) }
        case .global:
            if !hidden.isEmpty { out = [MaskBuilder.Group(tensors: hidden, keep: amount.kept(survivors: hidden.reduce(0) { $0 + s[$1] }))] }
        }
        if let output { out.append(MaskBuilder.Group(tensors: [last], keep: output.kept(survivors: s[last]))) }
        return out
    }
}

/// Turns scores into a mask: the one place MaskLab decides which weights a pruning step keeps.
///
/// In each group the survivors are ordered by score (ascending) and the first S − keep are
/// pruned; pruned entries stay pruned. Ties go to a seeded random order (stream (seed, pruning,
/// 3000 + step)) unless the criterion breaks them by flat index (magnitude and random, whose
/// earlier results stay bit-identical: `IndexOrder`). A global group of a criterion whose scores
/// only compare within a tensor (`GlobalRanking.budgets`) is first split into per-tensor groups
/// with the counts the named criterion's pooled ranking gives.
public enum MaskBuilder {
    public struct Group: Sendable, Equatable {
        public var tensors: [Int]
        public var keep: Int
    }

    /// Which of two tied entries is pruned first when ties go by index.
    public enum IndexOrder: Sendable {
        /// The lower (tensor, entry) is pruned first (the lottery's rule).
        case lowerPrunedFirst
        /// The lower (tensor, entry) is kept first (the fixed magnitude mask's rule).
        case lowerKeptFirst
    }

    /// How ties among equal scores are broken.
    public enum Ties {
        case index(IndexOrder)
        case seeded(RandomStream)
    }

    /// The mask after pruning each group of `mask` down to its kept count, lowest scores first.
    public static func prune(_ mask: [[Float]], scores: [[Float]], groups: [Group], ties: Ties, criterion: String,
                             names: [String]) throws(PruningError) -> [[Float]] {
        precondition(scores.map(\.count) == mask.map(\.count), "mask builder: \(scores.map(\.count)) scores for tensors of \(mask.map(\.count))")
        var out = mask
        for group in groups {
            // Candidates (score, tie key, tensor, entry), survivors only.
            var candidates: [(Float, Int64, Int, Int)] = []
            for i in group.tensors {
                for j in mask[i].indices where mask[i][j] != 0 {
                    let s = scores[i][j]
                    guard s.isFinite else { throw .nonFinite(criterion: criterion, tensor: names[i], entry: j, value: s) }
                    candidates.append((s, 0, i, j))
                }
            }
            let prune = candidates.count - group.keep
            guard prune > 0 else { continue }
            switch ties {
            case .index(.lowerPrunedFirst): break
            case .index(.lowerKeptFirst): for c in candidates.indices { candidates[c].1 = -Int64(c) }
            case let .seeded(rng): for c in candidates.indices { candidates[c].1 = Int64(rng.integer(below: Int(Int32.max))) }
            }
            candidates.sort { ($0.0, $0.1, $0.2, $0.3) < ($1.0, $1.1, $1.2, $1.3) }
            for (_, _, i, j) in candidates.prefix(prune) { out[i][j] = 0 }
        }
        return out
    }

    /// Prunes `context.mask` by `criterion` under `plan` (R rounds for iterative criteria, the
    /// kept count of each group falling as S·(K/S)^(r/R)) and returns the mask.
    /// `step` keys the tie stream (a lottery level; 0 for one-shot masks).
    public static func build(_ criterion: any PruningCriterion, context: ScoringContext, plan: PruningPlan, seed: UInt64, step: Int,
                             indexOrder: IndexOrder = .lowerPrunedFirst) throws(PruningError) -> [[Float]] {
        if let message = plan.validationError { throw .invalid(message) }
        let start = context.mask.map { $0.reduce(0) { $0 + ($1 != 0 ? 1 : 0) } }
        var targets = plan.groups(survivors: start)
        let names = context.parameters.map(\.name)
        if case let .budgets(from: source) = criterion.globalRanking {
            targets = try perTensorBudgets(targets, by: source, context: context, seed: seed, step: step, indexOrder: indexOrder, names: names)
        }
        let ties = tieRule(criterion, seed: seed, step: step, indexOrder: indexOrder)
        let rounds = max(1, criterion.rounds)
        for r in 1...rounds {
            let groups = targets.map { g -> Group in
                guard r < rounds else { return g }
                let s = g.tensors.reduce(0) { $0 + start[$1] }
                guard s > 0 else { return g }
                let share = pow(Double(g.keep) / Double(s), Double(r) / Double(rounds))
                return Group(tensors: g.tensors, keep: max(g.keep, Int((Double(s) * share).rounded())))
            }
            let scores = try checkedScores(criterion, context: context)
            context.mask = try prune(context.mask, scores: scores, groups: groups, ties: ties, criterion: criterion.name, names: names)
        }
        return context.mask
    }

    private static func tieRule(_ criterion: any PruningCriterion, seed: UInt64, step: Int, indexOrder: IndexOrder) -> Ties {
        criterion.breaksTiesByIndex ? .index(indexOrder) : .seeded(RandomStreams(seed: seed).stream(.pruning, 3000 + step))
    }

    /// `criterion`'s scores of `context`, or an error when their sizes do not fit the tensors.
    private static func checkedScores(_ criterion: any PruningCriterion, context: ScoringContext) throws(PruningError) -> [[Float]] {
        let scores = try criterion.scores(context)
        guard scores.map(\.count) == context.mask.map(\.count) else {
            throw .invalid("criterion '\(criterion.name)' scored \(scores.map(\.count)) entries for tensors of \(context.mask.map(\.count))")
        }
        return scores
    }

    /// `groups` with every group of several tensors split into one group per tensor, each
    /// keeping what one pooled ranking of the group by `source` keeps in it (`GlobalRanking.budgets`).
    /// `source` must score once and pool (a criterion's own rule, not an input).
    static func perTensorBudgets(_ groups: [Group], by source: any PruningCriterion, context: ScoringContext, seed: UInt64, step: Int,
                                 indexOrder: IndexOrder, names: [String]) throws(PruningError) -> [Group] {
        precondition(source.rounds <= 1, "global budgets from '\(source.name)': a source criterion scores once, it has \(source.rounds) rounds")
        if case .budgets = source.globalRanking { preconditionFailure("global budgets from '\(source.name)': a source criterion ranks pooled") }
        guard groups.contains(where: { $0.tensors.count > 1 }) else { return groups }
        let scores = try checkedScores(source, context: context)
        let pooled = try prune(context.mask, scores: scores, groups: groups.filter { $0.tensors.count > 1 }, ties: tieRule(source, seed: seed, step: step, indexOrder: indexOrder),
                               criterion: source.name, names: names)
        return groups.flatMap { g -> [Group] in
            guard g.tensors.count > 1 else { return [g] }
            return g.tensors.map { Group(tensors: [$0], keep: pooled[$0].reduce(0) { $0 + ($1 != 0 ? 1 : 0) }) }
        }
    }

    /// A uniformly random mask with `counts[i]` entries kept in tensor i of sizes `sizes`: a
    /// partial Fisher–Yates shuffle on `stream(i)`, k draws per tensor (`--mask random`, the
    /// lottery's same-count random control and the dynamic sparse masks' start).
    public static func randomSubset(sizes: [Int], counts: [Int], stream: (Int) -> RandomStream) -> [[Float]] {
        precondition(sizes.count == counts.count && zip(sizes, counts).allSatisfy { $1 >= 0 && $1 <= $0 }, "random subset: counts \(counts) for sizes \(sizes)")
        return sizes.indices.map { i in
            let n = sizes[i], k = counts[i]
            let rng = stream(i)
            var index = Array(0..<n)
            index.withUnsafeMutableBufferPointer { MaskKernels.partialShuffle($0, first: k, random: rng) }
            var v = [Float](repeating: 0, count: n)
            for j in 0..<k { v[index[j]] = 1 }
            return v
        }
    }
}
