import Foundation

/// Cosine annealing from `base` to `minimum` over the whole run, per iteration:
///
///     lr(t) = η_min + (base − η_min) · (1 + cos(π · t / T)) / 2,   T = totalIterations
///
/// the closed form of `torch.optim.lr_scheduler.CosineAnnealingLR(T_max=T, eta_min=η_min)`
/// stepped once per iteration (computed in double precision; PyTorch's recursive form agrees
/// to rounding). `t ≥ T` gives `η_min`.
public struct CosineSchedule: LearningRateSchedule {
    public let context: ScheduleContext
    public let minimum: Float

    public init(context: ScheduleContext, minimum: Float) {
        self.context = context
        self.minimum = minimum
    }

    public func learningRate(at iteration: Int) -> Float {
        let big = Double(max(context.totalIterations, 1))
        let t = min(Double(iteration), big)
        let lo = Double(minimum), hi = Double(context.baseLearningRate)
        return Float(lo + (hi - lo) * (1 + cos(Double.pi * t / big)) / 2)
    }
}
