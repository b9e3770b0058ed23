/// What a mask multiplies.
public enum MaskTarget: String, Codable, Sendable, CaseIterable {
    /// True DropConnect: the forward pass reads m ⊙ W (a separate buffer, read inside
    /// `Network.withEffectiveWeights`) and the gradient of W is multiplied by m, so dropped
    /// weights get exactly zero gradient. Fixed masks prune: W ⊙= m after every optimiser step.
    case weights
    /// The seed's public code: the forward pass is untouched and only the gradient (the update)
    /// is multiplied by m. With a fixed mask the masked-out weights get no gradient, but the
    /// optimiser's weight decay still shrinks them (as with a masked `.grad` in PyTorch).
    case gradients
}
