/// Linear warm-up in front of another schedule:
///
///     lr(t) = inner(t) · (s + (1 − s) · t / w)    for t < w,     lr(t) = inner(t) afterwards
///
/// i.e. `torch.optim.lr_scheduler.LinearLR(start_factor=s, end_factor=1, total_iters=w)`
/// chained (`ChainedScheduler`) with the inner schedule, both stepped per iteration: the first
/// iteration runs at `inner(0) · s` and the factor reaches 1 at iteration `w`.
public struct WarmupSchedule: LearningRateSchedule {
    public let inner: any LearningRateSchedule
    public let iterations: Int
    public let startFactor: Float

    public init(wrapping inner: any LearningRateSchedule, iterations: Int, startFactor: Float) {
        self.inner = inner
        self.iterations = iterations
        self.startFactor = startFactor
    }

    public func learningRate(at iteration: Int) -> Float {
        let lr = inner.learningRate(at: iteration)
        guard iteration < iterations else { return lr }
        let s = Double(startFactor)
        let factor = s + (1 - s) * Double(iteration) / Double(iterations)
        return Float(Double(lr) * factor)
    }
}
