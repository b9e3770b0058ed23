/// What the learned importance w of a weight means to the sampler (`masks.importance.use`).
public enum ImportanceUse: String, Codable, Sendable, CaseIterable {
    /// Importance is the probability of keeping: p = clip(c·w, p_min, 1) (the seed's "impacts").
    case keep
    /// Importance is the probability of dropping (the seed's other variant): the most important
    /// weights are masked most often; d = clip(c·w, 0, 1 − p_min), p = 1 − d, same mean keep q.
    case drop
}
