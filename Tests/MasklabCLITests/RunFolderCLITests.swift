import XCTest
import Foundation
import TestSupport

/// The run-folder promises of issue 12 through the real binary: one writer per folder (a second
/// one fails at once with the holder's pid; a dead writer's lock is harmless), nothing written
/// before everything is validated, no run replaced without --overwrite, no leftovers, and the
/// provenance and summary a run folder records.
final class RunFolderCLITests: XCTestCase {
    private let background = BackgroundProcesses()

    override func tearDown() {
        background.killAll()
        super.tearDown()
    }

    private func masklab(_ args: [String], in dir: URL? = nil) throws -> CommandRunner.Result {
        try CommandRunner.run(args, directory: dir, environment: [:], timeout: 240)
    }

    /// `--overwrite` keeps what `importance` and `prune` computed from the old weights inside the
    /// folder (other work may use its files) and warns that it no longer describes the run; a
    /// folder that merely holds such a file, or was computed from another run, gets no warning.
    func testOverwriteWarnsAboutWhatWasDerivedFromTheOldWeights() throws {
        let data = TemporaryDirectory("masklab-overwrite-derived-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
        let dir = TemporaryDirectory("masklab-overwrite-derived")
        let run = dir.file("run")
        let args = ["train", "--data", data.path, "--out", run.path, "--iterations", "3", "--batch-size", "32", "--hidden", "8", "--threads", "1", "--quiet"]
        XCTAssertEqual(try masklab(args).status, 0)
        let imp = try masklab(["importance", run.path, "--data", data.path, "--importance-steps", "1", "--threads", "1"])
        XCTAssertEqual(imp.status, 0, "\(imp)")
        try FileManager.default.createDirectory(at: run.appendingPathComponent("plots"), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: run.appendingPathComponent("plots/histograms.csv"))
        let before = try Self.snapshot(run.appendingPathComponent("importance"))
        let replaced = try masklab(args + ["--overwrite"])
        XCTAssertEqual(replaced.status, 0, "\(replaced)")
        XCTAssertTrue(replaced.stderr.contains("warning: \(run.appendingPathComponent("importance").path) was computed from the weights --overwrite replaced"),
                      replaced.stderr)
        XCTAssertFalse(replaced.stderr.contains("plots"), replaced.stderr)
        XCTAssertEqual(try Self.snapshot(run.appendingPathComponent("importance")), before, "nothing is deleted")
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent("plots/histograms.csv").path))
    }

    /// Interpolating between networks of different shapes names the setting that differs.
    func testInterpolateNamesTheArchitectureDifference() throws {
        let data = TemporaryDirectory("masklab-interp-arch-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
        let dir = TemporaryDirectory("masklab-interp-arch")
        for hidden in ["8", "16"] {
            let r = try masklab(["train", "--data", data.path, "--out", dir.file("h\(hidden)").path, "--iterations", "2", "--batch-size", "32",
                                 "--hidden", hidden, "--threads", "1", "--quiet"])
            XCTAssertEqual(r.status, 0, "\(r)")
        }
        let r = try masklab(["interpolate", dir.file("h8").path, dir.file("h16").path, "--data", data.path, "--out", dir.file("i").path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("B's architecture differs from A's (modelOptions.hidden [8] in A, [16] in B)"), r.stderr)
        let coarse = try masklab(["interpolate", dir.file("h8").path, dir.file("h8").path, "--from", "0", "--to", "1", "--step", "1", "--data", data.path])
        XCTAssertEqual(coarse.status, 64)
        XCTAssertTrue(coarse.stderr.contains("has no point strictly between α = 0 and α = 1"), coarse.stderr)
        for step in ["1e-320", "1e-9"] {   // an infinite or huge point count is refused, not a crash
            let fine = try masklab(["interpolate", dir.file("h8").path, dir.file("h8").path, "--step", step, "--data", data.path])
            XCTAssertEqual(fine.status, 64, "--step \(step): \(fine.stderr)")
            XCTAssertTrue(fine.stderr.contains("at most 10 001 points"), fine.stderr)
        }
        // Another command's folder given as weights says what to pass instead.
        try FileManager.default.createDirectory(at: dir.file("lot"), withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: dir.file("lot/lottery.json"))
        let lottery = try masklab(["eval", dir.file("lot").path, "--data", data.path])
        XCTAssertTrue(lottery.stderr.contains("belongs to `masklab lottery`; pass one of its levels, \(dir.file("lot").path)/level_<nn>"), lottery.stderr)
        // The same table says what to pass to plot (FolderOwner.passInstead), for every study folder.
        try FileManager.default.createDirectory(at: dir.file("cmp"), withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: dir.file("cmp/compare.json"))
        let compare = try masklab(["eval", dir.file("cmp").path, "--data", data.path])
        XCTAssertTrue(compare.stderr.contains("belongs to `masklab compare`; pass one of its runs, \(dir.file("cmp").path)/runs/<arm>/seed-<n>"), compare.stderr)
    }

    /// Every file of `folder` (relative path → bytes).
    static func snapshot(_ folder: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.subpathsOfDirectory(atPath: folder.path) {
            let url = folder.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                out[name] = try Data(contentsOf: url)
            }
        }
        return out
    }

    private func tinyMNIST(train: Int = 240) throws -> TemporaryDirectory {
        let data = TemporaryDirectory("masklab-runfolder-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: train, test: 60, gzipped: true)
        return data
    }

    private func writeJSON(_ object: [String: Any], to url: URL) throws {
        try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]).write(to: url)
    }

    // MARK: - One writer

    func testASecondWriterFailsAtOnceWithTheHoldersPidAndADeadWritersLockIsHarmless() throws {
        let data = try tinyMNIST(train: 2000)
        let out = TemporaryDirectory("masklab-runfolder-lock")
        let run = out.file("run")
        let long = ["train", "--data", data.path, "--out", run.path, "--epochs", "1000", "--batch-size", "10", "--hidden", "32", "--threads", "1"]
        let first = try background.start(long)
        XCTAssertEqual(BackgroundProcesses.lockPid(run), first.processIdentifier, "the writer records its pid in .lock")

        for extra in [["--resume"], ["--overwrite"], []] {
            let began = Date()
            let second = try masklab(["train", "--data", data.path, "--out", run.path, "--epochs", "1", "--hidden", "8", "--threads", "1"] + extra)
            XCTAssertNotEqual(second.status, 0, "\(extra): \(second)")
            XCTAssertTrue(second.stderr.contains("being written by process \(first.processIdentifier)"), second.stderr)
            XCTAssertTrue(second.stderr.contains("ps -p \(first.processIdentifier)"), "says how to check the holder: \(second.stderr)")
            XCTAssertLessThan(Date().timeIntervalSince(began), 30, "fails at once, does not wait for the holder")
            XCTAssertEqual(second.stdout, "", "\(extra): refused before any banner or note")
        }
        XCTAssertTrue(first.isRunning, "the first writer is undisturbed")

        // kill -9 leaves .lock with a dead pid behind: the kernel released the flock, so it blocks nobody.
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        XCTAssertTrue(try String(contentsOf: run.appendingPathComponent(".lock"), encoding: .utf8).contains("pid \(first.processIdentifier)"))
        let after = try masklab(["train", "--data", data.path, "--out", run.path, "--epochs", "1", "--batch-size", "32", "--hidden", "8",
                                 "--threads", "1", "--overwrite"])
        XCTAssertEqual(after.status, 0, "\(after)")
        XCTAssertFalse(try String(contentsOf: run.appendingPathComponent(".lock"), encoding: .utf8).contains("pid \(first.processIdentifier)"))
    }

    // MARK: - Validate before touching the disk; no silent overwrite

    func testARefusedCommandLeavesAnExistingRunByteIdentical() throws {
        let data = try tinyMNIST()
        let dir = TemporaryDirectory("masklab-runfolder-keep")
        let config = dir.file("c.json")
        try writeJSON(["model": "mlp", "modelOptions": ["hidden": [16]], "budget": ["epochs": 1], "batchSize": 32, "threads": 1], to: config)
        let run = dir.file("R")
        let first = try masklab(["train", "--config", config.path, "--out", run.path, "--data", data.path])
        XCTAssertEqual(first.status, 0, "\(first)")
        let before = try Self.snapshot(run)
        XCTAssertNotNil(before["last.safetensors"])

        let attempts: [(args: [String], says: [String])] = [
            (["--lr=-1"], []),                                           // issue 12: replaced config.json before failing
            (["--model", "resnet99"], ["must be one of mlp"]),
            (["--data", dir.file("nowhere").path], ["nowhere"]),
            ([], ["already holds a run", "status completed", "--overwrite"]),   // a finished run is not trained over
            (["--resume", "--overwrite"], ["not both"]),
            (["--resume", "--seed", "9"], ["different configuration", "seed 0 in the folder, 9 here"]),
            // A longer budget is not an extension of this run: say what to do instead.
            (["--resume", "--epochs", "2"], ["budget.epochs 1 in the folder, 2 here", "a run's budget cannot change on resume",
                                             "--out NEW --init-from \(run.path)/last.safetensors"]),
        ]
        for a in attempts {
            var args = ["train", "--config", config.path, "--out", run.path]
            if !a.args.contains("--data") { args += ["--data", data.path] }
            let r = try masklab(args + a.args)
            XCTAssertNotEqual(r.status, 0, "\(a.args): \(r)")
            for s in a.says { XCTAssertTrue(r.stderr.contains(s), "\(a.args) should say '\(s)': \(r.stderr)") }
            XCTAssertEqual(try Self.snapshot(run), before, "\(a.args) changed the run folder")
        }

        // A completed run offers no --resume, and --resume on it trains nothing and says so.
        let refused = try masklab(["train", "--config", config.path, "--out", run.path, "--data", data.path])
        XCTAssertEqual(refused.status, 64, "an --out that holds a finished run is a usage error, as in reproduce and plot: \(refused)")
        let otherSeed = try masklab(["train", "--config", config.path, "--out", run.path, "--data", data.path, "--resume", "--seed", "9"])
        XCTAssertEqual(otherSeed.status, 64, "resuming with other settings than the run's is a usage error: \(otherSeed)")
        XCTAssertFalse(refused.stderr.contains("--resume"), "a completed run has nothing to continue: \(refused.stderr)")
        XCTAssertEqual(refused.stdout, "", "a refused run is not announced first")
        // --resume into a folder with nothing to continue says that it starts a new run.
        let fresh = try masklab(["train", "--config", config.path, "--out", dir.file("new").path, "--data", data.path, "--resume"])
        XCTAssertEqual(fresh.status, 0, "\(fresh)")
        XCTAssertTrue(fresh.stdout.contains("--resume: no checkpoint in \(dir.file("new").path), so this is a new run, from the start"), fresh.stdout)
        let resumed = try masklab(["train", "--config", config.path, "--out", run.path, "--data", data.path, "--resume"])
        XCTAssertEqual(resumed.status, 0, "\(resumed)")
        XCTAssertTrue(resumed.stdout.contains("already complete: nothing left to train"), resumed.stdout)
        XCTAssertFalse(resumed.stdout.contains("resumed at epoch"), resumed.stdout)
        var unchanged = try Self.snapshot(run), original = before
        // Only the lock's last holder changes: command.txt records no invocation (before session 22
        // it listed the no-op resume), and the TensorBoard file keeps its events (before session 18
        // its session-end event got the resume's wall time).
        for file in Set(unchanged.keys).union(original.keys) where file == ".lock" {
            XCTAssertNotNil(unchanged[file], "\(file) is kept")
            unchanged[file] = nil
            original[file] = nil
        }
        XCTAssertEqual(unchanged, original, "--resume of a completed run changes no record")

        // What a run logs to TensorBoard changes no result: a resume may change it, and a completed
        // run's records are not rewritten to claim a logging rate it never had.
        let beforeRelog = try Self.snapshot(run)
        let relogged = try masklab(["train", "--config", config.path, "--out", run.path, "--data", data.path, "--resume",
                                    "--tensorboard-every-iterations", "3"])
        XCTAssertEqual(relogged.status, 0, "\(relogged)")
        XCTAssertTrue(relogged.stdout.contains("already complete: nothing left to train"), relogged.stdout)
        let afterRelog = try Self.snapshot(run)
        for file in ["config.json", "summary.json", "metrics.csv", "last.safetensors"] {
            XCTAssertEqual(afterRelog[file], beforeRelog[file], "\(file) of a completed run is kept")
        }
        // How often it checkpoints is a real difference (off, it would leave older weights behind).
        let noCheckpoints = try masklab(["train", "--config", config.path, "--out", run.path, "--data", data.path, "--resume", "--checkpoint-every", "0"])
        XCTAssertNotEqual(noCheckpoints.status, 0, "\(noCheckpoints)")
        XCTAssertTrue(noCheckpoints.stderr.contains("checkpointEveryEpochs"), noCheckpoints.stderr)

        // --overwrite replaces the run: another seed, other weights, and the old files are gone first.
        let replaced = try masklab(["train", "--config", config.path, "--out", run.path, "--data", data.path, "--seed", "9", "--overwrite"])
        XCTAssertEqual(replaced.status, 0, "\(replaced)")
        let after = try Self.snapshot(run)
        XCTAssertNotEqual(after["last.safetensors"], before["last.safetensors"])
        XCTAssertTrue(String(decoding: after["config.json"] ?? Data(), as: UTF8.self).contains("\"seed\" : 9"))
    }

    func testADataErrorLeavesNoFolderBehind() throws {
        let empty = TemporaryDirectory("masklab-runfolder-nodata")
        let out = TemporaryDirectory("masklab-runfolder-nodata-out")
        let run = out.file("deep/run")
        let r = try masklab(["train", "--data", empty.path, "--out", run.path, "--epochs", "1"])
        XCTAssertNotEqual(r.status, 0, "\(r)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.file("deep").path), "no folder for a run that never started")
    }

    func testInterpolateImportanceAndLotteryValidateFirstAndDoNotOverwrite() throws {
        let data = try tinyMNIST()
        let dir = TemporaryDirectory("masklab-runfolder-others")
        for (name, seed) in [("A", "1"), ("B", "2")] {
            let r = try masklab(["train", "--data", data.path, "--out", dir.file(name).path, "--epochs", "1", "--batch-size", "32",
                                 "--hidden", "8", "--threads", "1", "--seed", seed])
            XCTAssertEqual(r.status, 0, "\(r)")
        }
        let commands: [(args: [String], out: URL, holds: String)] = [
            (["interpolate", dir.file("A").path, dir.file("B").path, "--data", data.path, "--threads", "1", "--step", "0.5", "--from", "0",
              "--to", "1", "--out", dir.file("I").path], dir.file("I"), "already holds an interpolation"),
            (["importance", dir.file("A").path, "--data", data.path, "--steps", "2", "--threads", "1"], dir.file("A/importance"),
             "already holds importance results"),
        ]
        for c in commands {
            let first = try masklab(c.args)
            XCTAssertEqual(first.status, 0, "\(first)")
            let before = try Self.snapshot(c.out)
            let again = try masklab(c.args)
            XCTAssertNotEqual(again.status, 0, "\(again)")
            XCTAssertTrue(again.stderr.contains(c.holds) && again.stderr.contains("--overwrite"), again.stderr)
            XCTAssertEqual(try Self.snapshot(c.out), before)
            let replaced = try masklab(c.args + ["--overwrite"])
            XCTAssertEqual(replaced.status, 0, "\(replaced)")
        }
        // interpolate records which state of each run it read (position and status), not a bare path.
        let interpolation = try String(contentsOf: dir.file("I/command.txt"), encoding: .utf8)
        XCTAssertTrue(interpolation.contains("A: \(dir.file("A/last.safetensors").path) (") && interpolation.contains("checkpoint at epoch 1")
                      && interpolation.contains("run completed"), interpolation)
        // interpolate's output must not land in a training run's folder either.
        let intoRun = try masklab(["interpolate", dir.file("A").path, dir.file("B").path, "--data", data.path, "--threads", "1",
                                   "--step", "0.5", "--from", "0", "--to", "1", "--out", dir.file("B").path])
        XCTAssertNotEqual(intoRun.status, 0, "\(intoRun)")

        // A lottery whose transferred mask is unreadable fails before its folder exists.
        try Data("not a mask".utf8).write(to: dir.file("bad.safetensors"))
        let lottery = try masklab(["lottery", "--data", data.path, "--levels", "0", "--iterations", "4", "--hidden", "8", "--threads", "1",
                                   "--transfer", dir.file("bad.safetensors").path, "--out", dir.file("L").path])
        XCTAssertNotEqual(lottery.status, 0, "\(lottery)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("L").path), "no lottery folder for a refused mask")
    }

    // MARK: - Leftovers and logs on resume

    func testResumeRemovesDeadWritersTemporaryFilesAndLogRowsPastTheCheckpoint() throws {
        let data = try tinyMNIST()
        let dir = TemporaryDirectory("masklab-runfolder-resume")
        let config = dir.file("imp.json")
        try writeJSON(["model": "mlp", "modelOptions": ["hidden": [16]], "budget": ["epochs": 2], "batchSize": 32, "threads": 1,
                       "masks": ["name": "importance", "keep": 0.3, "importance": ["steps": 3, "refreshIterations": 4]]], to: config)
        let run = dir.file("R")
        let args = ["train", "--config", config.path, "--out", run.path, "--data", data.path]
        let first = try masklab(args)
        XCTAssertEqual(first.status, 0, "\(first)")
        let logs = ["importance.csv", "importance_histograms.csv", "masks.csv"]
        let clean = try logs.map { try String(contentsOf: run.appendingPathComponent($0), encoding: .utf8) }

        // What a second writer or a write killed after the last checkpoint leaves: rows past the
        // checkpoint, a repeated refresh, and a half-written checkpoint file.
        for (name, text) in zip(logs, clean) {
            let rows = text.split(separator: "\n").dropFirst().map { "1000" + $0.drop { $0 != "," } }
            try (text + rows.joined(separator: "\n") + "\n1000,1,2,fc1.wei").write(to: run.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let stale = run.appendingPathComponent(".last.safetensors.99999999.tmp")
        try Data(repeating: 7, count: 100).write(to: stale)

        let resumed = try masklab(args + ["--resume"])
        XCTAssertEqual(resumed.status, 0, "\(resumed)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: stale.path), "a dead writer's temporary checkpoint is removed")
        for (name, text) in zip(logs, clean) {
            XCTAssertEqual(try String(contentsOf: run.appendingPathComponent(name), encoding: .utf8), text,
                           "\(name): rows past the checkpoint are dropped on resume, none is duplicated")
        }
    }

    // MARK: - What the folder records

    func testProvenanceOfABinaryRunFromAnotherFolderAndTheSummarysConfig() throws {
        let data = try tinyMNIST()
        let elsewhere = TemporaryDirectory("masklab-runfolder-elsewhere")
        try writeJSON(["model": "mlp", "modelOptions": ["hidden": [8]], "budget": ["epochs": 1], "batchSize": 32, "threads": 1,
                       "trainSubset": 200, "testSubset": 50, "validation": 20], to: elsewhere.file("c.json"))
        let r = try masklab(["train", "--config", "c.json", "--out", "run", "--data", data.path], in: elsewhere.url)
        XCTAssertEqual(r.status, 0, "\(r)")

        // The commit is the one of the clone the binary was built in, though the command ran outside it.
        var root = CommandRunner.masklab.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: root.appendingPathComponent(".git").path) && root.path != "/" {
            root = root.deletingLastPathComponent()
        }
        let git = try CommandRunner.run(["-C", root.path, "rev-parse", "--short=12", "HEAD"], executable: URL(fileURLWithPath: "/usr/bin/git"))
        XCTAssertEqual(git.status, 0, "\(git)")
        let head = git.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let command = try String(contentsOf: elsewhere.file("run/command.txt"), encoding: .utf8)
        XCTAssertTrue(command.contains("\ncommit: \(head)"), "expected commit \(head): \(command)")

        // summary.json's config is config.json, subsets and validation included.
        let config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: elsewhere.file("run/config.json"))) as? NSDictionary)
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: elsewhere.file("run/summary.json"))) as? [String: Any])
        XCTAssertEqual(summary["config"] as? NSDictionary, config)
        XCTAssertEqual(config["trainSubset"] as? Int, 200)
        XCTAssertEqual(config["validation"] as? Int, 20)
        XCTAssertEqual(summary["status"] as? String, "completed")
    }
}
