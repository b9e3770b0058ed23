import Layers

/// How often a sampler's mask changes, which decides what the masking hook does with it.
public enum MaskKind: Sendable, Equatable {
    /// No mask (the baseline): the hook does nothing.
    case none
    /// A new mask every step (DropConnect and its importance-weighted variant).
    case perStep
    /// One mask for the whole run (pruning); its multipliers are 0 or 1.
    case fixed
    /// Sparsity that training learns (a penalty, gates, variational dropout): the sampler is a
    /// `LearnedSparsity` and the hook hands it every point of the step; its multipliers hold
    /// the mask its weights would have at evaluation (0 or 1).
    case learned
    /// A 0/1 mask applied like a fixed one, which the sampler may change after an optimiser step
    /// (dynamic sparse training: `updateMask`), seeing the dense gradient first (`observeGradients`).
    case dynamic

    /// Whether the mask is 0/1 and prunes the weights it drops (fixed or dynamic).
    public var isBinary: Bool { self == .fixed || self == .dynamic }
}

/// A source of weight masks: the one way masks enter training. The training core (the masking
/// hook) drives any sampler through this protocol and never names a concrete one; a new sampler
/// is one file plus one line in `MaskRegistry`.
///
/// The sampler writes *multipliers* into the `MaskSet`: for each masked entry 0 (dropped) or
/// its kept value (1, or 1/p with inverted scaling). The hook multiplies the forward weights
/// and/or the gradients by them according to the target. Per-step samplers also keep `p` in
/// `MaskSet.keepProbabilities` (for `EvalMask.expected`) and report `MaskSet.keptCounts`.
public protocol MaskSampler: AnyObject {
    /// The registry name.
    var name: String { get }
    var kind: MaskKind { get }
    /// Called once when the run starts (after the weights were initialised or loaded): allocate
    /// what the run needs and set the initial state: from `restored` when resuming (state
    /// saved by `state()`), else afresh (e.g. a fixed mask from the current weights).
    func start(_ context: MaskContext, masks: MaskSet, restored: [HookState]?) throws(MaskError)
    /// Before each step's forward pass (outside any effective-weights scope, so passes read the
    /// weights as trained): per-step samplers write this step's multipliers (`MaskSet.draw()`);
    /// they may also run their own passes here (gradients are zeroed afterwards). Fixed samplers
    /// do nothing.
    func sample(_ step: TrainingStep, masks: MaskSet)
    /// Dynamic samplers, after the backward pass and before the hook masks the gradients: each
    /// masked parameter's `grad` holds the dense ∂L/∂W (inactive entries included). Default: nothing.
    func observeGradients(_ step: TrainingStep, masks: MaskSet)
    /// Dynamic samplers, after the optimiser step (the weights already carry the current mask):
    /// may rewrite the multipliers (0 or 1). Returns, per masked parameter, the entries whose
    /// state restarts: those that became active and those that became inactive. The hook sets
    /// their weights and optimiser state to zero and applies the new mask to the weights, so every
    /// inactive entry keeps W = 0 with zero optimiser state (a dropped weight's momentum would
    /// otherwise decay into subnormal floats that slow every later optimiser step). Default: no change.
    func updateMask(_ step: TrainingStep, masks: MaskSet) -> [[Int]]
    /// State to checkpoint (besides the mask random stream, which the hook saves).
    func state() -> [HookState]
    /// Rows for CSV logs in the run folder produced since the last call (e.g. importance statistics).
    func takeLogRows() -> [MaskLogRow]
    /// Names of the CSV files this sampler writes (so a fresh run can clear stale ones).
    var logFiles: [String] { get }
}

extension MaskSampler {
    public func sample(_ step: TrainingStep, masks: MaskSet) {}
    public func observeGradients(_ step: TrainingStep, masks: MaskSet) {}
    public func updateMask(_ step: TrainingStep, masks: MaskSet) -> [[Int]] { [] }
    public func state() -> [HookState] { [] }
    public func takeLogRows() -> [MaskLogRow] { [] }
    public var logFiles: [String] { [] }
}
