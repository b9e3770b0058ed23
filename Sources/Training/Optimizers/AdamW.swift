import Layers

/// AdamW: Adam with decoupled weight decay, exactly as `torch.optim.AdamW`:
///
///     θ ← θ · (1 − lr·λ)                 (before the Adam update, not through the gradient)
///     then the Adam update of `Adam` with g = ∇θ (no L2 term)
///
/// PyTorch's default λ for AdamW is 0.01. State: slots `exp_avg`, `exp_avg_sq`.
public enum AdamW {
    /// An `Adam` with `decoupled: true` (its `name` is "adamw").
    public static func make(store: ParameterStore, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                            weightDecay: Float = 0.01, decayNormAndBias: Bool = true) throws(OptimizerError) -> Adam {
        try Adam(store: store, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay,
                 decayNormAndBias: decayNormAndBias, decoupled: true)
    }
}
