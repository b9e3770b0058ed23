/// Why an event file cannot be read or written; offsets are bytes from the start of the file.
public enum EventFileError: Error, Equatable, CustomStringConvertible {
    case io(path: String, message: String)
    /// The file ends inside the record that starts at `offset`.
    case truncated(path: String, offset: Int, expected: Int, got: Int)
    /// A stored checksum (of the record's `length` or `data`) does not match the bytes.
    case checksum(path: String, offset: Int, part: String, expected: UInt32, got: UInt32)
    /// The record's payload is not an `Event` message.
    case malformed(path: String, offset: Int, reason: String)

    public var description: String {
        switch self {
        case let .io(path, message):
            return "\(path): \(message)"
        case let .truncated(path, offset, expected, got):
            return "\(path): truncated record at byte \(offset): expected \(expected) bytes, got \(got) (a write cut short?)"
        case let .checksum(path, offset, part, expected, got):
            return "\(path): record at byte \(offset): masked CRC-32C of its \(part) is 0x\(String(got, radix: 16)), "
                + "the file stores 0x\(String(expected, radix: 16)) (the file is corrupt)"
        case let .malformed(path, offset, reason):
            return "\(path): record at byte \(offset) is not a TensorBoard event: \(reason)"
        }
    }
}
