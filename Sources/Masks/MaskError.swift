/// Errors from configuring or restoring masks.
public enum MaskError: Error, Equatable, CustomStringConvertible {
    /// No sampler of that name.
    case unknown(name: String, valid: [String])
    /// An option is out of range or does not fit the sampler.
    case invalidOption(String)
    /// The scope selects no parameter of the model.
    case emptyScope(model: String, exclude: [String])
    /// Saved sampler state is missing or does not fit (resuming with other mask settings?).
    case state(String)
    /// A file of the run folder cannot be written.
    case output(String)

    public var description: String {
        switch self {
        case let .unknown(name, valid):
            return "unknown mask '\(name)'; valid masks: \(valid.joined(separator: ", "))"
        case let .invalidOption(message):
            return "masks: \(message)"
        case let .emptyScope(model, exclude):
            return "masks: no weight of \(model) is left to mask after excluding \(exclude.joined(separator: ", "))"
        case let .state(message):
            return "masks: saved state does not fit: \(message) (hint: resume with the same mask settings)"
        case let .output(message):
            return "masks: \(message)"
        }
    }
}
