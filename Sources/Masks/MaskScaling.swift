/// How kept entries are scaled.
public enum MaskScaling: String, Codable, Sendable, CaseIterable {
    /// Kept entries are divided by their keep probability p (inverted DropConnect), so
    /// E[m ⊙ W / p] = W and evaluation with the plain weights sees the training-time expectation.
    case inverted
    /// Kept entries are used as they are (E[m ⊙ W] = p ⊙ W; see `EvalMask.expected`).
    case none
}
