import Foundation
import Options

#if _endian(big)
#error("Safetensors stores little-endian data; MaskLab copies host memory directly and assumes a little-endian host")
#endif

/// The element types MaskLab reads and writes in safetensors files.
public enum SafetensorsDType: String, Sendable, Equatable, CaseIterable {
    case f32 = "F32", i64 = "I64", u8 = "U8"

    /// Bytes per element.
    public var size: Int {
        switch self { case .f32: return 4; case .i64: return 8; case .u8: return 1 }
    }
}

/// One named tensor of a safetensors file: dtype, shape and its raw little-endian bytes.
public struct SafetensorsTensor: Sendable, Equatable {
    public let name: String
    public let dtype: SafetensorsDType
    /// Dimensions, outermost first; `[]` is a scalar (one element).
    public let shape: [Int]
    /// `shape.product × dtype.size` bytes, little-endian.
    public let bytes: [UInt8]

    /// Number of elements (1 for a scalar).
    public var count: Int { shape.reduce(1, *) }

    /// A tensor from raw bytes (their count must be `count × dtype.size`).
    public init(name: String, dtype: SafetensorsDType, shape: [Int], bytes: [UInt8]) {
        precondition(shape.reduce(1, *) * dtype.size == bytes.count,
                     "safetensors tensor \(name): \(bytes.count) bytes do not fit \(dtype.rawValue) \(shape)")
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// An F32 tensor copied from `values` (`count` floats at `values`).
    public init(name: String, shape: [Int], floats values: UnsafePointer<Float>, count: Int) {
        let raw = UnsafeRawBufferPointer(start: values, count: count * 4)
        self.init(name: name, dtype: .f32, shape: shape, bytes: Array(raw))
    }

    /// An F32 tensor from an array.
    public init(name: String, shape: [Int], floats values: [Float]) {
        self.init(name: name, dtype: .f32, shape: shape, bytes: values.withUnsafeBytes { Array($0) })
    }

    /// An I64 tensor from an array (`[]` shape with one value for a scalar).
    public init(name: String, shape: [Int], int64s values: [Int64]) {
        self.init(name: name, dtype: .i64, shape: shape, bytes: values.withUnsafeBytes { Array($0) })
    }

    /// A one-dimensional U8 tensor holding `bytes` (e.g. a random generator's state).
    public init(name: String, rawBytes: [UInt8]) {
        self.init(name: name, dtype: .u8, shape: [rawBytes.count], bytes: rawBytes)
    }

    /// The elements as floats (F32 only).
    public var floats: [Float] {
        precondition(dtype == .f32, "\(name) is \(dtype.rawValue), not F32")
        return bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    /// The elements as 64-bit integers (I64 only).
    public var int64s: [Int64] {
        precondition(dtype == .i64, "\(name) is \(dtype.rawValue), not I64")
        return bytes.withUnsafeBytes { raw in (0..<count).map { raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self) } }
    }

    /// The first NaN or infinite F32 element and its flat index, or nil (nil for other dtypes).
    public func firstNonFinite() -> (index: Int, value: Float)? {
        guard dtype == .f32 else { return nil }
        return bytes.withUnsafeBytes { raw in
            for i in 0..<count {
                let x = raw.loadUnaligned(fromByteOffset: i * 4, as: Float.self)
                if !x.isFinite { return (i, x) }
            }
            return nil
        }
    }

    /// Copies the F32 elements to `destination` (`count` floats).
    public func copyFloats(to destination: UnsafeMutablePointer<Float>) {
        precondition(dtype == .f32, "\(name) is \(dtype.rawValue), not F32")
        bytes.withUnsafeBytes { UnsafeMutableRawPointer(destination).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }
}

/// A safetensors file (https://github.com/huggingface/safetensors) in memory.
///
/// Layout: an 8-byte little-endian unsigned header size `n`; `n` bytes of UTF-8 JSON
/// `{"__metadata__": {string: string}, name: {"dtype", "shape", "data_offsets": [begin, end]}, …}`
/// padded with spaces to a multiple of 8 bytes (as the reference writer does); then the data
/// buffer, where each tensor occupies `[begin, end)` relative to the buffer's start. Tensors are
/// written sorted by element size (largest first) and then by name, as the reference writer
/// does, so every tensor is aligned to its element size. The reader requires the byte ranges to
/// tile the data buffer exactly (no gaps, overlaps or trailing bytes), as the reference does.
public struct SafetensorsFile: Sendable, Equatable {
    /// Tensors in file (data) order.
    public var tensors: [SafetensorsTensor]
    /// The `__metadata__` string map (empty when absent).
    public var metadata: [String: String]

    /// The reference implementation's limit on the header size (100 MB).
    public static let maximumHeaderSize = 100_000_000

    public init(tensors: [SafetensorsTensor] = [], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The tensor called `name`, if present.
    public subscript(name: String) -> SafetensorsTensor? { tensors.first { $0.name == name } }

    // MARK: - Writing

    /// The metadata key of the data checksum MaskLab writes: the xxHash64 (`XXHash64`) of the
    /// whole data buffer as 16 lowercase hex digits. `decode` verifies it when present (a file
    /// without it, e.g. one PyTorch wrote, is read as before) and leaves it out of `metadata`.
    public static let checksumKey = "data_xxh64"

    /// The file's bytes. With `checksum` (MaskLab's files) the metadata also holds the data
    /// checksum under `checksumKey`; without, the bytes are exactly those of the reference writer.
    /// A `checksumKey` entry in `metadata` is never copied: it would not describe these bytes.
    public func encoded(checksum: Bool = true) -> [UInt8] {
        precondition(Set(tensors.map(\.name)).count == tensors.count, "duplicate tensor names in safetensors file")
        let ordered = tensors.sorted { a, b in
            a.dtype.size != b.dtype.size ? a.dtype.size > b.dtype.size : a.name < b.name
        }
        var meta = metadata
        // A placeholder of the checksum's width, overwritten once the data is in place.
        meta[Self.checksumKey] = checksum ? String(repeating: "0", count: 16) : nil
        var header = "{"
        var checksumOffset: Int?
        if !meta.isEmpty {
            header += "\"__metadata__\":{"
            for (i, key) in meta.keys.sorted().enumerated() {
                header += (i > 0 ? "," : "") + Self.quote(key) + ":"
                if key == Self.checksumKey { checksumOffset = header.utf8.count + 1 }
                header += Self.quote(meta[key]!)
            }
            header += "}"
        }
        var offset = 0
        for (i, t) in ordered.enumerated() {
            let shape = t.shape.map(String.init).joined(separator: ",")
            header += (i > 0 || !meta.isEmpty ? "," : "")
                + "\(Self.quote(t.name)):{\"dtype\":\"\(t.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + t.bytes.count)]}"
            offset += t.bytes.count
        }
        header += "}"
        var headerBytes = Array(header.utf8)
        headerBytes += Array(repeating: UInt8(ascii: " "), count: (8 - headerBytes.count % 8) % 8)
        var out: [UInt8] = []
        out.reserveCapacity(8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { out += $0 }
        out += headerBytes
        for t in ordered { out += t.bytes }
        if let checksumOffset {
            let dataStart = 8 + headerBytes.count
            let digits = Array(XXHash64.hex(out.withUnsafeBytes { XXHash64.hash(UnsafeRawBufferPointer(rebasing: $0[dataStart...])) }).utf8)
            out.replaceSubrange((8 + checksumOffset)..<(8 + checksumOffset + digits.count), with: digits)
        }
        return out
    }

    /// Writes the file atomically: to a temporary file in the same folder, then renamed over `url`,
    /// so a reader (or a crash) never sees a half-written checkpoint; with the data checksum
    /// unless `checksum` is false (see `encoded`). A failed write or rename removes the temporary
    /// file (a full disk must not stay full of a partial checkpoint).
    public func write(to url: URL, checksum: Bool = true) throws(SafetensorsError) {
        let bytes = encoded(checksum: checksum)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            try Data(bytes).write(to: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw .unreadable(path: temporary.path, reason: "cannot write: \(error.localizedDescription)")
        }
        if rename(temporary.path, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw .unreadable(path: url.path, reason: "cannot rename \(temporary.lastPathComponent) into place: \(reason)")
        }
    }

    // MARK: - Reading

    /// Reads and validates the file at `url`.
    public static func read(from url: URL) throws(SafetensorsError) -> SafetensorsFile {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadable(path: url.path, reason: error.localizedDescription)
        }
        return try decode([UInt8](data), path: url.path)
    }

    /// The header length a safetensors file starts with: its first 8 bytes as a little-endian
    /// integer, nil when there are fewer.
    public static func headerLength(_ bytes: some Collection<UInt8>) -> UInt64? {
        guard bytes.count >= 8 else { return nil }
        var n: UInt64 = 0
        for (i, b) in bytes.prefix(8).enumerated() { n |= UInt64(b) << (8 * UInt64(i)) }
        return n
    }

    /// Whether `head`, a file's first 9 bytes or more, can start a safetensors file: a header
    /// length in 2 … `maximumHeaderSize` followed by "{". The cheap test used to refuse a file of
    /// another kind before reading it whole; `decode` gives the precise reason.
    public static func mayStart(_ head: [UInt8]) -> Bool {
        guard head.count >= 9, let n = headerLength(head) else { return false }
        return n >= 2 && n <= UInt64(maximumHeaderSize) && head[8] == UInt8(ascii: "{")
    }

    /// Parses and validates a file's bytes; `path` names the file in errors. The data checksum
    /// (`checksumKey`), when the metadata holds one, must match the data buffer.
    public static func decode(_ bytes: [UInt8], path: String) throws(SafetensorsError) -> SafetensorsFile {
        guard let n64 = headerLength(bytes) else { throw .truncated(path: path, offset: 0, expected: 8, got: bytes.count) }
        guard n64 <= UInt64(maximumHeaderSize) else {
            throw .invalidHeader(path: path, offset: 0, expected: "header size ≤ \(maximumHeaderSize) bytes", got: "\(n64)")
        }
        let n = Int(n64)
        guard bytes.count - 8 >= n else { throw .truncated(path: path, offset: 8, expected: n, got: bytes.count - 8) }
        let headerBytes = bytes[8..<(8 + n)]
        guard headerBytes.first == UInt8(ascii: "{"),
              let object = try? JSONSerialization.jsonObject(with: Data(headerBytes)),
              let header = object as? [String: Any] else {
            let preview = String(decoding: headerBytes.prefix(40), as: UTF8.self)
            throw .invalidHeader(path: path, offset: 8, expected: "a UTF-8 JSON object", got: "\"\(preview)\"")
        }
        let dataStart = 8 + n
        let dataLength = bytes.count - dataStart
        var metadata: [String: String] = [:]
        if let raw = header["__metadata__"] {
            guard let map = raw as? [String: Any] else {
                throw .invalidHeader(path: path, offset: 8, expected: "__metadata__ as a map of strings", got: "\(type(of: raw))")
            }
            for (k, v) in map {
                guard let s = v as? String else {
                    throw .invalidHeader(path: path, offset: 8, expected: "__metadata__[\(k)] as a string", got: "\(v)")
                }
                metadata[k] = s
            }
        }
        struct Entry { let name: String; let dtype: SafetensorsDType; let shape: [Int]; let begin: Int; let end: Int }
        var entries: [Entry] = []
        for (name, raw) in header where name != "__metadata__" {
            guard let fields = raw as? [String: Any] else {
                throw .invalidTensor(path: path, name: name, offset: 8, expected: "an object with dtype, shape, data_offsets", got: "\(raw)")
            }
            guard let d = fields["dtype"] as? String else {
                throw .invalidTensor(path: path, name: name, offset: 8, expected: "a dtype string", got: "\(fields["dtype"] ?? "nothing")")
            }
            guard let dtype = SafetensorsDType(rawValue: d) else {
                throw .invalidTensor(path: path, name: name, offset: 8,
                                     expected: "dtype " + SafetensorsDType.allCases.map(\.rawValue).joined(separator: ", "),
                                     got: d + (["F64", "F16", "BF16"].contains(d) ? " (weights are read as F32: save them after model.float())" : ""))
            }
            guard let shape = integers(fields["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
                throw .invalidTensor(path: path, name: name, offset: 8, expected: "shape as non-negative integers", got: "\(fields["shape"] ?? "nothing")")
            }
            guard let offsets = integers(fields["data_offsets"]), offsets.count == 2, offsets[0] >= 0, offsets[1] >= offsets[0] else {
                throw .invalidTensor(path: path, name: name, offset: 8, expected: "data_offsets [begin, end] with 0 ≤ begin ≤ end",
                                     got: "\(fields["data_offsets"] ?? "nothing")")
            }
            // Every size is checked against the file before any arithmetic that could overflow.
            guard offsets[1] <= dataLength else {
                throw .invalidTensor(path: path, name: name, offset: 8,
                                     expected: "data_offsets inside the \(dataLength)-byte data buffer (was the file cut short?)",
                                     got: "\(offsets)")
            }
            guard let size = byteCount(shape, dtype) else {
                throw .invalidTensor(path: path, name: name, offset: 8,
                                     expected: "a shape whose \(dtype.rawValue) byte count fits an Int (the \(dataLength)-byte data buffer)",
                                     got: "\(shape)")
            }
            guard offsets[1] - offsets[0] == size else {
                throw .invalidTensor(path: path, name: name, offset: dataStart + offsets[0],
                                     expected: "\(size) bytes for \(dtype.rawValue) \(shape)", got: "\(offsets[1] - offsets[0]) bytes")
            }
            entries.append(Entry(name: name, dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1]))
        }
        entries.sort { $0.begin != $1.begin ? $0.begin < $1.begin : $0.end < $1.end }
        var cursor = 0
        for e in entries {
            guard e.begin == cursor else {
                throw .invalidTensor(path: path, name: e.name, offset: dataStart + e.begin,
                                     expected: "data beginning at buffer offset \(cursor) (ranges must tile the buffer)", got: "\(e.begin)")
            }
            cursor = e.end
        }
        guard cursor <= dataLength else { throw .truncated(path: path, offset: dataStart, expected: cursor, got: dataLength) }
        guard cursor == dataLength else {
            throw .invalidHeader(path: path, offset: dataStart + cursor, expected: "end of file after \(cursor) data bytes",
                                 got: "\(dataLength - cursor) trailing bytes")
        }
        if let recorded = metadata.removeValue(forKey: checksumKey) {
            guard recorded.utf8.count == 16, let expected = UInt64(recorded, radix: 16) else {
                throw .invalidHeader(path: path, offset: 8, expected: "__metadata__[\(checksumKey)] as 16 hex digits", got: "\"\(recorded)\"")
            }
            let computed = bytes.withUnsafeBytes { XXHash64.hash(UnsafeRawBufferPointer(rebasing: $0[dataStart...])) }
            guard computed == expected else {
                throw .checksum(path: path, bytes: dataLength, recorded: recorded, computed: XXHash64.hex(computed))
            }
        }
        let tensors = entries.map { e in
            SafetensorsTensor(name: e.name, dtype: e.dtype, shape: e.shape,
                              bytes: Array(bytes[(dataStart + e.begin)..<(dataStart + e.end)]))
        }
        return SafetensorsFile(tensors: tensors, metadata: metadata)
    }

    /// Bytes of a `dtype` tensor of `shape`, or nil when the product overflows `Int`.
    static func byteCount(_ shape: [Int], _ dtype: SafetensorsDType) -> Int? {
        var bytes = dtype.size
        for d in shape {
            let (product, overflow) = bytes.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            bytes = product
        }
        return bytes
    }

    /// A JSON array of integers, or nil.
    private static func integers(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        var out: [Int] = []
        for v in array {
            if let i = v as? Int {
                out.append(i)
            } else if let d = v as? Double, let i = Int(exactly: d) {
                out.append(i)
            } else {
                return nil
            }
        }
        return out
    }

    /// A JSON string literal (`ConfigText.quoted`).
    static func quote(_ s: String) -> String { ConfigText.quoted(s) }
}
