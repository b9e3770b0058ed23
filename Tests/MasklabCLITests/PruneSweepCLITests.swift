import XCTest
import Foundation
import TestSupport

/// `masklab prune-sweep` through the real binary on a tiny generated MNIST: two phases (dense
/// and at-init, then pruned from the dense weights and fine-tuned), the report files, resuming
/// with nothing re-run, the dry run, and refused input.
final class PruneSweepCLITests: XCTestCase {
    static func masklab(_ args: [String]) throws -> CommandRunner.Result {
        try CommandRunner.run(args, directory: nil, environment: [:], timeout: 600)
    }

    static func writeFile(_ url: URL, ratios: [Double] = [1, 4], criteria: [String] = ["magnitude", "random", "movement"]) throws {
        let o: [String: Any] = [
            "name": "tiny", "criteria": criteria, "ratios": ratios, "seeds": [1, 2], "atInit": ["snip"], "jobs": 2, "threadsPerJob": 1,
            "base": ["model": "mlp", "modelOptions": ["hidden": [16]], "dataset": "mnist", "batchSize": 16, "budget": ["epochs": 1],
                     "optimizer": ["name": "sgd", "learningRate": 0.05]],
            "finetune": ["budget": ["iterations": 5]],
            "masks": ["magnitudeScope": "global"],
        ]
        try JSONSerialization.data(withJSONObject: o, options: [.prettyPrinted]).write(to: url)
    }

    func testSweepRunsBothPhasesReportsAndResumes() throws {
        let data = TemporaryDirectory("masklab-prune-sweep-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 160, test: 40, gzipped: true)
        let out = TemporaryDirectory("masklab-prune-sweep-out")
        let file = out.file("tiny.json")
        try Self.writeFile(file)

        let dry = try Self.masklab(["prune-sweep", file.path, "--out", out.path, "--dry-run"])
        XCTAssertEqual(dry.status, 0, "\(dry)")
        // Per seed: dense + snip@init ×4 (phase 1); fine-tuned ×1 + 3 criteria ×4 (phase 2).
        XCTAssertTrue(dry.stdout.contains("12 run(s): 0 completed, 12 to run"), dry.stdout)
        XCTAssertTrue(dry.stdout.contains("movement ×4 seed 2  →  \(out.path)/tiny/runs/movement/ratio-4/seed-2"), dry.stdout)

        let first = try Self.masklab(["prune-sweep", file.path, "--out", out.path, "--data", data.path])
        XCTAssertEqual(first.status, 0, "\(first)")
        XCTAssertTrue(first.stdout.contains("phase 1 of 2") && first.stdout.contains("phase 2 of 2"), first.stdout)
        let root = out.file("tiny")
        for f in ["REPORT.md", "results.csv", "summary.csv", "prune-sweep.json", "command.txt", "after-training-accuracy-vs-compression.svg",
                  "after-training-accuracy-vs-flops.svg", "at-init-accuracy-vs-compression.svg", "at-init-accuracy-vs-flops.svg"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: root.appendingPathComponent(f).path), f)
        }
        let results = try String(contentsOf: root.appendingPathComponent("results.csv"), encoding: .utf8)
        let rows = results.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        XCTAssertEqual(rows.count, 12, results)
        XCTAssertTrue(rows.allSatisfy { $0[4] == "completed" }, results)
        // Global pruning to ×4 of 784·16 + 16·10 = 12704 weights keeps round(12704 / 4) = 3176: compression exactly 4, and as
        // both layers are linear (1 MAC per weight), the FLOP reduction is 4 as well.
        for r in rows where r[2] == "4" {
            XCTAssertEqual(r[7], "4.000000", "\(r)")
            XCTAssertEqual(r[8], "4.000000", "\(r)")
        }
        // The pruned cells started from their seed's dense weights: the train command line says so.
        let command = try String(contentsOf: root.appendingPathComponent("runs/magnitude/ratio-4/seed-2/command.txt"), encoding: .utf8)
        XCTAssertTrue(command.contains("--init-from \(root.path)/runs/dense/seed-2/last.safetensors"), command)
        let analytics = try String(contentsOf: root.appendingPathComponent("runs/movement/ratio-4/seed-1/mask_analytics.csv"), encoding: .utf8)
        XCTAssertTrue(analytics.contains("all,12704,3176,"), analytics)
        let report = try String(contentsOf: root.appendingPathComponent("REPORT.md"), encoding: .utf8)
        XCTAssertTrue(report.contains("## Pruned after training, then fine-tuned"), report)
        XCTAssertTrue(report.contains("| snip@init |"), report)

        let again = try Self.masklab(["prune-sweep", file.path, "--out", out.path, "--data", data.path])
        XCTAssertEqual(again.status, 0, "\(again)")
        XCTAssertTrue(again.stdout.contains("skipping 4 completed run(s)") && again.stdout.contains("skipping 8 completed run(s)"), again.stdout)
        XCTAssertFalse(again.stdout.contains("start "), again.stdout)
        XCTAssertEqual(try String(contentsOf: root.appendingPathComponent("results.csv"), encoding: .utf8), results)

        // A new ratio adds only its cells.
        try Self.writeFile(file, ratios: [1, 2, 4])
        let more = try Self.masklab(["prune-sweep", file.path, "--out", out.path, "--data", data.path])
        XCTAssertEqual(more.status, 0, "\(more)")
        XCTAssertEqual(more.stdout.components(separatedBy: "start   ").count - 1, 2 + 6, more.stdout)
    }

    func testBadSweepFilesAreClearErrors() throws {
        let out = TemporaryDirectory("masklab-prune-sweep-bad")
        let file = out.file("bad.json")
        func refused(_ expected: [String]) throws {
            let r = try Self.masklab(["prune-sweep", file.path, "--out", out.path, "--dry-run"])
            XCTAssertNotEqual(r.status, 0, "\(r)")
            for e in expected { XCTAssertTrue(r.stderr.contains(e), "expected '\(e)' in:\n\(r.stderr)") }
        }
        try Self.writeFile(file, ratios: [0.5, 2])
        try refused(["compression ratio 0.5 is below 1"])
        try Self.writeFile(file, criteria: ["random", "synflo"])
        try refused(["unknown pruning criterion 'synflo'", "valid criteria: magnitude, random, movement, movement-signed, snip, grasp, synflow, obd, importance"])
    }
}
