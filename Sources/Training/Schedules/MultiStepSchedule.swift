import Foundation

/// `lr(t) = base · γ^{#{m ∈ milestones : m ≤ e}}` with `e = ⌊t / iterationsPerEpoch⌋`, as
/// `torch.optim.lr_scheduler.MultiStepLR(milestones, gamma)` stepped once per epoch (its closed
/// form uses `bisect_right`, so the rate drops at the start of each milestone epoch).
public struct MultiStepSchedule: LearningRateSchedule {
    public let context: ScheduleContext
    /// Epochs (0-based) at whose start the rate is multiplied by γ, ascending.
    public let milestones: [Int]
    public let gamma: Float

    public init(context: ScheduleContext, milestones: [Int], gamma: Float) {
        self.context = context
        self.milestones = milestones.sorted()
        self.gamma = gamma
    }

    public func learningRate(at iteration: Int) -> Float {
        let e = context.epoch(of: iteration)
        var passed = 0
        for m in milestones where m <= e { passed += 1 }
        return Float(Double(context.baseLearningRate) * pow(Double(gamma), Double(passed)))
    }
}
