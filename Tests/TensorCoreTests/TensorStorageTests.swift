import XCTest
@testable import TensorCore

/// `TensorStorage`: zeroed, aligned, and — at `lazyThresholdBytes` and above — resident only where written.
final class TensorStorageTests: XCTestCase {
    /// This process's resident set (`VmRSS`), bytes; nil without procfs.
    private func residentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        let line = text.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
        return line.flatMap { $0.split(separator: " ").compactMap { Int($0) }.first }.map { $0 * 1024 }
    }

    func testSmallAndLargeStoragesAreZeroedAlignedAndWritable() {
        for count in [0, 1, 17, TensorStorage.lazyThresholdBytes / 4 - 1, TensorStorage.lazyThresholdBytes / 4, 3_000_001] {
            let s = TensorStorage(count: count)
            XCTAssertEqual(s.isMapped, count * 4 >= TensorStorage.lazyThresholdBytes, "count \(count)")
            XCTAssertEqual(Int(bitPattern: s.base) % 64, 0, "64-byte aligned, count \(count)")
            var nonzero = 0
            for i in 0..<count where s.base[i] != 0 { nonzero += 1 }
            XCTAssertEqual(nonzero, 0, "zero-initialised, count \(count)")
            if count > 1 {
                s.base[count - 1] = 2.5
                s.base[0] = -1
                XCTAssertEqual(s.base[count - 1], 2.5)
                XCTAssertEqual(s.base[0], -1)
            }
        }
    }

    /// A 512 MB storage costs no resident memory until written, and then only the pages written:
    /// what lets a network prepared for an evaluation batch of 1000 train on 128 without keeping
    /// 1000 images' backward buffers resident.
    func testALargeStorageIsResidentOnlyWhereWritten() throws {
        guard let before = residentBytes() else { throw XCTSkip("no /proc/self/status on this system") }
        let count = 128 << 20   // 512 MB of floats
        let s = TensorStorage(count: count)
        let allocated = try XCTUnwrap(residentBytes()) - before
        XCTAssertLessThan(allocated, 32 << 20, "an unwritten 512 MB storage is not resident (RSS grew \(allocated) bytes)")
        let eighth = count / 8
        for i in stride(from: 0, to: eighth, by: 1024) { s.base[i] = 1 }   // one write per 4 KB page of the first 64 MB
        let written = try XCTUnwrap(residentBytes()) - before
        XCTAssertGreaterThan(written, 60 << 20, "writing 64 MB makes it resident (RSS grew \(written) bytes)")
        XCTAssertLessThan(written, 128 << 20, "only the pages written are resident (RSS grew \(written) bytes)")
        XCTAssertEqual(s.base[count - 1], 0)
    }
}
