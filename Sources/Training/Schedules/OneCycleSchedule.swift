import Foundation

/// The one-cycle policy of `torch.optim.lr_scheduler.OneCycleLR(max_lr, total_steps=T,
/// pct_start, anneal_strategy='cos', div_factor, final_div_factor, three_phase=False)`,
/// stepped once per iteration:
///
///     initial = max_lr / div_factor,   final = initial / final_div_factor
///     phase 1: steps 0 … e₁ with e₁ = pct_start·T − 1 (a float), initial → max_lr
///     phase 2: steps e₁ … T − 1, max_lr → final
///     within a phase from step a to b: pct = (t − a) / (b − a),
///     lr = end + (start − end) / 2 · (cos(π · pct) + 1)
///
/// Defaults pct_start 0.3, div_factor 25, final_div_factor 1e4 as PyTorch. Only the learning
/// rate is scheduled (PyTorch also cycles momentum by default; MaskLab does not).
public struct OneCycleSchedule: LearningRateSchedule {
    public let context: ScheduleContext
    public let pctStart: Double, divFactor: Double, finalDivFactor: Double

    public init(context: ScheduleContext, pctStart: Double = 0.3, divFactor: Double = 25, finalDivFactor: Double = 1e4) {
        self.context = context
        self.pctStart = pctStart
        self.divFactor = divFactor
        self.finalDivFactor = finalDivFactor
    }

    public func learningRate(at iteration: Int) -> Float {
        let peak = Double(context.baseLearningRate)
        let initial = peak / divFactor, final = initial / finalDivFactor
        let end1 = pctStart * Double(context.totalIterations) - 1
        let end2 = Double(context.totalIterations - 1)
        let t = Double(iteration)
        if t <= end1 {
            return Float(Self.cosine(from: initial, to: peak, pct: end1 > 0 ? t / end1 : 1))
        }
        return Float(Self.cosine(from: peak, to: final, pct: end2 > end1 ? (t - end1) / (end2 - end1) : 1))
    }

    /// PyTorch's `_annealing_cos(start, end, pct)`.
    static func cosine(from start: Double, to end: Double, pct: Double) -> Double {
        end + (start - end) / 2 * (cos(Double.pi * pct) + 1)
    }
}
