/// Reads the fields of one Protocol Buffers message (the counterpart of `ProtobufWriter`), so
/// that MaskLab can check and filter its own event files without TensorBoard installed.
public struct ProtobufReader {
    /// One field as found on the wire.
    public enum Value: Equatable, Sendable {
        case varint(UInt64)
        case fixed64(UInt64)
        case bytes([UInt8])
        case fixed32(UInt32)
    }

    /// Why a message does not parse; `offset` is the byte offset inside the message.
    public struct Malformed: Error, Equatable, CustomStringConvertible {
        public let offset: Int
        public let reason: String
        public var description: String { "byte \(offset) of the message: \(reason)" }
    }

    /// Every field of `message`, in wire order: (field number, value).
    public static func fields(_ message: [UInt8]) throws(Malformed) -> [(field: Int, value: Value)] {
        var out: [(Int, Value)] = []
        var i = 0
        func varint() throws(Malformed) -> UInt64 {
            var v: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard i < message.count else { throw Malformed(offset: i, reason: "varint runs past the end (\(message.count) bytes)") }
                guard shift < 64 else { throw Malformed(offset: i, reason: "varint longer than ten bytes") }
                let b = message[i]
                i += 1
                v |= UInt64(b & 0x7F) << shift
                if b < 0x80 { return v }
                shift += 7
            }
        }
        func take(_ n: Int) throws(Malformed) -> ArraySlice<UInt8> {
            guard n >= 0, n <= message.count - i else {
                throw Malformed(offset: i, reason: "field needs \(n) bytes, \(message.count - i) left")
            }
            defer { i += n }
            return message[i..<(i + n)]
        }
        func littleEndian(_ n: Int) throws(Malformed) -> UInt64 {
            var v: UInt64 = 0
            for (k, b) in try take(n).enumerated() { v |= UInt64(b) << (8 * UInt64(k)) }
            return v
        }
        while i < message.count {
            let start = i
            let key = try varint()
            let field = Int(key >> 3)
            guard field > 0 else { throw Malformed(offset: start, reason: "field number 0") }
            switch key & 7 {
            case 0: out.append((field, .varint(try varint())))
            case 1: out.append((field, .fixed64(try littleEndian(8))))
            case 2:
                let n = try varint()
                guard n <= UInt64(message.count) else { throw Malformed(offset: start, reason: "length \(n) exceeds the message (\(message.count) bytes)") }
                out.append((field, .bytes(Array(try take(Int(n))))))
            case 5: out.append((field, .fixed32(UInt32(try littleEndian(4)))))
            default: throw Malformed(offset: start, reason: "wire type \(key & 7) (expected 0, 1, 2 or 5)")
            }
        }
        return out
    }
}

extension ProtobufReader.Value {
    /// The value of a `double` field.
    public var double: Double? { if case let .fixed64(v) = self { Double(bitPattern: v) } else { nil } }
    /// The value of a `float` field.
    public var float: Float? { if case let .fixed32(v) = self { Float(bitPattern: v) } else { nil } }
    /// The value of an integer or enum field.
    public var int: Int? { if case let .varint(v) = self { Int(Int64(bitPattern: v)) } else { nil } }
    /// The bytes of a `bytes`, `string` or message field.
    public var bytes: [UInt8]? { if case let .bytes(v) = self { v } else { nil } }
    /// The text of a `string` field.
    public var string: String? { bytes.map { String(decoding: $0, as: UTF8.self) } }
}
