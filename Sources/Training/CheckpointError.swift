/// Errors from saving or loading a checkpoint; each names the file.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    /// The safetensors layer failed (I/O, truncation, malformed header).
    case file(SafetensorsError)
    /// The tensor names differ from what the network (and the optimiser, when one is loaded)
    /// expects; `shapes` names tensors present in both whose shapes differ too.
    case names(path: String, missing: [String], unexpected: [String], shapes: [String] = [], optimizer: Bool = true)
    /// A tensor has the wrong shape or dtype.
    case tensor(path: String, name: String, expected: String, got: String)
    /// A metadata entry is missing or malformed.
    case metadata(path: String, key: String, expected: String, got: String)
    /// A float tensor holds NaN or ±∞ at flat index `index` (row-major).
    case nonFinite(path: String, name: String, index: Int, value: Float)
    /// A training hook rejected its saved state.
    case hookState(path: String, message: String)
    /// The checkpoint was written under other conditions than the run resuming it: another
    /// configuration or other data (`what` names the key or split and both values; `RunConditions`).
    case otherConditions(path: String, what: String)
    /// A plain state_dict does not fit the model: the first mismatch.
    case stateDict(path: String, model: String, problem: String)

    public var description: String {
        switch self {
        case let .file(e):
            return e.description
        case let .names(path, missing, unexpected, shapes, optimizer):
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing \(missing.count): \(missing.prefix(20).joined(separator: ", "))") }
            if !unexpected.isEmpty { parts.append("unexpected \(unexpected.count): \(unexpected.prefix(20).joined(separator: ", "))") }
            if !shapes.isEmpty { parts.append("other shapes \(shapes.count): \(shapes.prefix(5).joined(separator: ", "))") }
            return "\(path): checkpoint does not match the model\(optimizer ? "/optimizer" : ""); " + parts.joined(separator: "; ")
                + " (hint: same model\(optimizer ? ", options and optimizer" : " and options") as the run that wrote it?)"
        case let .tensor(path, name, expected, got):
            return "\(path): tensor '\(name)': expected \(expected), got \(got)"
        case let .metadata(path, key, expected, got):
            return "\(path): metadata '\(key)': expected \(expected), got \(got)"
        case let .nonFinite(path, name, index, value):
            return "\(path): tensor '\(name)' holds \(value) at index \(index); a checkpoint with non-finite values "
                + "cannot be trained on or evaluated (hint: resume from an earlier checkpoint or lower the learning rate)"
        case let .hookState(path, message):
            return "\(path): \(message)"
        case let .otherConditions(path, what):
            return "\(path): the run was checkpointed with \(what); resume with the configuration and data it started with, "
                + "or start a new run (--overwrite, or another --out)"
        case let .stateDict(path, model, problem):
            return "\(path): does not fit model \(model): \(problem) (hint: describe the model the weights were trained with: its config.json, --config FILE, or train's model flags)"
        }
    }
}
