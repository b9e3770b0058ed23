import XCTest
import Foundation
import TestSupport

/// `--classes` through the real binary: a run on a class subset builds a k-class output layer,
/// records the selection in its config and synopsis, and a bad selection is refused with the reason.
final class ClassesCLITests: XCTestCase {
    func testTrainsOnAClassSubsetWithAKClassHead() throws {
        let data = TemporaryDirectory("masklab-classes")
        try DatasetFixtures.writeMNIST(to: data.url, train: 200, test: 50, gzipped: true)
        let out = TemporaryDirectory("masklab-classes-out")
        let r = try CommandRunner.run(["train", "--data", data.path, "--epochs", "1", "--batch-size", "10", "--hidden", "16",
                                       "--threads", "1", "--classes", "3,8,5", "--out", out.file("run").path], timeout: 240)
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertTrue(r.stdout.contains("mnist classes 3,8,5"), r.stdout)
        let config = try String(contentsOf: out.file("run/config.json"), encoding: .utf8)
        XCTAssertTrue(config.contains("\"classes\""), config)
        // The final layer has 3 outputs: its weight is [3, 16] in the checkpoint's header.
        let header = try safetensorsHeader(out.file("run/last.safetensors"))
        XCTAssertTrue(header.contains("\"shape\":[3,16]"), header)

        let bad = try CommandRunner.run(["train", "--data", data.path, "--epochs", "1", "--classes", "3,12",
                                         "--out", out.file("bad").path], timeout: 120)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("label 12 is outside 0…9"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.file("bad/config.json").path), "a refused run must not create its folder's files")
    }

    /// The JSON header of a safetensors file (8-byte little-endian length, then the header).
    private func safetensorsHeader(_ url: URL) throws -> String {
        let bytes = try Data(contentsOf: url)
        let n = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        return String(decoding: bytes.dropFirst(8).prefix(n), as: UTF8.self).replacingOccurrences(of: " ", with: "")
    }
}
