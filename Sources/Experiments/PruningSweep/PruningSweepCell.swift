import Foundation

/// One run of a pruning sweep: what it is (the dense training, a cell pruned after training and
/// fine-tuned, or a cell pruned at θ0 and trained from scratch), its criterion, compression ratio
/// and seed, its run config and its folder below `runs/`.
public struct PruningSweepCell: Sendable {
    public enum Stage: String, Sendable, CaseIterable {
        /// The dense training of a seed (and the at-init series' ratio 1).
        case dense
        /// Pruned one-shot from the dense run's weights, then fine-tuned (ratio 1: fine-tuned unpruned).
        case afterTraining = "after-training"
        /// Pruned at θ0 and trained from scratch with the dense budget.
        case atInit = "at-init"
    }

    public var stage: Stage
    /// The criterion; nil for the dense run and the shared ratio-1 fine-tuning.
    public var criterion: String?
    public var ratio: Double
    public var seed: UInt64
    public var config: RunConfig
    /// The folder below `runs/`, e.g. `snip/ratio-8/seed-1`.
    public var folder: String

    /// The series a plot draws the cell in: the criterion, with "@init" for at-init cells.
    public var series: String? { criterion.map { stage == .atInit ? "\($0)@init" : $0 } }

    /// For messages: "snip ×8 seed 1", "dense seed 0", "fine-tuned ×1 seed 0".
    public var label: String {
        switch stage {
        case .dense: return "dense seed \(seed)"
        case .afterTraining, .atInit:
            return "\(series ?? "fine-tuned") ×\(Self.ratioText(ratio)) seed \(seed)"
        }
    }

    /// `8`, `2.5`: the ratio as written in folder names and tables.
    public static func ratioText(_ r: Double) -> String {
        r == r.rounded() && r < 1e15 ? String(Int(r)) : String(r)
    }
}

extension PruningSweepConfig {
    /// Every run, in the order of the phases: per seed the dense run and the at-init cells (which
    /// need nothing trained first), then per seed the shared ratio-1 fine-tuning and the
    /// after-training cells (criteria in the file's order, ratios rising).
    public var cells: [PruningSweepCell] {
        var first: [PruningSweepCell] = [], second: [PruningSweepCell] = []
        let pruned = ratios.filter { $0 > 1 }
        for seed in seeds {
            var dense = base
            dense.training.seed = seed
            first.append(PruningSweepCell(stage: .dense, criterion: nil, ratio: 1, seed: seed, config: dense, folder: "dense/seed-\(seed)"))
            for c in atInit {
                for r in pruned {
                    var run = dense
                    run.masks = mask(c, ratio: r)
                    first.append(PruningSweepCell(stage: .atInit, criterion: c, ratio: r, seed: seed, config: run,
                                                  folder: "\(c)-at-init/ratio-\(PruningSweepCell.ratioText(r))/seed-\(seed)"))
                }
            }
        }
        for seed in seeds {
            var tuned = finetune
            tuned.training.seed = seed
            if ratios.contains(1) {
                second.append(PruningSweepCell(stage: .afterTraining, criterion: nil, ratio: 1, seed: seed, config: tuned,
                                               folder: "fine-tuned/ratio-1/seed-\(seed)"))
            }
            for c in criteria {
                for r in pruned {
                    var run = tuned
                    run.masks = mask(c, ratio: r)
                    second.append(PruningSweepCell(stage: .afterTraining, criterion: c, ratio: r, seed: seed, config: run,
                                                   folder: "\(c)/ratio-\(PruningSweepCell.ratioText(r))/seed-\(seed)"))
                }
            }
        }
        return first + second
    }
}
