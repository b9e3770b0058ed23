import Layers

/// A sampler that draws a new mask every step from keep probabilities p (`dropconnect`,
/// `importance`): it writes this step's multipliers in `sample` and keeps p in
/// `MaskSet.keepProbabilities`; the family does the rest.
///
///     forward weights   target weights: the masked copies multipliers ⊙ W (`MaskSet.effective`),
///                       written after every `sample`; target gradients: none (W itself)
///     after backward    grad ⊙= multipliers (m or m/p), the default
///     evaluation        `EvalMask` none: the weights as trained; expected (target weights):
///                       p ⊙ W, or W with inverted scaling, written into the masked copies
public protocol PerStepMask: MaskSampler {
    /// Writes this step's multipliers (`MaskSet.draw()`) and kept counts; may refresh p first.
    func sample(_ step: TrainingStep, run: MaskRun)
}

extension PerStepMask {
    public var layout: MaskSet.Layout { .perStep }

    public func forwardWeights(_ run: MaskRun) -> EffectiveWeights {
        guard run.config.target == .weights else { return .none }
        let masks = run.masks
        return EffectiveWeights(masks.parameters, masks.parameters.indices.map(masks.effective))
    }

    public func beforeForward(_ step: TrainingStep, run: MaskRun) {
        sample(step, run: run)
        guard run.config.target == .weights else { return }
        let masks = run.masks
        for i in masks.parameters.indices {
            let e = masks.effective(i)
            MaskKernels.multiply(masks.multipliers(i).pointer, masks.parameters[i].value.pointer, into: e.pointer, count: e.count)
        }
    }

    /// Per-step masks with `evalMask: expected` and target `weights`: the expected weights
    /// (p ⊙ W, or W with inverted scaling) written into the masked copies; otherwise none.
    public func evaluationWeights(_ run: MaskRun) -> EffectiveWeights {
        guard run.config.evalMask == .expected, run.config.target == .weights else { return .none }
        let masks = run.masks
        for i in masks.parameters.indices {
            let e = masks.effective(i)
            MaskKernels.expected(weights: masks.parameters[i].value.pointer, keepProbabilities: masks.keepProbabilities(i).pointer,
                                 inverted: masks.inverted, into: e.pointer, count: e.count)
        }
        return forwardWeights(run)
    }
}
