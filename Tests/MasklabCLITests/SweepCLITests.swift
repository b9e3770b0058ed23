import XCTest
import Foundation
import TestSupport

/// `masklab sweep` with the local executor through the real binary: a 2 × 2 grid on a tiny
/// generated MNIST, the dry run, the table, resuming, and the errors for bad sweep files.
final class SweepCLITests: XCTestCase {
    static func masklab(_ args: [String], environment: [String: String] = [:]) throws -> CommandRunner.Result {
        try CommandRunner.run(args, directory: nil, environment: environment, timeout: 300)
    }

    /// A sweep file: an MLP on the generated MNIST, a 2 (learning rates) × 2 (seeds) grid.
    static func writeSweep(_ url: URL, name: String = "tiny", grid: [String: Any]? = nil, points: [[String: Any]]? = nil,
                           hidden: [Int] = [16], epochs: Int = 2) throws {
        var sweep: [String: Any] = [
            "name": name, "jobs": 2, "threadsPerJob": 1,
            "base": ["model": "mlp", "modelOptions": ["hidden": hidden], "dataset": "mnist", "batchSize": 16,
                     "budget": ["epochs": epochs], "optimizer": ["name": "sgd", "learningRate": 0.05]],
        ]
        sweep["grid"] = grid ?? ["optimizer.learningRate": [0.05, 0.1], "seed": [1, 2]]
        if let points { sweep["points"] = points }
        try JSONSerialization.data(withJSONObject: sweep, options: [.prettyPrinted]).write(to: url)
    }

    func testLocalSweepDryRunTableAndResume() throws {
        let data = TemporaryDirectory("masklab-sweep-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
        let out = TemporaryDirectory("masklab-sweep-out")
        let file = out.file("tiny.json")
        try Self.writeSweep(file, points: [["optimizer.learningRate": 0.2, "seed": 7]])

        let dry = try Self.masklab(["sweep", file.path, "--out", out.path, "--dry-run"])
        XCTAssertEqual(dry.status, 0, "\(dry)")
        XCTAssertEqual(dry.stdout.components(separatedBy: "fresh ").count - 1, 5, dry.stdout)
        XCTAssertTrue(dry.stdout.contains("optimizer.learningRate=0.1 seed 2  →  \(out.path)/sweep-tiny/runs/mlp-mnist-"), dry.stdout)
        XCTAssertTrue(dry.stdout.contains("5 run(s): 0 completed, 5 to run"), dry.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.file("sweep-tiny").path), "a dry run writes nothing")

        let first = try Self.masklab(["sweep", file.path, "--out", out.path, "--data", data.path])
        XCTAssertEqual(first.status, 0, "\(first)")
        let root = out.file("sweep-tiny")
        let runs = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("runs").path)
        XCTAssertEqual(runs.count, 5, "\(runs)")
        XCTAssertEqual(Set(runs).count, 5)
        let csv = try String(contentsOf: root.appendingPathComponent("sweep.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n")
        XCTAssertEqual(lines.count, 4, csv)   // header + 3 cells
        XCTAssertTrue(lines[1].hasPrefix("optimizer.learningRate=0.05,2,2,0."), csv)
        XCTAssertTrue(lines[3].hasPrefix("optimizer.learningRate=0.2,1,1,0."), csv)
        XCTAssertTrue(lines[3].hasSuffix(","), "n = 1: no interval: \(csv)")
        let md = try String(contentsOf: root.appendingPathComponent("SWEEP.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("(n = 1, no interval)"), md)
        XCTAssertTrue(md.contains(" ± "), md)

        // The same command again: every run is skipped, the table is unchanged.
        let again = try Self.masklab(["sweep", file.path, "--out", out.path, "--data", data.path])
        XCTAssertEqual(again.status, 0, "\(again)")
        XCTAssertTrue(again.stdout.contains("skipping 5 completed run(s)"), again.stdout)
        XCTAssertFalse(again.stdout.contains("start "), again.stdout)
        XCTAssertEqual(try String(contentsOf: root.appendingPathComponent("sweep.csv"), encoding: .utf8), csv)
        let dryAfter = try Self.masklab(["sweep", file.path, "--out", out.path, "--dry-run"])
        XCTAssertTrue(dryAfter.stdout.contains("5 run(s): 5 completed, 0 to run"), dryAfter.stdout)

        // A summary.json cut short: the dry run and the sweep say so, and the run resumes from its
        // checkpoint, which writes the same summary again (the sweep table is unchanged).
        let cut = root.appendingPathComponent("runs").appendingPathComponent(runs.sorted()[0]).appendingPathComponent("summary.json")
        let whole = try Data(contentsOf: cut)
        try whole.prefix(60).write(to: cut)
        let dryCut = try Self.masklab(["sweep", file.path, "--out", out.path, "--dry-run"])
        XCTAssertTrue(dryCut.stdout.contains("4 completed, 1 to run") && dryCut.stdout.contains("summary.json cannot be read (cut short, damaged"),
                      dryCut.stdout)
        let mended = try Self.masklab(["sweep", file.path, "--out", out.path, "--data", data.path])
        XCTAssertEqual(mended.status, 0, "\(mended)")
        XCTAssertTrue(mended.stdout.contains("summary.json cannot be read") && mended.stdout.contains("1 partial run(s) resume"), mended.stdout)
        let rewritten = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: cut)) as? [String: Any])
        XCTAssertEqual(rewritten["status"] as? String, "completed")
        // A run's config.json that cannot be read is a file problem (1), not another configuration (64).
        let config = root.appendingPathComponent("runs").appendingPathComponent(runs.sorted()[1]).appendingPathComponent("config.json")
        let saved = try Data(contentsOf: config)
        try Data("{".utf8).write(to: config)
        let unreadable = try Self.masklab(["sweep", file.path, "--out", out.path, "--data", data.path])
        XCTAssertEqual(unreadable.status, 1, "\(unreadable)")
        XCTAssertTrue(unreadable.stderr.contains("config.json: cannot be read"), unreadable.stderr)
        try saved.write(to: config)
        XCTAssertEqual(try String(contentsOf: root.appendingPathComponent("sweep.csv"), encoding: .utf8), csv)

        // The grid edited (lr 0.1 dropped): the report names the two run folders it no longer covers.
        try Self.writeSweep(file, grid: ["optimizer.learningRate": [0.05], "seed": [1, 2]], points: [["optimizer.learningRate": 0.2, "seed": 7]])
        let edited = try Self.masklab(["sweep", file.path, "--out", out.path, "--report-only"])
        XCTAssertEqual(edited.status, 0, "\(edited)")
        let report = try String(contentsOf: root.appendingPathComponent("SWEEP.md"), encoding: .utf8)
        XCTAssertTrue(report.contains("## Run folders outside this grid") && report.contains("2 folder(s) under `runs/` belong to no point"), report)
    }

    /// A run that diverges (lr 10⁴) fails the sweep once; afterwards it is reported as diverged,
    /// not trained again (from its last checkpoint it would diverge the same way).
    func testADivergedRunIsNotTrainedAgain() throws {
        let data = TemporaryDirectory("masklab-sweep-div-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
        let out = TemporaryDirectory("masklab-sweep-div-out")
        let file = out.file("div.json")
        try Self.writeSweep(file, name: "div", grid: ["optimizer.learningRate": [0.05, 10000]], epochs: 1)
        let args = ["sweep", file.path, "--out", out.path, "--data", data.path]
        let first = try Self.masklab(args)
        XCTAssertNotEqual(first.status, 0, "\(first)")
        XCTAssertTrue(first.stderr.contains("loss became NaN"), first.stderr)
        let dry = try Self.masklab(["sweep", file.path, "--out", out.path, "--dry-run"])
        XCTAssertTrue(dry.stdout.contains("diverged  optimizer.learningRate=10000 seed 0"), dry.stdout)
        XCTAssertTrue(dry.stdout.contains("2 run(s): 1 completed, 1 diverged (not run again), 0 to run"), dry.stdout)
        let again = try Self.masklab(args)
        XCTAssertEqual(again.status, 0, "\(again)")
        XCTAssertTrue(again.stdout.contains("skipping 1 diverged run(s)"), again.stdout)
        XCTAssertFalse(again.stdout.contains("start "), again.stdout)
    }

    func testBadSweepFilesAreClearErrors() throws {
        let out = TemporaryDirectory("masklab-sweep-bad")
        let file = out.file("bad.json")
        func refused(_ expected: [String]) throws {
            let r = try Self.masklab(["sweep", file.path, "--out", out.path, "--dry-run"])
            XCTAssertNotEqual(r.status, 0, "\(r)")
            for e in expected { XCTAssertTrue(r.stderr.contains(e), "expected '\(e)' in:\n\(r.stderr)") }
        }
        try Self.writeSweep(file, grid: ["optimizer.learningRat": [0.1], "seed": [1]])
        try refused(["unknown config key optimizer.learningRat", "did you mean optimizer.learningRate?", "valid keys: "])
        try Self.writeSweep(file, grid: ["seed": []])
        try refused(["grid axis seed has no values"])
        try Self.writeSweep(file, grid: [:])
        try refused(["\"grid\" has no axes: give at least one"])
        try Self.writeSweep(file, grid: ["seed": [1, 2]], points: [["seed": 2]])
        try refused(["point 3 (base seed 2) repeats point 2 (base seed 2)"])
        try Self.writeSweep(file, grid: ["optimizer.learningRate": [-1]])
        try refused(["optimizer.learningRate=-1"])
    }

    func testSlurmExecutorWithoutSbatchIsAClearError() throws {
        let out = TemporaryDirectory("masklab-sweep-nosbatch")
        let file = out.file("tiny.json")
        try Self.writeSweep(file)
        let data = TemporaryDirectory("masklab-sweep-nosbatch-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 40, test: 20, gzipped: true)
        let r = try Self.masklab(["sweep", file.path, "--out", out.path, "--data", data.path, "--executor", "slurm"],
                                 environment: ["PATH": out.path])
        XCTAssertNotEqual(r.status, 0, "\(r)")
        XCTAssertTrue(r.stderr.contains("sbatch not found on PATH"), r.stderr)
        XCTAssertTrue(r.stderr.contains("--executor local"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.file("sweep-tiny").path), "nothing written")
    }
}
