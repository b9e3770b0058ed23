import TensorCore
import Layers

/// A source of weight masks: the one way masks enter training. The masking hook drives any
/// sampler through this protocol's step points, in this order, and never names a concrete one
/// nor asks what kind it is; a new sampler is one file plus one line in `MaskRegistry`.
///
///     hook init            declareParameters(for:)   its own trainable tensors (default none)
///     runStart             start(_:restored:)        initial state, or the restored one
///                          forwardWeights(_:)        what forward/backward read (default none)
///     beforeForward        beforeForward(_:run:)     e.g. draw this step's mask (default nothing)
///     forward, backward    (the trainer)
///     after backward       observeGradients(_:run:)  the dense ∂L/∂W (default nothing)
///                          afterBackward(_:run:)     grad ⊙= multipliers (the default)
///     optimiser steps      (the trainer)
///     after the step       afterOptimizerStep(_:run:) e.g. W ⊙= m (default nothing)
///                          updateMask(_:run:)        move the mask (default nothing)
///     epoch end            epochEnd(_:iteration:last:run:) (default nothing)
///     evaluation           evaluationWeights(_:)     (default none: the weights as trained)
///     checkpoint           state(_:)                 (default none)
///
/// The families share their behaviour through protocols that refine this one and override only
/// what differs: `PerStepMask` (a new mask every step: dropconnect, importance), `FixedMask` (a
/// 0/1 mask kept between the sampler's own updates: prune, magnitude, random, given, and the
/// dynamic sparse masks set and rigl, which also observe the gradients and update the mask), and
/// `LearnedSparsity` (sparsity that training learns: l1, l0, vd).
///
/// The sampler writes *multipliers* into `MaskRun.masks`: for each masked entry 0 (dropped) or
/// its kept value (1, or 1/p with inverted scaling), and reports the kept counts there.
public protocol MaskSampler: AnyObject {
    /// The registry name.
    var name: String { get }
    /// Whether the sampler masks the parameters of its scope at all: false only for the baseline
    /// `none`, whose hook masks no parameter and does nothing. Default true.
    var masksParameters: Bool { get }
    /// What the run's `MaskSet` holds besides the multipliers. Default `.multipliers`.
    var layout: MaskSet.Layout { get }
    /// The trainable tensors the sampler adds for `masked` (nil: none, the default), built once
    /// when the hook is made; the trainer optimises and checkpoints them
    /// (`TrainingHook.trainableParameters`), and the sampler writes their gradients in `afterBackward`.
    func declareParameters(for masked: [Parameter]) -> ParameterStore?
    /// Called once when the run starts (after the weights were initialised or loaded): allocate
    /// what the run needs and set the initial state: from `restored` when resuming (state saved
    /// by `state(_:)`), else afresh (e.g. a fixed mask from the current weights).
    func start(_ run: MaskRun, restored: [HookState]?) throws(MaskError)
    /// What the step's forward and backward passes read in place of the masked weights (fixed
    /// once started; the sampler rewrites the contents in `beforeForward`). Default none.
    func forwardWeights(_ run: MaskRun) -> EffectiveWeights
    /// Before each step's forward pass (outside any effective-weights scope, so passes read the
    /// weights as trained; gradients are zeroed afterwards, so a sampler may run its own passes
    /// here). Default: nothing.
    func beforeForward(_ step: TrainingStep, run: MaskRun)
    /// After the backward pass, before `afterBackward`: each masked parameter's `grad` holds the
    /// dense ∂L/∂(forward weights), inactive entries included. Default: nothing.
    func observeGradients(_ step: TrainingStep, run: MaskRun)
    /// After the backward pass: turn the gradients into the ones the optimiser steps on.
    /// Default: grad ⊙= multipliers (dropped entries get 0; m/p for inverted per-step masks is
    /// the chain rule through m/p ⊙ W).
    func afterBackward(_ step: TrainingStep, run: MaskRun)
    /// After the optimiser steps (the model's and the sampler's own tensors'). Default: nothing.
    func afterOptimizerStep(_ step: TrainingStep, run: MaskRun)
    /// After `afterOptimizerStep`: may move the mask; entries whose weights start afresh go
    /// through `MaskRun.restart`. Default: nothing.
    func updateMask(_ step: TrainingStep, run: MaskRun)
    /// After the last step of epoch `epoch` (0-based), at `iteration`, before the hook logs the
    /// epoch's kept counts; `last` when that was the run's final step. Default: nothing.
    func epochEnd(_ epoch: Int, iteration: Int, last: Bool, run: MaskRun)
    /// The weights an evaluation reads now (written from the current weights). Default none.
    func evaluationWeights(_ run: MaskRun) -> EffectiveWeights
    /// State to checkpoint (besides the mask random stream and the epoch's counts, which the
    /// hook saves). Default none.
    func state(_ run: MaskRun) -> [HookState]
    /// Rows for CSV logs in the run folder produced since the last call (e.g. importance statistics).
    func takeLogRows() -> [MaskLogRow]
    /// Names of the CSV files this sampler writes (so a fresh run can clear stale ones).
    var logFiles: [String] { get }
}

extension MaskSampler {
    public var masksParameters: Bool { true }
    public var layout: MaskSet.Layout { .multipliers }
    public func declareParameters(for masked: [Parameter]) -> ParameterStore? { nil }
    public func forwardWeights(_ run: MaskRun) -> EffectiveWeights { .none }
    public func beforeForward(_ step: TrainingStep, run: MaskRun) {}
    public func observeGradients(_ step: TrainingStep, run: MaskRun) {}
    public func afterBackward(_ step: TrainingStep, run: MaskRun) { run.maskGradients() }
    public func afterOptimizerStep(_ step: TrainingStep, run: MaskRun) {}
    public func updateMask(_ step: TrainingStep, run: MaskRun) {}
    public func epochEnd(_ epoch: Int, iteration: Int, last: Bool, run: MaskRun) {}
    public func evaluationWeights(_ run: MaskRun) -> EffectiveWeights { .none }
    public func state(_ run: MaskRun) -> [HookState] { [] }
    public func takeLogRows() -> [MaskLogRow] { [] }
    public var logFiles: [String] { [] }
}
