import XCTest
import Foundation
import TestSupport

/// `masklab lottery`, `interpolate` and `lottery-report` through the real binary on a tiny generated MNIST.
final class LotteryCLITests: XCTestCase {
    private func masklab(_ args: [String]) throws -> CommandRunner.Result {
        try CommandRunner.run(args, directory: nil, environment: [:], timeout: 240)
    }

    private let base = ["--iterations", "8", "--batch-size", "32", "--hidden", "16", "--validation", "40", "--eval-every", "4",
                        "--threads", "1", "--seed", "3"]

    func testLotteryResumeInterpolateTransferAndReport() throws {
        let data = TemporaryDirectory("masklab-lottery-cli-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
        let out = TemporaryDirectory("masklab-lottery-cli-out")
        let args = ["lottery", "--data", data.path, "--levels", "2", "--prune", "0.5", "--branches", "reinit,random",
                    "--out", out.file("runs/s3").path] + base
        let r = try masklab(args)
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertTrue(r.stdout.contains("level  2 random"), r.stdout)
        for f in ["lottery.json", "command.txt", "levels.csv", "levels.svg", "level_00/mask.safetensors", "level_01/sparsity.csv",
                  "level_02/validation.csv", "level_02/level.json", "level_02/reinit/level.json", "level_02/random/metrics.csv"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.file("runs/s3/\(f)").path), "missing \(f)")
        }
        let sparsity = try String(contentsOf: out.file("runs/s3/level_02/sparsity.csv"), encoding: .utf8)
        XCTAssertTrue(sparsity.contains("fc1.weight,12544,3136,9408,0.250000"), sparsity)
        XCTAssertTrue(sparsity.contains("fc2.weight,160,90,70,0.562500"), "output layer at half the rate: \(sparsity)")
        let levels = try String(contentsOf: out.file("runs/s3/levels.csv"), encoding: .utf8)

        // Running it again trains nothing and gives the same table; the lottery.json the run was
        // started with stays as written (here compacted, as an older binary's spelling would differ),
        // and command.txt records no second invocation (nothing trained; since session 22).
        let config = out.file("runs/s3/lottery.json")
        let compact = try JSONSerialization.data(withJSONObject: try JSONSerialization.jsonObject(with: Data(contentsOf: config)))
        try compact.write(to: config)
        let again = try masklab(args + ["--threads", "1"])
        XCTAssertEqual(again.status, 0, "\(again)")
        XCTAssertTrue(again.stdout.contains("lottery: already finished, nothing trained: 7 trainings read back"), again.stdout)
        XCTAssertTrue(r.stdout.contains("lottery: 7 trainings in "), r.stdout)
        XCTAssertEqual(try String(contentsOf: out.file("runs/s3/levels.csv"), encoding: .utf8), levels)
        XCTAssertEqual(try Data(contentsOf: config), compact, "lottery.json rewritten by a run that resumed")
        let command = try String(contentsOf: out.file("runs/s3/command.txt"), encoding: .utf8)
        XCTAssertEqual(command.components(separatedBy: "--- earlier invocation of this folder ---").count, 1, command)
        // Another setting on the finished chain is refused as a usage error (64), naming it; nothing changes.
        let otherEval = try masklab(args + ["--eval-every", "2"])
        XCTAssertEqual(otherEval.status, 64, "\(otherEval)")
        XCTAssertTrue(otherEval.stderr.contains("other settings") && otherEval.stderr.contains("evaluateEvery 4 in the folder, 2 here"), otherEval.stderr)
        XCTAssertEqual(try String(contentsOf: out.file("runs/s3/levels.csv"), encoding: .utf8), levels)

        // Interpolation between the dense network and the 25% ticket.
        let i = try masklab(["interpolate", out.file("runs/s3/level_00").path, out.file("runs/s3/level_02").path, "--data", data.path,
                             "--out", out.file("interp").path, "--threads", "1"])
        XCTAssertEqual(i.status, 0, "\(i)")
        XCTAssertTrue(i.stdout.contains("barrier: train"), i.stdout)
        let rows = try String(contentsOf: out.file("interp/interpolation.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.count, 16, "header + 15 points from -0.2 to 1.2")
        let bad = try masklab(["interpolate", out.file("runs/s3/level_00").path, out.file("runs/s3/level_02").path, "--data", data.path,
                               "--from", "0.2", "--to", "0.8"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("must contain α = 0 and α = 1"), bad.stderr)

        // A mask transferred to a model of another width fails with the shapes named.
        let t = try masklab(["lottery", "--data", data.path, "--levels", "0", "--transfer", out.file("runs/s3/level_02/mask.safetensors").path,
                             "--out", out.file("transfer").path] + base.map { $0 == "16" ? "8" : $0 })
        XCTAssertNotEqual(t.status, 0)
        XCTAssertTrue(t.stderr.contains("does not fit") && t.stderr.contains("fc1.weight: mask [16, 784], model [8, 784]"), t.stderr)

        // The curve report over the (one-seed) folder.
        let c = try masklab(["lottery-report", "curve", out.file("runs").path])
        XCTAssertEqual(c.status, 0, "\(c)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.file("runs/curve.svg").path))
        XCTAssertFalse(c.stdout.contains("±"), "one seed has no interval: \(c.stdout)")
        XCTAssertTrue(c.stdout.contains("(one seed: no interval)") && c.stdout.contains("no validation loss logged at iteration 500"), c.stdout)
        let curve = try String(contentsOf: out.file("runs/curve.svg"), encoding: .utf8)
        XCTAssertFalse(curve.contains("validation loss after 500"), "no empty panel when no chain reached iteration 500")
        XCTAssertTrue(curve.contains(">\(out.url.lastPathComponent): test accuracy at early stopping<"), "a runs folder is titled by its parent")
        // A chain of another setting beside it is not averaged in, nor a second chain of the same seed.
        let other = try masklab(["lottery", "--data", data.path, "--levels", "1", "--prune", "0.3", "--out", out.file("runs/other").path]
                                + base.map { $0 == "3" ? "4" : $0 })
        XCTAssertEqual(other.status, 0, "\(other)")
        let mixed = try masklab(["lottery-report", "curve", out.file("runs").path])
        XCTAssertNotEqual(mixed.status, 0)
        XCTAssertTrue(mixed.stderr.contains("different settings (") && mixed.stderr.contains("pruneFraction 0.3 in other, 0.5 in s3"), mixed.stderr)
        try FileManager.default.removeItem(at: out.file("runs/other"))
        try FileManager.default.copyItem(at: out.file("runs/s3"), to: out.file("runs/s3-copy"))
        let twice = try masklab(["lottery-report", "curve", out.file("runs").path])
        XCTAssertNotEqual(twice.status, 0)
        XCTAssertTrue(twice.stderr.contains("s3 and s3-copy are both seed 3; a curve counts"), twice.stderr)
        // Two chains of one seed that differ only in their number of levels (a grid over levels): the refusal says so.
        let copyConfig = out.file("runs/s3-copy/lottery.json")
        let text = try String(contentsOf: copyConfig, encoding: .utf8)
        let levelsKey = try XCTUnwrap(text.range(of: #""levels"\s*:\s*\d+"#, options: .regularExpression), text)
        try text.replacingCharacters(in: levelsKey, with: "\"levels\": 7").write(to: copyConfig, atomically: true, encoding: .utf8)
        let grid = try masklab(["lottery-report", "curve", out.file("runs").path])
        XCTAssertNotEqual(grid.status, 0)
        XCTAssertTrue(grid.stderr.contains("are both seed 3 (they differ only in levels"), grid.stderr)
        try FileManager.default.removeItem(at: out.file("runs/s3-copy"))
        let g = try masklab(["lottery-report", "grid", out.file("runs").path])
        XCTAssertEqual(g.status, 0, "\(g)")
        XCTAssertTrue(try String(contentsOf: out.file("runs/grid.csv"), encoding: .utf8).contains("magnitude,true,3,2,"), "the reinit branch at 2 rounds")
    }

    /// A finished chain extended where level 1's checkpoint is gone trains level 1 again in a
    /// temporary folder; a second Ctrl-C during that training (which exits at once) removes the
    /// folder too. Steps of ≈ 1 s (batch 2000 through 2000-wide layers) leave time to send the
    /// second signal after the first one is announced.
    func testASecondCtrlCDuringARetrainedLevelLeavesNoTemporaryFolder() throws {
        let data = TemporaryDirectory("masklab-lottery-int-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 2000, test: 60, gzipped: true)
        let out = TemporaryDirectory("masklab-lottery-int-out")
        let args = ["lottery", "--data", data.path, "--prune", "0.5", "--iterations", "4", "--batch-size", "2000", "--hidden", "2000,2000",
                    "--validation", "40", "--eval-every", "2", "--threads", "1", "--seed", "3", "--out", out.file("chain").path]
        let first = try masklab(args + ["--levels", "1"])
        XCTAssertEqual(first.status, 0, "\(first)")
        try FileManager.default.removeItem(at: out.file("chain/level_01/last.safetensors"))

        let tmp = TemporaryDirectory("masklab-lottery-int-tmp")
        let stdout = out.file("stdout.txt"), stderr = out.file("stderr.txt")
        for file in [stdout, stderr] { FileManager.default.createFile(atPath: file.path, contents: nil) }
        let p = Process()
        p.executableURL = CommandRunner.masklab
        p.arguments = args + ["--levels", "2"]
        p.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": tmp.path]) { $1 }
        p.standardOutput = try FileHandle(forWritingTo: stdout)
        p.standardError = try FileHandle(forWritingTo: stderr)
        try p.run()
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        func leftovers() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: tmp.path).filter { $0.hasPrefix("masklab-lottery-level-") }
        }
        func waitFor(_ what: String, _ condition: () throws -> Bool) rethrows {
            let deadline = Date().addingTimeInterval(120)
            while try !condition() && Date() < deadline && p.isRunning { Thread.sleep(forTimeInterval: 0.01) }
            XCTAssertTrue(try condition(), what)
        }
        // Level 1 is training again once its temporary folder holds the run's lock.
        try waitFor("level 1 trains again in a temporary folder") {
            try leftovers().contains { FileManager.default.fileExists(atPath: tmp.url.appendingPathComponent("\($0)/.lock").path) }
        }
        kill(p.processIdentifier, SIGINT)
        try waitFor("the first Ctrl-C is announced") { try String(contentsOf: stderr, encoding: .utf8).contains("Ctrl-C (SIGINT) received") }
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 130)
        let printed = try String(contentsOf: stdout, encoding: .utf8)
        XCTAssertTrue(printed.contains("training level 1 again"), printed)
        XCTAssertFalse(printed.contains("stopped; run the same command again"), "the second Ctrl-C exited at once: \(printed)")
        XCTAssertEqual(try leftovers(), [], "no temporary level is left behind")
    }
}
