import XCTest
import Foundation
import TestSupport

/// `--mask l1|l0|vd` through the real binary on a tiny generated MNIST: the runs train, log
/// their sparsity and end sparse; bad options are refused with the reason.
final class LearnedSparsityCLITests: XCTestCase {
    private func masklab(_ args: [String]) throws -> CommandRunner.Result {
        try CommandRunner.run(args, directory: nil, environment: [:], timeout: 240)
    }

    private let base = ["train", "--epochs", "1", "--batch-size", "32", "--hidden", "16", "--threads", "1", "--seed", "3", "--lr", "0.05"]

    func testLearnedSparsityRunsEndSparseAndBadOptionsAreRefused() throws {
        let data = TemporaryDirectory("masklab-sparsity-cli-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
        let out = TemporaryDirectory("masklab-sparsity-cli-out")
        let l1 = try masklab(base + ["--data", data.path, "--out", out.file("l1").path, "--mask", "l1", "--l1-lambda", "0.01",
                                     "--l1-target-sparsity", "0.6"])
        XCTAssertEqual(l1.status, 0, "\(l1)")
        let rows = try String(contentsOf: out.file("l1/sparsity.csv"), encoding: .utf8).split(separator: "\n")
        let final = try XCTUnwrap(rows.last).split(separator: ",")
        XCTAssertEqual(final[2], "final")
        XCTAssertEqual(final[3], "all")
        XCTAssertEqual(try XCTUnwrap(Double(final[6])), 0.6, accuracy: 0.001, "final threshold to the target: \(rows)")
        for name in ["l0", "vd"] {
            let r = try masklab(base + ["--data", data.path, "--out", out.file(name).path, "--mask", name, "--optimizer", "adam", "--lr", "0.001"])
            XCTAssertEqual(r.status, 0, "\(r)")
            let text = try String(contentsOf: out.file("\(name)/sparsity.csv"), encoding: .utf8)
            XCTAssertTrue(text.contains(",final,all,"), text)
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.file("\(name)/mask_analytics.csv").path), name)
        }
        let refused: [([String], String)] = [
            (["--mask", "l1", "--l1-target-sparsity", "1"], "[0, 1)"),
            (["--mask", "l1", "--l1-lambda", "-0.5"], "≥ 0"),
            (["--mask", "l0", "--l0-droprate-init", "1"], "l0.droprateInit must be in (0, 1)"),
            (["--mask", "vd", "--vd-kl-start", "4", "--vd-kl-full", "2"], "vd.klStart ≤ vd.klFull"),
        ]
        for (args, message) in refused {
            let r = try masklab(base + ["--data", data.path, "--out", out.file("bad").path] + args)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
    }
}
