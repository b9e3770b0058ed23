/// Changes the computation of a training step from outside the trainer: how masks, importance
/// solvers and pruning enter training without the trainer naming any of them.
///
/// Order within a step:
///
///     beforeForward(step)      e.g. sample a mask, point Parameter.effective at m ⊙ W
///     zero gradients
///     forward (.training), loss, NaN/Inf check, backward
///     afterBackward(step)      e.g. multiply gradients by the mask (target "gradients")
///     optimiser step
///     afterOptimizerStep(step) e.g. re-apply a fixed mask so pruned weights stay zero
///
/// and around each evaluation `beforeEvaluation`/`afterEvaluation` (e.g. restore the unmasked
/// weights, or apply a fixed mask). Gradients are zeroed after `beforeForward`, so a hook may
/// run its own forward/backward passes there (use `.frozenStatistics` to leave BatchNorm's
/// running statistics alone). Hooks that keep state save it with the checkpoint under names
/// beginning `hook.` (e.g. a generator state as U8). Every method has an empty default.
public protocol TrainingHook: AnyObject {
    func runStart(_ run: RunInfo)
    func beforeForward(step: TrainingStep)
    func afterBackward(step: TrainingStep)
    func afterOptimizerStep(step: TrainingStep)
    func beforeEvaluation(epoch: Int)
    func afterEvaluation(epoch: Int)
    /// State to save in a checkpoint; names must begin with `hook.`.
    func checkpointTensors() -> [SafetensorsTensor]
    /// Restores state from the `hook.` tensors of a checkpoint (all of them, every hook's).
    func restore(from tensors: [SafetensorsTensor]) throws(CheckpointError)
}

extension TrainingHook {
    public func runStart(_ run: RunInfo) {}
    public func beforeForward(step: TrainingStep) {}
    public func afterBackward(step: TrainingStep) {}
    public func afterOptimizerStep(step: TrainingStep) {}
    public func beforeEvaluation(epoch: Int) {}
    public func afterEvaluation(epoch: Int) {}
    public func checkpointTensors() -> [SafetensorsTensor] { [] }
    public func restore(from tensors: [SafetensorsTensor]) throws(CheckpointError) {}
}
