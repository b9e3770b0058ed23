/// Every pruning criterion by name. A new criterion is one file plus one line here (with its
/// options: `.declaring { X.options }` on that line).
public enum CriterionRegistry {
    public static let entries: [CriterionEntry] = [
        MagnitudeCriterion.entry,
        RandomCriterion.entry,
        MovementCriterion.entry,
        MovementCriterion.signedEntry,
        SNIPCriterion.entry,
        GraSPCriterion.entry.declaring { GraSPCriterion.options },
        SynFlowCriterion.entry.declaring { SynFlowCriterion.options },
        OBDCriterion.entry,
        ImportanceCriterion.entry,
    ]

    /// Registered names, in registry order.
    public static var names: [String] { entries.map(\.name) }

    /// The criterion `name` with `config`'s options; unknown names list the valid ones.
    public static func make(_ name: String, config: PruningConfig = PruningConfig()) throws(PruningError) -> any PruningCriterion {
        guard let e = entries.first(where: { $0.name == name }) else { throw .unknownCriterion(name: name, valid: names) }
        if let message = config.validationError() { throw .invalid(message) }
        return e.make(config)
    }
}
