import XCTest
import Foundation
import TestSupport

/// `masklab interpolate --recompute FOLDER` through the real binary, on a folder written by an
/// older version (its summary.json has neither the new barriers nor the dataset, and records
/// endpoints under a clone that has since moved).
final class InterpolateRecomputeCLITests: XCTestCase {
    private func masklab(_ args: [String], in dir: URL? = nil) throws -> CommandRunner.Result {
        try CommandRunner.run(args, directory: dir, environment: [:], timeout: 120)
    }

    /// The grid's negative ends follow their flags as the README writes them (`--from -0.2`):
    /// the command gets as far as the missing weights file instead of a parse error.
    func testNegativeGridEndsParse() throws {
        let r = try masklab(["interpolate", "/nonexistent/a.safetensors", "/nonexistent/b.safetensors", "--from", "-0.5", "--to", "1.5", "--step", "0.1"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertFalse(r.stderr.contains("Missing value"), r.stderr)
        XCTAssertTrue(r.stderr.contains("/nonexistent/a.safetensors"), r.stderr)
    }

    func testRecomputeAnOldFolder() throws {
        let clone = TemporaryDirectory("masklab-recompute-cli")
        // The endpoints' run folder as committed: config.json, no checkpoint.
        let level = clone.file("results/x/level_00")
        try FileManager.default.createDirectory(at: level, withIntermediateDirectories: true)
        let config = try masklab(["train", "--model", "mlp", "--dataset", "mnist", "--hidden", "16", "--print-config"])
        XCTAssertEqual(config.status, 0, "\(config)")
        try config.stdout.write(to: level.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        // An interpolation folder of an older version: a path falling from 2.167 to 1.432.
        let folder = clone.file("results/interp")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var csv = "alpha,train_loss,train_accuracy,test_loss,test_accuracy\n"
        for k in -2...12 {
            let a = Double(k) / 10, loss = 1.432 + (2.167 - 1.432) * (1 - a) * (1 - a)
            csv += "\(a),\(loss),\(k == 0 || k == 10 ? 0.5 : 0.6),\(loss),\(k == 5 ? 0.4 : 0.5)\n"
        }
        try csv.write(to: folder.appendingPathComponent("interpolation.csv"), atomically: true, encoding: .utf8)
        let old = """
        {"a": "/old/clone/results/x/level_00/last.safetensors", "b": "/old/clone/results/x/level_00/last.safetensors",
         "model": "mlp", "trainBarrier": 0.3675, "testBarrier": 0.3675, "trainSamples": 55000, "testSamples": 10000, "points": []}
        """
        try old.write(to: folder.appendingPathComponent("summary.json"), atomically: true, encoding: .utf8)
        try "command: masklab interpolate …\ncommit: 0123456789ab\n".write(to: folder.appendingPathComponent("command.txt"), atomically: true, encoding: .utf8)

        let r = try masklab(["interpolate", "--recompute", "results/interp"], in: clone.url)
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertTrue(r.stdout.contains("mean-of-ends barrier: train 0.367"), r.stdout)
        XCTAssertTrue(r.stdout.contains("loss:  train 0.0000 nats at α 0.00"), "a falling path has no linear barrier: \(r.stdout)")
        XCTAssertTrue(r.stdout.contains("error: train 0.0000 at α 0.00, test 0.1000 at α 0.50"), r.stdout)

        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("summary.json"))) as! [String: Any]
        XCTAssertEqual(json["trainBarrier"] as? Double ?? 0, 0.3675, accuracy: 1e-9, "the old key, the same measure")
        XCTAssertEqual((json["trainLossBarrier"] as? [String: Double])?["linear"], 0)
        XCTAssertEqual((json["testErrorBarrier"] as? [String: Double])?["linear"] ?? 0, 0.1, accuracy: 1e-12)
        XCTAssertEqual(json["a"] as? String, "/old/clone/results/x/level_00/last.safetensors", "the endpoints as recorded")
        XCTAssertEqual(json["dataset"] as? String, "mnist", "found in the moved clone's config.json")
        XCTAssertEqual((json["points"] as? [Any])?.count, 15, "the points come from the CSV")
        let svg = try String(contentsOf: folder.appendingPathComponent("interpolation.svg"), encoding: .utf8)
        XCTAssertTrue(svg.contains("mlp on mnist: loss") && svg.contains("A (α = 0): results/x/level_00"), "title and subtitle")
        XCTAssertEqual(try String(contentsOf: folder.appendingPathComponent("interpolation.csv"), encoding: .utf8), csv)
        XCTAssertTrue(try String(contentsOf: folder.appendingPathComponent("command.txt"), encoding: .utf8).contains("0123456789ab"))
        let note = try String(contentsOf: folder.appendingPathComponent("recomputed.txt"), encoding: .utf8)
        XCTAssertTrue(note.contains("--recompute results/interp") && note.contains("commit: "), note)

        // A and B do not go with --recompute; a folder without a CSV is named.
        let both = try masklab(["interpolate", "a", "b", "--recompute", "results/interp"], in: clone.url)
        XCTAssertNotEqual(both.status, 0)
        XCTAssertTrue(both.stderr.contains("give no A and B"), both.stderr)
        let grid = try masklab(["interpolate", "--recompute", "results/interp", "--step", "0.2", "--test-samples", "10"], in: clone.url)
        XCTAssertEqual(grid.status, 64, "\(grid)")
        XCTAssertTrue(grid.stderr.contains("--step, --test-samples do not apply to --recompute"), grid.stderr)
        let none = try masklab(["interpolate", "--recompute", "results/x"], in: clone.url)
        XCTAssertNotEqual(none.status, 0)
        XCTAssertTrue(none.stderr.contains("results/x/interpolation.csv"), none.stderr)
        let neither = try masklab(["interpolate"], in: clone.url)
        XCTAssertNotEqual(neither.status, 0)
        XCTAssertTrue(neither.stderr.contains("or --recompute FOLDER"), neither.stderr)
    }
}
