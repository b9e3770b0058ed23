/// Why an event file cannot be read or written; offsets are bytes from the start of the file.
public enum EventFileError: Error, Equatable, CustomStringConvertible {
    case io(path: String, message: String)
    /// The file ends inside the record that starts at `offset`.
    case truncated(path: String, offset: Int, expected: Int, got: Int)
    /// A stored checksum (of the record's `length` or `data`) does not match the bytes.
    case checksum(path: String, offset: Int, part: String, expected: UInt32, got: UInt32)
    /// The record's payload is not an `Event` message.
    case malformed(path: String, offset: Int, reason: String)

    /// The file the error is about.
    public var path: String {
        switch self {
        case let .io(path, _), let .truncated(path, _, _, _), let .checksum(path, _, _, _, _), let .malformed(path, _, _): return path
        }
    }

    /// What is wrong with the file, without its path.
    public var reason: String {
        switch self {
        case let .io(_, message):
            return message
        case let .truncated(_, offset, expected, got):
            return "truncated record at byte \(offset): expected \(expected) bytes, got \(got) (a write cut short?)"
        case let .checksum(_, offset, part, expected, got):
            return "record at byte \(offset): masked CRC-32C of its \(part) is 0x\(String(got, radix: 16)), "
                + "the file stores 0x\(String(expected, radix: 16)) (the file is corrupt)"
        case let .malformed(_, offset, reason):
            return "record at byte \(offset) is not a TensorBoard event: \(reason)"
        }
    }

    public var description: String { "\(path): \(reason)" }
}
