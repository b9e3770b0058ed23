import Masks

/// Why `masklab masks compare` cannot compare its sources.
public enum MaskCompareError: Error, CustomStringConvertible {
    /// A source that is missing, unreadable or not a mask (what was expected in `message`).
    case source(path: String, message: String)
    /// `source`'s mask does not have the tensors of `reference`'s (the first difference).
    case mismatch(source: String, reference: String, difference: MaskAnalyticsError)
    /// A mask that does not fit the model its config describes.
    case model(path: String, difference: MaskAnalyticsError)
    /// Fewer than two sources, or an unusable option.
    case usage(String)
    /// The output folder cannot be taken or written (another command's folder, a live writer, a full disk).
    case folder(RunError)

    public var description: String {
        switch self {
        case let .source(path, message): return "\(path): \(message)"
        case let .mismatch(source, reference, difference):
            return "\(source) does not match \(reference): " + difference.describe(first: reference, second: source)
        case let .model(path, difference): return "\(path): \(difference) (hint: --config names the model the masks were made for)"
        case let .usage(message): return message
        case let .folder(error): return error.description
        }
    }
}
