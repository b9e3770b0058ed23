/// Changes the computation of a training step from outside the trainer: how masks, importance
/// solvers and pruning enter training without the trainer naming any of them.
///
/// Order within a step:
///
///     beforeForward(step)      e.g. sample a mask, write m ⊙ W into the hook's own buffer
///     zero gradients
///     forward (.training), loss, NaN/Inf check, backward — inside
///         network.withEffectiveWeights(every hook's forwardWeights)
///     afterBackward(step)      e.g. multiply gradients by the mask (target "gradients")
///     optimiser step
///     afterOptimizerStep(step) e.g. re-apply a fixed mask so pruned weights stay zero
///
/// At the end of each epoch `epochEnd`, then every evaluation reads
/// `network.withEffectiveWeights(every hook's evaluationWeights())` (e.g. the expected mask
/// p ⊙ W): the trainer's own and any callback's through `RunEvaluator`. Gradients are zeroed
/// after `beforeForward`, so a hook may run its own passes there (in its own scope; use
/// `.frozenStatistics` to leave BatchNorm's running statistics alone). Hooks that keep state
/// save it with the checkpoint as `HookState` named `hook.…`. Every method has a default.
public protocol TrainingHook: AnyObject {
    /// Called once, after the weights were initialised or loaded (and `restore` ran, when resuming).
    func runStart(_ run: RunStart) throws(HookError)
    func beforeForward(step: TrainingStep)
    /// Weights the step's forward and backward passes read in place of the values; fixed from
    /// `runStart` on (the hook rewrites their contents in `beforeForward`).
    var forwardWeights: EffectiveWeights { get }
    func afterBackward(step: TrainingStep)
    func afterOptimizerStep(step: TrainingStep)
    /// After the last step of epoch `epoch` (or of the budget), before its evaluation.
    func epochEnd(epoch: Int)
    /// Weights an evaluation reads in place of the values (written now from the current weights).
    func evaluationWeights() -> EffectiveWeights
    /// State to save in a checkpoint; names must begin with `hook.`.
    func checkpointState() -> [HookState]
    /// Restores state from the `hook.` entries of a checkpoint (all of them, every hook's).
    func restore(from state: [HookState]) throws(HookError)
    /// Trainable tensors the hook owns besides the model's (e.g. per-weight gate parameters), or
    /// nil; fixed from the hook's construction on. The trainer zeroes their gradients with the
    /// model's, updates them right after the model's optimiser step with an optimiser of the
    /// run's kind and settings but no weight decay (the hook's own penalty regularises them),
    /// checks them finite, and checkpoints their values and that optimiser's state
    /// (`hook.parameters.<name>`, `hook.optimizer.<name>.<slot>`), restoring both before
    /// `runStart`. The hook sets their initial values in `runStart` of a fresh run and writes
    /// their gradients in `afterBackward`.
    var trainableParameters: ParameterStore? { get }
    /// What in this hook's setting may have made the loss or the weights diverge, read when they
    /// became NaN or infinite and shown as the error's hint; nil when nothing stands out.
    var divergenceHint: String? { get }
}

extension TrainingHook {
    public func runStart(_ run: RunStart) throws(HookError) {}
    public func beforeForward(step: TrainingStep) {}
    public var forwardWeights: EffectiveWeights { .none }
    public func afterBackward(step: TrainingStep) {}
    public func afterOptimizerStep(step: TrainingStep) {}
    public func epochEnd(epoch: Int) {}
    public func evaluationWeights() -> EffectiveWeights { .none }
    public func checkpointState() -> [HookState] { [] }
    public func restore(from state: [HookState]) throws(HookError) {}
    public var trainableParameters: ParameterStore? { nil }
    public var divergenceHint: String? { nil }
}
