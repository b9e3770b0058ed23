/// Errors from scoring weights and building a pruning mask.
public enum PruningError: Error, Equatable, CustomStringConvertible {
    /// No criterion of that name.
    case unknownCriterion(name: String, valid: [String])
    /// A setting is out of range or does not fit the criterion.
    case invalid(String)
    /// The criterion needs something the caller did not supply (data batches, a reference θ0).
    case needs(criterion: String, what: String, hint: String)
    /// A score is NaN or infinite (e.g. SynFlow's R overflowing float).
    case nonFinite(criterion: String, tensor: String, entry: Int, value: Float)

    public var description: String {
        switch self {
        case let .unknownCriterion(name, valid):
            return "unknown pruning criterion '\(name)'; valid criteria: \(valid.joined(separator: ", "))"
        case let .invalid(message):
            return "pruning: \(message)"
        case let .needs(criterion, what, hint):
            return "pruning criterion '\(criterion)' needs \(what) (\(hint))"
        case let .nonFinite(criterion, tensor, entry, value):
            return "pruning criterion '\(criterion)' gave the score \(value) to \(tensor)[\(entry)]; scores must be finite"
        }
    }
}
