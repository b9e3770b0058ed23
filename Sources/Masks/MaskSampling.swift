/// How a stochastic sampler draws a mask from keep probabilities p.
public enum MaskSampling: String, Codable, Sendable, CaseIterable {
    /// m_i ~ Bernoulli(p_i), independently; the number kept varies around Σp.
    case bernoulli
    /// Random-order systematic sampling: each tensor's entries are put in a fresh uniformly random
    /// order, then one systematic pass over the cumulative p in that order (one uniform offset)
    /// keeps exactly k = round(q·n) entries with P(m_i = 1) = p_i (p solved for mean k/n). With
    /// equal p this is a uniformly random k-subset; the random order removes the grid that
    /// systematic sampling in storage order would leave.
    case exactK
}
