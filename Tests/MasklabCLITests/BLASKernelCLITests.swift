import XCTest
import Foundation
import TensorCore
import TestSupport

/// The `masklab` binary picks OpenBLAS's kernel set at start-up (one re-execution) and records
/// it; a user's `OPENBLAS_CORETYPE` wins; the runs are reproducible under each choice.
final class BLASKernelCLITests: XCTestCase {
    private func blasLine(_ run: URL) throws -> String {
        let text = try String(contentsOf: run.appendingPathComponent("command.txt"), encoding: .utf8)
        return try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix("blas:") }.map(String.init), text)
    }

    func testTheBinaryRecordsTheKernelSetItChoseOrWasGiven() throws {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil else {
            throw XCTSkip("OPENBLAS_CORETYPE is set for the whole test run; the automatic choice cannot be observed")
        }
        let data = TemporaryDirectory("masklab-blas-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 120, test: 30, gzipped: true)
        let out = TemporaryDirectory("masklab-blas-out")
        let args = ["train", "--data", data.path, "--epochs", "1", "--batch-size", "10", "--hidden", "16", "--threads", "1", "--seed", "2"]
        // This test process loaded OpenBLAS without help: the binary must end with the upgrade, if any.
        let expected = BLASKernelChoice.recommended ?? BLASKernelChoice.current
        let auto = try CommandRunner.run(args + ["--out", out.file("auto").path], timeout: 120)
        XCTAssertEqual(auto.status, 0, "\(auto)")
        let autoLine = try blasLine(out.file("auto"))
        XCTAssertTrue(autoLine.contains(" \(expected) "), autoLine)

        let pinned = try CommandRunner.run(args + ["--out", out.file("pinned").path], environment: ["OPENBLAS_CORETYPE": "Prescott"], timeout: 120)
        XCTAssertEqual(pinned.status, 0, "\(pinned)")
        let pinnedLine = try blasLine(out.file("pinned"))
        XCTAssertTrue(pinnedLine.contains(" Prescott "), pinnedLine)

        let optOut = try CommandRunner.run(args + ["--out", out.file("opt-out").path], environment: ["MASKLAB_BLAS_AUTO": "0"], timeout: 120)
        XCTAssertEqual(optOut.status, 0, "\(optOut)")
        let optoutLine = try blasLine(out.file("opt-out"))
        XCTAssertTrue(optoutLine.contains(" \(BLASKernelChoice.current) "), optoutLine)

        // The same command twice under the automatic choice: the same metrics.
        let again = try CommandRunner.run(args + ["--out", out.file("again").path], timeout: 120)
        XCTAssertEqual(again.status, 0, "\(again)")
        func losses(_ name: String) throws -> [String] {
            try String(contentsOf: out.file(name).appendingPathComponent("metrics.csv"), encoding: .utf8)
                .split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).prefix(7).joined(separator: ",") }
        }
        XCTAssertEqual(try losses("auto"), try losses("again"))
    }
}
