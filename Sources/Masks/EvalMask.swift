/// What the forward pass reads at evaluation when the mask is stochastic (fixed masks always
/// stay applied, because the pruned weights are zero).
///
/// Default `none`: no mask is sampled and the weights are used as trained. With the default
/// `inverted` scaling this *is* the expected training-time network (E[m ⊙ W / p] = W); with
/// scaling `none` and target `weights`, `expected` evaluates p ⊙ W instead.
public enum EvalMask: String, Codable, Sendable, CaseIterable {
    /// The weights as trained.
    case none
    /// The expected effective weights: p ⊙ W (scaling none) or W (inverted).
    case expected
}
