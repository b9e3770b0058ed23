/// TFRecord framing, the container of TensorBoard's event files. Each record is
///
///     uint64 length (little-endian)
///     uint32 masked CRC-32C of those 8 length bytes
///     length bytes of data (here: one serialized `Event`)
///     uint32 masked CRC-32C of the data
///
/// so a reader detects a corrupt or truncated record by its checksums (`CRC32C.masked`).
public enum TFRecord {
    /// Bytes of framing around the data: 8 + 4 before, 4 after.
    public static let overhead = 16

    /// `data` framed as one record.
    public static func frame(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + overhead)
        let length = littleEndian(UInt64(data.count))
        out += length
        out += littleEndian(CRC32C.maskedChecksum(length))
        out += data
        out += littleEndian(CRC32C.maskedChecksum(data))
        return out
    }

    /// One record's data and where its record starts in the file.
    public struct Record: Sendable {
        public let offset: Int
        public let data: [UInt8]
    }

    /// The records of `bytes` (the contents of `path`), every checksum verified; throws at the
    /// first record that is truncated or fails its CRC.
    public static func records(_ bytes: [UInt8], path: String) throws(EventFileError) -> [Record] {
        let (records, failure) = validPrefix(bytes, path: path)
        if let failure { throw failure }
        return records
    }

    /// The records up to the first bad one, and why that one is bad (nil when all are good).
    public static func validPrefix(_ bytes: [UInt8], path: String) -> (records: [Record], failure: EventFileError?) {
        var records: [Record] = []
        var i = 0
        while i < bytes.count {
            guard bytes.count - i >= 12 else {
                return (records, .truncated(path: path, offset: i, expected: 12, got: bytes.count - i))
            }
            let lengthBytes = bytes[i..<(i + 8)]
            let storedLengthCRC = readUInt32(bytes, at: i + 8)
            let lengthCRC = CRC32C.maskedChecksum(lengthBytes)
            guard storedLengthCRC == lengthCRC else {
                return (records, .checksum(path: path, offset: i, part: "length", expected: storedLengthCRC, got: lengthCRC))
            }
            let length = lengthBytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let available = bytes.count - i - 12
            guard available >= 4, length <= UInt64(available - 4) else {
                let needed = length > UInt64(Int.max / 2) ? Int.max : Int(length) + 16
                return (records, .truncated(path: path, offset: i, expected: needed, got: bytes.count - i))
            }
            let n = Int(length)
            let data = Array(bytes[(i + 12)..<(i + 12 + n)])
            let storedDataCRC = readUInt32(bytes, at: i + 12 + n)
            let dataCRC = CRC32C.maskedChecksum(data)
            guard storedDataCRC == dataCRC else {
                return (records, .checksum(path: path, offset: i, part: "data", expected: storedDataCRC, got: dataCRC))
            }
            records.append(Record(offset: i, data: data))
            i += n + overhead
        }
        return (records, nil)
    }

    static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    static func readUInt32(_ bytes: [UInt8], at i: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[i + $1]) << (8 * UInt32($1)) }
    }
}
