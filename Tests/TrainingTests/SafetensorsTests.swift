import XCTest
import TestSupport
@testable import Training

/// The safetensors reader and writer: round trip, the reference layout, and every corrupt-file error.
final class SafetensorsTests: XCTestCase {
    private func sample() -> SafetensorsFile {
        SafetensorsFile(tensors: [
            SafetensorsTensor(name: "fc1.weight", shape: [2, 3], floats: [1, -2, 3.5, .pi, -0.0, 1e-30]),
            SafetensorsTensor(name: "bn1.num_batches_tracked", shape: [], int64s: [123_456_789_012]),
            SafetensorsTensor(name: "hook.rng", rawBytes: [0, 1, 2, 255, 7]),
            SafetensorsTensor(name: "empty", shape: [0, 4], floats: []),
        ], metadata: ["step": "42", "quote\"d": "line\nbreak \\ ü"])
    }

    func testRoundTripThroughFile() throws {
        let dir = TemporaryDirectory()
        let url = dir.file("t.safetensors")
        try sample().write(to: url)
        let back = try SafetensorsFile.read(from: url)
        XCTAssertEqual(back.metadata, sample().metadata)
        for t in sample().tensors { XCTAssertEqual(back[t.name], t, t.name) }
        let values: [Float] = [1, -2, 3.5, .pi, -0.0, 1e-30]
        XCTAssertEqual(back["fc1.weight"]?.floats.map(\.bitPattern), values.map(\.bitPattern))
        XCTAssertEqual(back["bn1.num_batches_tracked"]?.int64s, [123_456_789_012])
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: dir.path).contains { $0.hasSuffix(".tmp") })
    }

    /// Byte-identical to the reference implementation: these bytes are what
    /// `safetensors.numpy.save` (safetensors 0.8.0) writes for the same tensors and metadata —
    /// size prefix, header padded with spaces to 8 bytes, tensors ordered by element size then
    /// name, offsets relative to the data buffer, `__metadata__` first with sorted keys.
    func testBytesMatchReferenceImplementation() throws {
        let file = SafetensorsFile(tensors: [
            SafetensorsTensor(name: "b", shape: [2], floats: [1, 2]),
            SafetensorsTensor(name: "a", rawBytes: [9]),
            SafetensorsTensor(name: "c", shape: [], int64s: [5]),
        ])
        let header = #"{"c":{"dtype":"I64","shape":[],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},"a":{"dtype":"U8","shape":[1],"data_offsets":[16,17]}}       "#
        XCTAssertEqual(file.encoded(checksum: false), [168, 0, 0, 0, 0, 0, 0, 0] + Array(header.utf8)
                       + [5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 9])

        let withMetadata = SafetensorsFile(tensors: [SafetensorsTensor(name: "x", shape: [2, 3], floats: [Float](repeating: 0, count: 6))],
                                           metadata: ["step": "42", "k": "v"])
        let header2 = #"{"__metadata__":{"k":"v","step":"42"},"x":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}  "#
        XCTAssertEqual(withMetadata.encoded(checksum: false), [UInt8(header2.utf8.count), 0, 0, 0, 0, 0, 0, 0] + Array(header2.utf8)
                       + [UInt8](repeating: 0, count: 24))
        XCTAssertEqual(try SafetensorsFile.decode(withMetadata.encoded(checksum: false), path: "m"), withMetadata)

        // With the checksum (what MaskLab writes): one more metadata string, in its sorted place,
        // so the file is what the reference writer writes for that metadata.
        let sum = XXHash64.hex(XXHash64.hash([UInt8](repeating: 0, count: 24)))
        let header3 = #"{"__metadata__":{"data_xxh64":""# + sum + #"","k":"v","step":"42"},"x":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}  "#
        XCTAssertEqual(withMetadata.encoded(), [UInt8(header3.utf8.count), 0, 0, 0, 0, 0, 0, 0] + Array(header3.utf8)
                       + [UInt8](repeating: 0, count: 24))
        XCTAssertEqual(try SafetensorsFile.decode(withMetadata.encoded(), path: "m"), withMetadata, "the checksum is verified and not returned as metadata")
    }

    /// The cheap first-bytes test agrees with the full reader on what may be safetensors: every
    /// file the writer makes passes, and text, a short file, a zero or oversized header length
    /// and a header not starting with "{" fail.
    func testMayStartAcceptsWrittenFilesAndRefusesOtherKinds() {
        let written = sample().encoded()
        XCTAssertEqual(SafetensorsFile.headerLength(written), UInt64(written[0]) | UInt64(written[1]) << 8)
        XCTAssertTrue(SafetensorsFile.mayStart(Array(written.prefix(9))))
        XCTAssertTrue(SafetensorsFile.mayStart(SafetensorsFile(tensors: []).encoded()))
        XCTAssertNil(SafetensorsFile.headerLength([1, 2, 3]))
        XCTAssertFalse(SafetensorsFile.mayStart(Array("root:x:0:0:root:/root:/bin/bash\n".utf8)))
        XCTAssertFalse(SafetensorsFile.mayStart(Array(written.prefix(8))), "8 bytes cannot hold the header's first character")
        XCTAssertFalse(SafetensorsFile.mayStart([1, 0, 0, 0, 0, 0, 0, 0, UInt8(ascii: "{")]), "a 1-byte header cannot be a JSON object")
        let tooLong = UInt64(SafetensorsFile.maximumHeaderSize) + 1
        XCTAssertFalse(SafetensorsFile.mayStart((0..<8).map { UInt8(truncatingIfNeeded: tooLong >> (8 * UInt64($0))) } + [UInt8(ascii: "{")]))
        var notJSON = written; notJSON[8] = UInt8(ascii: "[")
        XCTAssertFalse(SafetensorsFile.mayStart(notJSON))
    }

    // MARK: Data checksum

    /// Review item: a flipped bit in a checkpoint's tensor data was accepted. Every single-bit
    /// change of the data buffer of a file MaskLab wrote is now refused, naming the file and the
    /// checksum; the same change in a file without a checksum (as PyTorch writes) loads as before.
    func testEveryFlippedDataBitIsRefusedWhenTheFileHasAChecksum() throws {
        let good = sample().encoded()
        let dataStart = 8 + Int(good[0]) + Int(good[1]) << 8
        let read = try SafetensorsFile.decode(good, path: "x.safetensors")
        XCTAssertEqual(read.metadata, sample().metadata)
        for t in sample().tensors { XCTAssertEqual(read[t.name], t, t.name) }
        for byte in dataStart..<good.count {
            for bit in 0..<8 {
                var bad = good
                bad[byte] ^= UInt8(1) << UInt8(bit)
                expectError(bad) {
                    if case .checksum("x.safetensors", good.count - dataStart, _, _) = $0 { return true } else { return false }
                }
            }
        }
        var bad = good
        bad[good.count - 1] ^= 1
        do {
            _ = try SafetensorsFile.decode(bad, path: "x.safetensors")
            XCTFail("a damaged file was read")
        } catch {
            XCTAssertTrue(error.description.contains("x.safetensors: the tensor data does not match its checksum"), error.description)
        }

        var plain = sample().encoded(checksum: false)
        plain[plain.count - 1] ^= 1
        let damaged = try SafetensorsFile.decode(plain, path: "x.safetensors")
        XCTAssertEqual(damaged.metadata, sample().metadata)
        XCTAssertNotEqual(damaged["hook.rng"], sample()["hook.rng"], "without a checksum the changed byte is read as it is")
    }

    func testAMalformedChecksumIsAHeaderError() {
        for value in ["", "12345", "zzzzzzzzzzzzzzzz", "00000000000000000"] {
            let header = #"{"__metadata__":{"data_xxh64":""# + value + #""},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
            expectError(file(header: header, data: [UInt8](repeating: 0, count: 8))) {
                if case .invalidHeader(_, 8, _, "\"\(value)\"") = $0 { return true } else { return false }
            }
        }
    }

    // MARK: Corrupt files

    /// A file from a raw header string and data bytes.
    private func file(header: String, data: [UInt8], size: UInt64? = nil) -> [UInt8] {
        let h = Array(header.utf8)
        var out: [UInt8] = []
        withUnsafeBytes(of: (size ?? UInt64(h.count)).littleEndian) { out += $0 }
        return out + h + data
    }

    private func expectError(_ bytes: [UInt8], _ check: (SafetensorsError) -> Bool, file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try SafetensorsFile.decode(bytes, path: "x.safetensors")
            XCTFail("decoded a corrupt file", file: file, line: line)
        } catch {
            XCTAssertTrue(check(error), "unexpected error: \(error)", file: file, line: line)
            XCTAssertTrue(error.description.hasPrefix("x.safetensors"), error.description, file: file, line: line)
        }
    }

    func testEachCorruptFileError() {
        let good = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        let data = [UInt8](repeating: 0, count: 8)
        XCTAssertNoThrow(try SafetensorsFile.decode(file(header: good, data: data), path: "x"))

        expectError([1, 2, 3]) { $0 == .truncated(path: "x.safetensors", offset: 0, expected: 8, got: 3) }
        expectError(file(header: good, data: data, size: 1 << 40)) {
            if case .invalidHeader(_, 0, _, "1099511627776") = $0 { return true } else { return false }
        }
        expectError(file(header: good, data: data, size: 500)) {
            $0 == .truncated(path: "x.safetensors", offset: 8, expected: 500, got: good.utf8.count + 8)
        }
        expectError(file(header: "not json", data: data)) { if case .invalidHeader(_, 8, _, _) = $0 { return true } else { return false } }
        expectError(file(header: #"{"__metadata__":{"k":1}}"#, data: [])) {
            if case .invalidHeader(_, 8, _, _) = $0 { return true } else { return false }
        }
        expectError(file(header: #"{"a":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0])) {
            if case let .invalidTensor(_, "a", _, _, got) = $0 { return got.hasPrefix("BF16") && got.contains("model.float()") } else { return false }
        }
        expectError(file(header: #"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0])) {
            if case .invalidTensor(_, "a", _, _, _) = $0 { return true } else { return false }
        }
        expectError(file(header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: data)) {
            if case .invalidTensor(_, "a", _, "12 bytes for F32 [3]", "8 bytes") = $0 { return true } else { return false }
        }
        expectError(file(header: good, data: [0, 0, 0])) {
            if case .invalidTensor(_, "a", _, _, "[0, 8]") = $0 { return true } else { return false }
        }
        expectError(file(header: good, data: data + [1, 2])) {
            if case .invalidHeader(_, _, _, "2 trailing bytes") = $0 { return true } else { return false }
        }
        let gap = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        expectError(file(header: gap, data: [UInt8](repeating: 0, count: 12))) {
            if case .invalidTensor(_, "b", _, _, "8") = $0 { return true } else { return false }
        }
        let overlap = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        expectError(file(header: overlap, data: data)) { if case .invalidTensor = $0 { return true } else { return false } }
        XCTAssertThrowsError(try SafetensorsFile.read(from: URL(fileURLWithPath: "/nonexistent/x.safetensors"))) { error in
            guard case SafetensorsError.unreadable(path: "/nonexistent/x.safetensors", _) = error else { return XCTFail("\(error)") }
        }
    }

    /// Issue 12: a shape whose byte count overflows `Int` trapped; offsets past the end of the file
    /// were subtracted before being checked. Each is refused with the tensor's name and the shape
    /// or offsets found.
    func testShapesAndOffsetsThatDoNotFitTheFileNameTheTensor() {
        let data = [UInt8](repeating: 0, count: 8)
        let cases: [(header: String, got: String)] = [
            (#"{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}"#, "[4294967296, 4294967296]"),
            (#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,9223372036854775807]}}"#, "[0, 9223372036854775807]"),
            (#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[9223372036854775800,9223372036854775807]}}"#,
             "[9223372036854775800, 9223372036854775807]"),
        ]
        for c in cases {
            expectError(file(header: c.header, data: data)) {
                if case let .invalidTensor(_, "w", _, expected, got) = $0 { return got == c.got && expected.contains("8-byte") }
                return false
            }
        }
    }
}
