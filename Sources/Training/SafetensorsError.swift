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

    /// The data buffer's xxHash64 is not the one recorded in the metadata when the file was
    /// written (`SafetensorsFile.checksumKey`): some byte of the tensor data changed since.
    case checksum(path: String, bytes: Int, recorded: String, computed: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "\(path): \(reason)"
        case let .truncated(path, offset, expected, got):
            return "\(path): truncated at byte \(offset): expected \(expected) bytes, got \(got) (hint: the file was cut short; was a copy interrupted?)"
        case let .invalidHeader(path, offset, expected, got):
            return "\(path): invalid safetensors header at byte \(offset): expected \(expected), got \(got) (hint: is this a safetensors file?)"
        case let .checksum(path, bytes, recorded, computed):
            return "\(path): the tensor data does not match its checksum (\(SafetensorsFile.checksumKey) \(recorded) recorded when the file "
                + "was written, \(computed) computed over its \(bytes) data bytes): the file was damaged after it was written "
                + "(hint: restore it from a copy, or resume from an earlier checkpoint)"
        case let .invalidTensor(path, name, offset, expected, got):
            return "\(path): tensor '\(name)' at byte \(offset): expected \(expected), got \(got)"
        }
    }
}
