import TensorCore
import Layers

/// Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay, exactly
/// as `torch.optim.SGD` (PyTorch 2.x, `maximize=False`):
///
///     g ← ∇θ + λ·θ                                  (weight decay λ added to the gradient)
///     if μ ≠ 0:
///         b ← g                     at the first step (PyTorch clones the gradient)
///         b ← μ·b + (1 − τ)·g       afterwards      (τ: dampening)
///         g ← g + μ·b  if Nesterov, else g ← b
///     θ ← θ − lr·g
///
/// `decayNormAndBias: false` exempts biases and BatchNorm γ/β (roles `.bias`, `.normScale`,
/// `.normShift`) from weight decay, as the common "no_decay" parameter groups do.
/// State: one slot, `momentum_buffer` (absent when μ = 0). Shapes as the store; units: lr per step.
public final class SGD: Optimizer {
    public let name = "sgd"
    public let store: ParameterStore
    public let slots: [String]
    public let state: TensorStorage
    public var stepCount = 0
    public let momentum: Float, dampening: Float, weightDecay: Float
    public let nesterov: Bool
    private let segments: [DecaySegment]

    public init(store: ParameterStore, momentum: Float = 0, dampening: Float = 0, nesterov: Bool = false,
                weightDecay: Float = 0, decayNormAndBias: Bool = true) throws(OptimizerError) {
        guard momentum >= 0 else { throw .invalidHyperparameter(optimizer: "sgd", message: "momentum must be ≥ 0, got \(momentum)") }
        guard weightDecay >= 0 else { throw .invalidHyperparameter(optimizer: "sgd", message: "weight decay must be ≥ 0, got \(weightDecay)") }
        guard !nesterov || (momentum > 0 && dampening == 0) else {
            throw .invalidHyperparameter(optimizer: "sgd", message: "Nesterov momentum (on by default in MaskLab, off in torch.optim.SGD) requires momentum > 0 and dampening 0, as PyTorch does; "
                                         + "add --no-nesterov for plain SGD or for dampening")
        }
        self.store = store
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        slots = momentum != 0 ? ["momentum_buffer"] : []
        state = TensorStorage(count: slots.count * store.count)
        segments = DecaySegment.make(store, weightDecay: weightDecay, decayNormAndBias: decayNormAndBias)
    }

    public func step(learningRate lr: Float) {
        let pv = store.values.base, gv = store.grads.base, bv = state.base
        let mu = momentum, damp = 1 - dampening, nest = nesterov, first = stepCount == 0
        if mu == 0 {
            segments.sweep(total: store.count, costPerItem: 4) { r, wd in
                for i in r {
                    let g = gv[i] + wd * pv[i]
                    pv[i] = pv[i] - lr * g
                }
            }
        } else {
            // Three branch-free loops (first step / Nesterov / plain) so each one vectorises.
            segments.sweep(total: store.count, costPerItem: 6) { r, wd in
                if first {
                    for i in r {
                        let g = gv[i] + wd * pv[i]
                        bv[i] = g
                        pv[i] = pv[i] - lr * (nest ? g + mu * g : g)
                    }
                } else if nest {
                    for i in r {
                        let g = gv[i] + wd * pv[i]
                        let b = mu * bv[i] + damp * g
                        bv[i] = b
                        pv[i] = pv[i] - lr * (g + mu * b)
                    }
                } else {
                    for i in r {
                        let g = gv[i] + wd * pv[i]
                        let b = mu * bv[i] + damp * g
                        bv[i] = b
                        pv[i] = pv[i] - lr * b
                    }
                }
            }
        }
        stepCount += 1
    }
}
