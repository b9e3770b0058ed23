import Foundation

/// `lr(t) = base · γ^⌊e / k⌋` with `e = ⌊t / iterationsPerEpoch⌋`: multiplied by γ every `k`
/// epochs, as `torch.optim.lr_scheduler.StepLR(step_size=k, gamma=γ)` stepped once per epoch.
public struct StepSchedule: LearningRateSchedule {
    public let context: ScheduleContext
    public let stepEpochs: Int
    public let gamma: Float

    public init(context: ScheduleContext, stepEpochs: Int, gamma: Float) {
        self.context = context
        self.stepEpochs = stepEpochs
        self.gamma = gamma
    }

    public func learningRate(at iteration: Int) -> Float {
        let k = context.epoch(of: iteration) / stepEpochs
        return Float(Double(context.baseLearningRate) * pow(Double(gamma), Double(k)))
    }
}
