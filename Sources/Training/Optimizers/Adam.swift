import Foundation
import TensorCore
import Layers

/// Adam with L2 weight decay folded into the gradient, exactly as `torch.optim.Adam`
/// (`amsgrad=False`, `maximize=False`), at step t = 1, 2, …:
///
///     g ← ∇θ + λ·θ
///     m ← β₁·m + (1 − β₁)·g
///     v ← β₂·v + (1 − β₂)·g²
///     θ ← θ − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)       (ε outside the square root)
///
/// The bias corrections are computed in double precision, as PyTorch does in Python.
/// `decayNormAndBias: false` exempts biases and BatchNorm γ/β from λ.
/// State: slots `exp_avg` (m) and `exp_avg_sq` (v).
public final class Adam: Optimizer {
    public let name: String
    public let store: ParameterStore
    public let slots = ["exp_avg", "exp_avg_sq"]
    public let state: TensorStorage
    public var stepCount = 0
    public let beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    /// True for AdamW: decay applied to θ directly, not through the gradient.
    public let decoupled: Bool
    private let segments: [DecaySegment]

    /// Adam (`decoupled: false`) or AdamW (`decoupled: true`, see `AdamW`).
    public init(store: ParameterStore, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                weightDecay: Float = 0, decayNormAndBias: Bool = true, decoupled: Bool = false) throws(OptimizerError) {
        let n = decoupled ? "adamw" : "adam"
        guard (0..<1).contains(beta1), (0..<1).contains(beta2) else {
            throw .invalidHyperparameter(optimizer: n, message: "betas must be in [0, 1), got (\(beta1), \(beta2))")
        }
        guard epsilon >= 0 else { throw .invalidHyperparameter(optimizer: n, message: "epsilon must be ≥ 0, got \(epsilon)") }
        guard weightDecay >= 0 else { throw .invalidHyperparameter(optimizer: n, message: "weight decay must be ≥ 0, got \(weightDecay)") }
        name = n
        self.store = store
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupled = decoupled
        state = TensorStorage(count: 2 * store.count)
        segments = DecaySegment.make(store, weightDecay: weightDecay, decayNormAndBias: decayNormAndBias)
    }

    public func step(learningRate lr: Float) {
        let t = Double(stepCount + 1)
        let stepSize = Float(Double(lr) / (1 - pow(Double(beta1), t)))
        let correction2Sqrt = Float((1 - pow(Double(beta2), t)).squareRoot())
        let pv = store.values.base, gv = store.grads.base
        let mv = state.base, vv = state.base + store.count
        let base = AdamUpdate.Coefficients(beta1: beta1, beta2: beta2, epsilon: epsilon, stepSize: stepSize,
                                           correction2Sqrt: correction2Sqrt, weightDecay: 0, shrink: 1, decoupled: decoupled)
        segments.sweep(total: store.count, costPerItem: 12) { r, wd in
            var c = base
            (c.weightDecay, c.shrink) = (wd, 1 - lr * wd)
            AdamUpdate.apply(values: pv, grads: gv, firstMoment: mv, secondMoment: vv, range: r, c)
        }
        stepCount += 1
    }
}
