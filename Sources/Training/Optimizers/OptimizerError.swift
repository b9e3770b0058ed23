/// Errors from choosing or configuring an optimiser.
public enum OptimizerError: Error, Equatable, CustomStringConvertible {
    /// No optimiser is registered under `name`.
    case unknown(name: String, valid: [String])
    /// A hyperparameter outside its domain (negative momentum, β ≥ 1, …).
    case invalidHyperparameter(optimizer: String, message: String)

    public var description: String {
        switch self {
        case let .unknown(name, valid):
            return "unknown optimizer '\(name)'; valid optimizers: \(valid.joined(separator: ", "))"
        case let .invalidHyperparameter(optimizer, message):
            return "optimizer '\(optimizer)': \(message)"
        }
    }
}
