/// Errors from reading or writing a safetensors file; each names the file, the byte offset,
/// what was expected and what was found.
public enum SafetensorsError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened, read or written.
    case unreadable(path: String, reason: String)
    /// The file ends before `expected` bytes starting at `offset` (only `got` remain).
    case truncated(path: String, offset: Int, expected: Int, got: Int)
    /// The size prefix or JSON header is malformed.
    case invalidHeader(path: String, offset: Int, expected: String, got: String)
    /// One tensor's header entry is malformed or its data range is wrong.
    case invalidTensor(path: String, name: String, offset: Int, expected: String, got: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "\(path): \(reason)"
        case let .truncated(path, offset, expected, got):
            return "\(path): truncated at byte \(offset): expected \(expected) bytes, got \(got) (hint: the file was cut short; was a copy interrupted?)"
        case let .invalidHeader(path, offset, expected, got):
            return "\(path): invalid safetensors header at byte \(offset): expected \(expected), got \(got) (hint: is this a safetensors file?)"
        case let .invalidTensor(path, name, offset, expected, got):
            return "\(path): tensor '\(name)' at byte \(offset): expected \(expected), got \(got)"
        }
    }
}
