import Foundation

/// Protocol Buffers wire format, written by hand for the few messages TensorBoard's event files
/// need (`TensorBoardEvent`).
///
/// Hand-written rather than `apple/swift-protobuf`: the messages are seven small ones with
/// scalar, string, packed-double and nested fields (about sixty lines here), while the package
/// would add a dependency, `protoc`-generated sources and its runtime to every build of the
/// command (minutes of compile time on a two-core machine) for no extra capability. The field
/// numbers are TensorBoard's (`tensorboard/compat/proto/{event,summary,tensor}.proto`,
/// `tensorboard/plugins/hparams/{plugin_data,api}.proto`) and are checked by the test that
/// reads the files back with TensorBoard itself.
///
/// Fields are appended in the order of the calls; a reader accepts any order. Only the wire
/// types used here exist: varint (0), 64-bit (1), length-delimited (2), 32-bit (5).
public struct ProtobufWriter {
    /// The serialized message so far.
    public private(set) var bytes: [UInt8] = []

    public init() {}

    /// Wire types, as the low three bits of a field's key.
    public enum WireType: UInt8, Sendable {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
    }

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func key(_ field: Int, _ type: WireType) {
        varint(UInt64(field) << 3 | UInt64(type.rawValue))
    }

    mutating func littleEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// `double` field.
    public mutating func double(_ field: Int, _ value: Double) {
        key(field, .fixed64)
        littleEndian(value.bitPattern)
    }

    /// `float` field.
    public mutating func float(_ field: Int, _ value: Float) {
        key(field, .fixed32)
        littleEndian(value.bitPattern)
    }

    /// `int64`/`int32`/enum field (negative values take ten bytes, as protobuf specifies).
    public mutating func int(_ field: Int, _ value: Int) {
        key(field, .varint)
        varint(UInt64(bitPattern: Int64(value)))
    }

    /// `bool` field.
    public mutating func bool(_ field: Int, _ value: Bool) {
        key(field, .varint)
        varint(value ? 1 : 0)
    }

    /// `bytes` field (also an embedded message's serialization).
    public mutating func bytes(_ field: Int, _ value: [UInt8]) {
        key(field, .lengthDelimited)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// `string` field (UTF-8).
    public mutating func string(_ field: Int, _ value: String) {
        bytes(field, Array(value.utf8))
    }

    /// Embedded message field, built by `body`.
    public mutating func message(_ field: Int, _ body: (inout ProtobufWriter) -> Void) {
        var inner = ProtobufWriter()
        body(&inner)
        bytes(field, inner.bytes)
    }

    /// `repeated double` field, packed (one length-delimited run of little-endian doubles).
    public mutating func packedDoubles(_ field: Int, _ values: [Double]) {
        key(field, .lengthDelimited)
        varint(UInt64(values.count * 8))
        for v in values { littleEndian(v.bitPattern) }
    }
}
