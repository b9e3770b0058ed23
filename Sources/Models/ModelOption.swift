import Layers

/// A model option that only some models read (`ModelEntry.unread` lists the ones a model
/// refuses rather than ignores).
public enum ModelOption: String, CaseIterable, Sendable {
    case hidden, width, batchNorm

    /// The option as set in `options`, as text; nil when not set.
    func value(in options: ModelOptions) -> String? {
        switch self {
        case .hidden: return options.hidden.map { $0.map(String.init).joined(separator: ",") }
        case .width: return options.width.map(String.init)
        case .batchNorm: return options.batchNorm.map(String.init)
        }
    }

    /// The command-line flag of the option.
    var flag: String {
        switch self {
        case .hidden: return "--hidden"
        case .width: return "--width"
        case .batchNorm: return "--batch-norm"
        }
    }

    /// The models that read it, in registry order (`ModelRegistry.settingReaders`).
    var readers: String {
        ModelRegistry.settingReaders.readers(of: rawValue).joined(separator: ", ")
    }

    /// `options` without this option.
    public func removed(from options: ModelOptions) -> ModelOptions {
        var o = options
        switch self {
        case .hidden: o.hidden = nil
        case .width: o.width = nil
        case .batchNorm: o.batchNorm = nil
        }
        return o
    }
}
