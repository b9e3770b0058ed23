import Foundation
import Stats
import Masks

/// How the weights a level prunes are chosen among the survivors.
public enum LotterySelection: String, Codable, Sendable, CaseIterable {
    /// The smallest |w| of the trained weights (Frankle & Carbin's IMP).
    case magnitude
    /// Uniformly at random (the control: same counts, no information from training).
    case random
}

/// One pruning step of iterative magnitude pruning: from the previous level's mask and trained
/// weights to the next mask.
///
/// Counts (S = survivors of a tensor or of the pooled hidden tensors):
/// - layerwise: every tensor but the last prunes round(p · S) of its survivors, the last
///   (output) tensor round(p_out · S);
/// - global: the hidden tensors are pooled and round(p · S_pooled) survivors with the smallest
///   |w| (or random ones) are pruned across them, so layers lose different shares; the output
///   tensor is pruned on its own at p_out, as Frankle & Carbin do.
/// A model with a single masked tensor prunes it at the output rate.
/// Ties in |w| go to the lower flat index (deterministic). Random selection draws from stream
/// (seed, pruning, 1000 + level, tensor).
public enum LotteryPruning {
    /// The mask after pruning `fraction` (hidden) and `outputFraction` (last tensor) of the
    /// survivors of `mask`. `weights[name]` are the trained values (used by magnitude selection).
    public static func prune(_ mask: LotteryMask, weights: [String: [Float]], fraction p: Double, outputFraction pOut: Double,
                             scope: MagnitudeScope, selection: LotterySelection, seed: UInt64, level: Int) -> LotteryMask {
        precondition((0...1).contains(p) && (0...1).contains(pOut), "prune fractions must be in [0, 1], got \(p), \(pOut)")
        var out = mask
        let last = mask.tensors.count - 1
        let streams = RandomStreams(seed: seed)
        func score(_ i: Int) -> [Float] {
            switch selection {
            case .magnitude:
                guard let w = weights[mask.tensors[i].name], w.count == mask.tensors[i].count else {
                    preconditionFailure("prune: no trained weights of the right size for \(mask.tensors[i].name)")
                }
                return w.map(abs)
            case .random:
                let rng = streams.stream(.pruning, 1000 + level, i)
                return (0..<mask.tensors[i].count).map { _ in Float(rng.uniform()) }
            }
        }
        // Candidates (score, tensor, entry) are survivors only; the smallest `count` are pruned.
        func pruneSmallest(_ tensors: [Int], fraction: Double) {
            var candidates: [(Float, Int, Int)] = []
            for i in tensors {
                let s = score(i), m = mask.tensors[i].values
                for j in m.indices where m[j] != 0 { candidates.append((s[j], i, j)) }
            }
            let count = Int((fraction * Double(candidates.count)).rounded())
            guard count > 0 else { return }
            candidates.sort { $0.0 != $1.0 ? $0.0 < $1.0 : ($0.1, $0.2) < ($1.1, $1.2) }
            for (_, i, j) in candidates.prefix(count) { out.tensors[i].values[j] = 0 }
        }
        switch scope {
        case .layerwise:
            for i in mask.tensors.indices { pruneSmallest([i], fraction: i == last ? pOut : p) }
        case .global:
            if last > 0 { pruneSmallest(Array(0..<last), fraction: p) }
            pruneSmallest([last], fraction: pOut)
        }
        return out
    }

    /// A random mask with the same number kept in every tensor as `mask` (the random-pruning
    /// control), drawn from stream (seed, pruning, 2000 + level, tensor).
    public static func randomLike(_ mask: LotteryMask, seed: UInt64, level: Int) -> LotteryMask {
        var out = mask
        let streams = RandomStreams(seed: seed)
        for i in mask.tensors.indices {
            let n = mask.tensors[i].count, k = mask.tensors[i].kept
            let rng = streams.stream(.pruning, 2000 + level, i)
            var index = Array(0..<n)
            for j in 0..<k { index.swapAt(j, j + rng.integer(below: n - j)) }
            var v = [Float](repeating: 0, count: n)
            for j in 0..<k { v[index[j]] = 1 }
            out.tensors[i].values = v
        }
        return out
    }

    /// The per-level prune fraction that reaches a final pruned share `r` in `n` levels:
    /// 1 − (1 − r)^(1/n) (each level prunes that share of the survivors).
    public static func perLevelFraction(finalPruned r: Double, levels n: Int) -> Double {
        precondition(n >= 1 && (0..<1).contains(r), "perLevelFraction: need levels ≥ 1 and r in [0, 1), got \(n), \(r)")
        return 1 - pow(1 - r, 1 / Double(n))
    }
}
