import XCTest
import Foundation
import TestSupport

/// `--mask set|rigl` and the `--dst-…` flags through the real binary on a tiny generated MNIST.
final class DynamicSparsityCLITests: XCTestCase {
    private func masklab(_ args: [String]) throws -> CommandRunner.Result {
        try CommandRunner.run(args, directory: nil, environment: [:], timeout: 240)
    }

    private let base = ["train", "--epochs", "2", "--batch-size", "32", "--threads", "1", "--seed", "3", "--lr", "0.05"]

    /// ERK at keep 0.2 on 784-16-10: ε = 0.2·12704/(800 + 26), so fc1 keeps round(800ε) = 2461 and
    /// fc2 round(26ε) = 80; every step of both epochs has exactly those counts although the mask moves.
    func testRigLAndSETTrainWithConstantCountsAndWriteTheirOptions() throws {
        let data = TemporaryDirectory("masklab-dst-cli-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
        let out = TemporaryDirectory("masklab-dst-cli-out")
        let help = try masklab(["train", "--help"])
        for flag in ["--dst-update-every", "--dst-drop-fraction", "--dst-end-step", "--dst-density", "dst-dense-first"] {
            XCTAssertTrue(help.stdout.contains(flag), "train --help lacks \(flag)")
        }
        for name in ["rigl", "set"] {
            let r = try masklab(base + ["--data", data.path, "--out", out.file(name).path, "--hidden", "16", "--mask", name, "--keep", "0.2",
                                        "--dst-update-every", "2", "--dst-density", "erk", "--dst-drop-fraction", "0.5"])
            XCTAssertEqual(r.status, 0, "\(r)")
            let rows = try String(contentsOf: out.file("\(name)/masks.csv"), encoding: .utf8).split(separator: "\n").map(String.init)
            XCTAssertEqual(rows.count, 1 + 2 * 3, "\(rows)")
            for epoch in 1...2 {
                XCTAssertTrue(rows.contains { $0.contains(",\(epoch),fc1.weight,12544,2461.00,2461.00,") }, "\(name): \(rows)")
                XCTAssertTrue(rows.contains { $0.contains(",\(epoch),fc2.weight,160,80.00,80.00,") }, "\(name): \(rows)")
                XCTAssertTrue(rows.contains { $0.contains(",\(epoch),all,12704,2541.00,2541.00,2541,2541,") }, "\(name): \(rows)")
            }
            let config = try String(contentsOf: out.file("\(name)/config.json"), encoding: .utf8)
            XCTAssertTrue(config.contains("\"dst\"") && config.contains("\"erk\""), config)
        }
    }

    func testBadDynamicSparsityOptionsAreRefusedWithTheReason() throws {
        let data = TemporaryDirectory("masklab-dst-cli-bad-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 64, test: 32, gzipped: true)
        let out = TemporaryDirectory("masklab-dst-cli-bad")
        let cases: [([String], [String])] = [
            (["--mask", "set", "--dst-drop-fraction", "1"], ["drop", "[0, 1)"]),
            (["--mask", "rigl", "--dst-update-every", "0"], ["update", "1"]),
            (["--hidden", "16,4", "--mask", "rigl", "--keep", "0.01"], ["fc3.weight", "no active weight"]),
            (["--mask", "rigl", "--keep", "0.2", "--dst-dense-first"], ["first layer"]),
            (["--mask", "set", "--mask-target", "gradients"], ["--mask-target weights"]),
        ]
        for (i, (args, words)) in cases.enumerated() {
            let r = try masklab(base + ["--data", data.path, "--out", out.file("r\(i)").path, "--hidden", "16"] + args)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            for w in words { XCTAssertTrue(r.stderr.contains(w), "\(args): stderr lacks '\(w)': \(r.stderr)") }
        }
    }
}
