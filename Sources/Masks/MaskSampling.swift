/// How a stochastic sampler draws a mask from keep probabilities p.
public enum MaskSampling: String, Codable, Sendable, CaseIterable {
    /// m_i ~ Bernoulli(p_i), independently; the number kept varies around Σp.
    case bernoulli
    /// Systematic sampling over the cumulative p of each tensor (one uniform offset per tensor
    /// and step): exactly k = round(q·n) entries kept, P(m_i = 1) = p_i (p solved for mean k/n).
    /// Neighbouring entries are strongly dependent (with equal p the kept entries form a grid
    /// with a random phase); only the marginals are right.
    case exactK
}
