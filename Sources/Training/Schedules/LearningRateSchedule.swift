/// A learning rate as a function of the training iteration.
///
/// `learningRate(at: t)` is the rate for iteration `t` (0-based: the rate the optimiser uses on
/// the step that follows the t-th batch's backward pass), for a run of `totalIterations`
/// iterations with `iterationsPerEpoch` iterations per epoch. Schedules that PyTorch steps per
/// epoch (StepLR, MultiStepLR) use epoch `⌊t / iterationsPerEpoch⌋`; the others are per
/// iteration. Pure functions of `t`, so a resumed run sees exactly the same rates.
public protocol LearningRateSchedule: Sendable {
    func learningRate(at iteration: Int) -> Float
}

/// What every schedule needs to know about the run.
public struct ScheduleContext: Sendable, Equatable {
    /// The optimiser's base learning rate (one-cycle: the peak `max_lr`).
    public var baseLearningRate: Float
    /// Iterations in the whole run (T).
    public var totalIterations: Int
    /// Iterations in one epoch (the last batch of an epoch may be partial but counts as one).
    public var iterationsPerEpoch: Int

    public init(baseLearningRate: Float, totalIterations: Int, iterationsPerEpoch: Int) {
        self.baseLearningRate = baseLearningRate
        self.totalIterations = totalIterations
        self.iterationsPerEpoch = iterationsPerEpoch
    }

    /// The epoch (0-based) that iteration `t` belongs to.
    @inlinable public func epoch(of t: Int) -> Int { t / Swift.max(iterationsPerEpoch, 1) }
}
