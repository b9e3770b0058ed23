import Layers

/// A sampler whose mask is 0/1 and stays as it is between the sampler's own updates: the
/// pruning masks (`prune`, `magnitude`, `random`, `given`), chosen once in `initialMask`, and the
/// dynamic sparse masks (`set`, `rigl`), which also move it in `updateMask`. The family:
///
///     start             a fresh run: `initialMask`; a resumed one: the saved mask
///                       (`MaskSet.restoreFixed`); then target weights: W ⊙= m, and
///                       `mask_analytics.csv` (density, effective density) in the run folder
///     after backward    grad ⊙= m, the default
///     after the step    target weights: W ⊙= m, so pruned weights stay exactly 0 through
///                       momentum and weight decay
///     checkpoint        the mask itself (a resumed run must not recompute it from trained weights)
///
/// A fixed mask with target `gradients` does not prune: the masked-out weights get no gradient
/// but still feel the optimiser's weight decay.
public protocol FixedMask: MaskSampler {
    /// Writes the mask of a fresh run into the multipliers (0 or 1); the family counts it.
    func initialMask(_ run: MaskRun) throws(MaskError)
}

extension FixedMask {
    public func start(_ run: MaskRun, restored: [HookState]?) throws(MaskError) {
        try startFixed(run, restored: restored)
    }

    /// The family's start (for members that prepare more first): the initial or restored mask,
    /// applied to the weights, and described in `mask_analytics.csv`.
    public func startFixed(_ run: MaskRun, restored: [HookState]?) throws(MaskError) {
        if let restored {
            try run.masks.restoreFixed(restored)
        } else {
            try initialMask(run)
            run.masks.countKept()
        }
        if run.config.target == .weights { run.pruneWeights() }
        try run.writeAnalytics()
    }

    public func afterOptimizerStep(_ step: TrainingStep, run: MaskRun) {
        if run.config.target == .weights { run.pruneWeights() }
    }

    public func state(_ run: MaskRun) -> [HookState] { run.masks.fixedState() }
}
