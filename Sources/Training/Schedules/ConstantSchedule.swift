/// `lr(t) = base` for every iteration (no scheduler in PyTorch).
public struct ConstantSchedule: LearningRateSchedule {
    public let base: Float
    public init(base: Float) { self.base = base }
    public func learningRate(at iteration: Int) -> Float { base }
}
