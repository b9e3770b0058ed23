/// Every structured (whole-channel) pruning criterion by name. A new criterion is one file plus
/// one line here.
public enum StructuredCriterionRegistry {
    public static let entries: [StructuredCriterionEntry] = [
        L1FilterCriterion.entry,
        BatchNormGammaCriterion.entry,
    ]

    /// Registered names, in registry order.
    public static var names: [String] { entries.map(\.name) }

    /// The criterion `name`; unknown names list the valid ones.
    public static func make(_ name: String) throws(PruningError) -> any StructuredCriterion {
        guard let e = entries.first(where: { $0.name == name }) else { throw .unknownCriterion(name: name, valid: names) }
        return e.make()
    }
}
