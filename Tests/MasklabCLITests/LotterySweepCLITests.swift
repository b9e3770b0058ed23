import XCTest
import Foundation
import TestSupport
@testable import Experiments

/// `masklab sweep` of lottery runs (`"command": "lottery"`) with the local executor through the
/// real binary, on a tiny generated MNIST: the dry run, the table per cell and level, the same
/// levels as a `masklab lottery` run of the same config (stopped by SIGUSR1 in the middle of a
/// level and run again), skipping completed runs, a lottery job
/// killed (SIGKILL) mid-level that resumes and ends identical to an uninterrupted one, bad sweep
/// files, and the converted bash study (`experiments/lottery/grid-mnist-sweep.json`) expanding to
/// the runs of `grid-mnist.sh`.
final class LotterySweepCLITests: XCTestCase {
    static func masklab(_ args: [String], environment: [String: String] = [:]) throws -> CommandRunner.Result {
        try CommandRunner.run(args, directory: nil, environment: environment, timeout: 300)
    }

    /// A lottery sweep: an MLP (784-16-10) on the generated MNIST, 2 pruned levels with the random
    /// control, `iterations` per level, over 2 prune fractions × 2 seeds ("seed": the short form of "run.seed").
    static func writeSweep(_ url: URL, name: String = "tickets", iterations: Int = 8, grid: [String: Any]? = nil, base: [String: Any] = [:]) throws {
        var lottery: [String: Any] = [
            "run": ["model": "mlp", "modelOptions": ["hidden": [16]], "dataset": "mnist", "batchSize": 32, "validation": 40,
                    "budget": ["iterations": iterations], "optimizer": ["name": "adam", "learningRate": 0.01]],
            "levels": 2, "evaluateEvery": 4, "branches": ["random"],
        ]
        for (k, v) in base { lottery[k] = v }
        let sweep: [String: Any] = ["name": name, "command": "lottery", "jobs": 2, "threadsPerJob": 1, "base": lottery,
                                    "grid": grid ?? ["pruneFraction": [0.5, 0.3], "seed": [1, 2]]]
        try JSONSerialization.data(withJSONObject: sweep, options: [.prettyPrinted]).write(to: url)
    }

    /// What two runs of the same lottery must share bit for bit: levels.csv without its timing
    /// column, and every level's (and branch's) metrics without timings, validation.csv and mask.
    static func lotteryContents(_ run: URL) throws -> [String: String] {
        var out: [String: String] = [:]
        let levels = try String(contentsOf: run.appendingPathComponent("levels.csv"), encoding: .utf8)
        out["levels.csv"] = levels.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).dropLast().joined(separator: ",") }
            .joined(separator: "\n")
        let files = FileManager.default.enumerator(at: run, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        for f in files {
            let relative = String(f.standardizedFileURL.path.dropFirst(run.standardizedFileURL.path.count + 1))
            switch f.lastPathComponent {
            case "metrics.csv": out[relative] = try RunMetrics.withoutTimes(f).map { $0.joined(separator: ",") }.joined(separator: "\n")
            case "validation.csv": out[relative] = try String(contentsOf: f, encoding: .utf8)
            case "mask.safetensors": out[relative] = try Data(contentsOf: f).base64EncodedString()
            default: break
            }
        }
        return out
    }

    /// Stops the process writing `run` (the pid in its `.lock`, when that process is a live
    /// `masklab lottery` or `train` of that folder) with SIGSTOP and returns its pid; nil otherwise.
    static func freeze(_ run: URL) -> pid_t? {
        guard let lock = try? String(contentsOf: run.appendingPathComponent(".lock"), encoding: .utf8),
              let line = lock.split(separator: "\n").first, line.hasPrefix("pid "), let pid = pid_t(line.dropFirst(4)),
              let cmdline = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")) else { return nil }
        let args = cmdline.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        guard args.contains(run.path) || args.contains(run.path + "/"), kill(pid, SIGSTOP) == 0 else { return nil }
        return pid
    }

    func testLocalLotterySweepTableResumeAfterKillAndSameLevelsAsLottery() throws {
        let data = TemporaryDirectory("masklab-lottery-sweep-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
        let work = TemporaryDirectory("masklab-lottery-sweep")
        let file = work.file("tickets.json")
        try Self.writeSweep(file, iterations: 120)

        let dry = try Self.masklab(["sweep", file.path, "--out", work.file("a").path, "--dry-run"])
        XCTAssertEqual(dry.status, 0, "\(dry)")
        XCTAssertEqual(dry.stdout.components(separatedBy: "fresh ").count - 1, 4, dry.stdout)
        XCTAssertTrue(dry.stdout.contains("pruneFraction=0.3 seed 2  →  \(work.path)/a/sweep-tickets/runs/lottery-mlp-mnist-"), dry.stdout)
        XCTAssertTrue(dry.stdout.contains("4 run(s): 0 completed, 4 to run"), dry.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.file("a").path), "a dry run writes nothing")

        // Uninterrupted.
        let a = try Self.masklab(["sweep", file.path, "--out", work.file("a").path, "--data", data.path])
        XCTAssertEqual(a.status, 0, "\(a)")
        let root = work.file("a/sweep-tickets")
        let runs = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("runs").path).sorted()
        XCTAssertEqual(runs.count, 4, "\(runs)")
        XCTAssertTrue(runs.allSatisfy { $0.hasPrefix("lottery-mlp-mnist-") }, "\(runs)")
        for r in runs {
            XCTAssertTrue(FileManager.default.fileExists(atPath: root.appendingPathComponent("runs/\(r)/lottery.log").path), r)
            XCTAssertTrue(FileManager.default.fileExists(atPath: root.appendingPathComponent("runs/\(r)/level_02/random/level.json").path), r)
        }
        let csv = try String(contentsOf: root.appendingPathComponent("sweep.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n")
        XCTAssertEqual(lines.count, 1 + 2 * 5, "header + 2 cells × (3 ticket levels + 2 random levels):\n\(csv)")
        XCTAssertTrue(lines[1].hasPrefix("pruneFraction=0.5,ticket,0,100.0000,2,2,0."), csv)
        XCTAssertTrue(lines[3].hasPrefix("pruneFraction=0.5,ticket,2,"), csv)
        XCTAssertTrue(lines[4].hasPrefix("pruneFraction=0.5,random,1,"), csv)
        XCTAssertTrue(lines[6].hasPrefix("pruneFraction=0.3,ticket,0,"), csv)
        let md = try String(contentsOf: root.appendingPathComponent("SWEEP.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("# Lottery sweep tickets"), md)
        XCTAssertTrue(md.contains("| pruneFraction=0.5 | ticket | 2 | 25.") && md.contains(" ± "), md)
        XCTAssertEqual(md.components(separatedBy: "| completed |").count - 1, 4, md)
        XCTAssertTrue(a.stdout.contains("# Lottery sweep tickets"), a.stdout)

        // A sweep's lottery job is `masklab lottery` of its lottery.json: a standalone run gives the
        // same levels, also when Slurm's warning (SIGUSR1, what a task's batch shell passes on)
        // stops it in the middle of level 1 and it is run again.
        let one = root.appendingPathComponent("runs/\(runs[0])"), alone = work.file("alone")
        let lotteryArgs = ["lottery", "--config", one.appendingPathComponent("lottery.json").path, "--data", data.path, "--out", alone.path]
        let lottery = CommandInBackground(lotteryArgs, timeout: 300)
        var signalled = false
        let warnBy = Date().addingTimeInterval(120)
        while !signalled && !lottery.hasEnded && Date() < warnBy {
            Thread.sleep(forTimeInterval: 0.01)
            let level = alone.appendingPathComponent("level_01")
            guard FileManager.default.fileExists(atPath: level.appendingPathComponent("last.safetensors").path), let pid = Self.freeze(alone) else { continue }
            if !FileManager.default.fileExists(atPath: level.appendingPathComponent("level.json").path) {
                kill(pid, SIGUSR1)
                signalled = true
            }
            kill(pid, SIGCONT)
        }
        let w = try XCTUnwrap(lottery.wait(seconds: 200), "the lottery did not end")
        XCTAssertTrue(signalled, "the lottery was never caught in level 1:\n\(w)")
        XCTAssertEqual(w.status, 130, "\(w)")
        XCTAssertTrue(w.stdout.contains("stopped; run the same command again"), w.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: alone.appendingPathComponent("levels.csv").path))
        let rest = try Self.masklab(lotteryArgs)
        XCTAssertEqual(rest.status, 0, "\(rest)")
        XCTAssertEqual(try Self.lotteryContents(alone), try Self.lotteryContents(one))

        // Again: every run is skipped, the table is unchanged.
        let again = try Self.masklab(["sweep", file.path, "--out", work.file("a").path, "--data", data.path])
        XCTAssertEqual(again.status, 0, "\(again)")
        XCTAssertTrue(again.stdout.contains("skipping 4 completed run(s)"), again.stdout)
        XCTAssertFalse(again.stdout.contains("start "), again.stdout)
        XCTAssertEqual(try String(contentsOf: root.appendingPathComponent("sweep.csv"), encoding: .utf8), csv)
        try FileManager.default.removeItem(at: root.appendingPathComponent("sweep.csv"))
        let reportOnly = try Self.masklab(["sweep", file.path, "--out", work.file("a").path, "--report-only"])
        XCTAssertEqual(reportOnly.status, 0, "\(reportOnly)")
        XCTAssertEqual(try String(contentsOf: root.appendingPathComponent("sweep.csv"), encoding: .utf8), csv, "--report-only rewrites the same table")

        // The same sweep, one job at a time; the first lottery is killed (SIGKILL) in the middle of
        // level 1 or 2, after a checkpoint of that level: frozen with SIGSTOP first, so it cannot
        // finish while the test looks.
        let b = work.file("b/sweep-tickets")
        let args = ["sweep", file.path, "--out", work.file("b").path, "--data", data.path, "--jobs", "1"]
        let sweep = CommandInBackground(args, timeout: 300)
        let victim = b.appendingPathComponent("runs/\(try XCTUnwrap(Sweep(config: SweepConfig.load(from: file), layout: SweepLayout(root: work.file("b"), name: "tickets")).jobs.first).directory.lastPathComponent)")
        var killedAt: String?
        let deadline = Date().addingTimeInterval(120)
        while killedAt == nil && !sweep.hasEnded && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.01)
            for level in ["level_01", "level_02"] {
                let dir = victim.appendingPathComponent(level)
                guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("last.safetensors").path),
                      !FileManager.default.fileExists(atPath: dir.appendingPathComponent("level.json").path),
                      let pid = Self.freeze(victim) else { continue }
                // Frozen: still mid-level (no result, no summary of the level)?
                if !FileManager.default.fileExists(atPath: dir.appendingPathComponent("level.json").path),
                   !FileManager.default.fileExists(atPath: dir.appendingPathComponent("summary.json").path) {
                    kill(pid, SIGKILL)
                    killedAt = level
                } else {
                    kill(pid, SIGCONT)
                }
                break
            }
        }
        let f = try XCTUnwrap(sweep.wait(seconds: 200), "the sweep did not end")
        let level = try XCTUnwrap(killedAt, "the first lottery was never caught mid-level:\n\(f)")
        XCTAssertNotEqual(f.status, 0, "a killed job is a failed run: \(f)")
        XCTAssertTrue(f.stderr.contains("1 run(s) failed") && f.stderr.contains("exit 137"), f.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: victim.appendingPathComponent("levels.csv").path))
        let dryPartial = try Self.masklab(["sweep", file.path, "--out", work.file("b").path, "--dry-run"])
        XCTAssertTrue(dryPartial.stdout.contains("partial "), dryPartial.stdout)
        XCTAssertTrue(dryPartial.stdout.contains("4 run(s): 3 completed, 1 to run"), dryPartial.stdout)
        let partialReport = try String(contentsOf: b.appendingPathComponent("SWEEP.md"), encoding: .utf8)
        XCTAssertTrue(partialReport.contains(level == "level_01" ? "| 1 of 3 levels done |" : "| 2 of 3 levels done |"), partialReport)

        let resumed = try Self.masklab(args)
        XCTAssertEqual(resumed.status, 0, "\(resumed)")
        XCTAssertTrue(resumed.stdout.contains("resume  "), resumed.stdout)
        XCTAssertTrue(resumed.stdout.contains("skipping 3 completed run(s)"), resumed.stdout)
        for r in runs {
            XCTAssertEqual(try Self.lotteryContents(b.appendingPathComponent("runs/\(r)")), try Self.lotteryContents(root.appendingPathComponent("runs/\(r)")),
                           "\(r) (killed in \(level))")
        }
        for name in ["sweep.csv", "SWEEP.md"] {
            XCTAssertEqual(try Data(contentsOf: b.appendingPathComponent(name)), try Data(contentsOf: root.appendingPathComponent(name)), name)
        }
    }

    /// kill -9 of the sweep: the kernel's parent-death signal (SIGTERM) stops its lottery child
    /// after its step with a checkpoint, as it stops a `train` child of `compare`.
    func testLotteryJobsDieWithAKilledSweep() throws {
        let background = BackgroundProcesses()
        defer { background.killAll() }
        let data = TemporaryDirectory("masklab-lottery-sweep-orphan-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
        let work = TemporaryDirectory("masklab-lottery-sweep-orphan")
        let file = work.file("long.json")
        try Self.writeSweep(file, name: "long", iterations: 1_000_000, grid: ["seed": [1]])
        let parent = try background.start(["sweep", file.path, "--out", work.path, "--data", data.path])
        let runs = work.file("sweep-long/runs")
        var child: Int32?
        let deadline = Date().addingTimeInterval(60)
        while child == nil && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
            guard let run = try? FileManager.default.contentsOfDirectory(atPath: runs.path).first else { continue }
            child = BackgroundProcesses.lockPid(runs.appendingPathComponent(run), other: parent.processIdentifier, timeout: 0.1)
        }
        let pid = try XCTUnwrap(child, "the lottery never started")
        XCTAssertEqual(CompareChildrenCLITests.stat(pid, 1), String(parent.processIdentifier), "the lottery is the sweep's child")
        let run = runs.appendingPathComponent(try XCTUnwrap(FileManager.default.contentsOfDirectory(atPath: runs.path).first))
        let metrics = run.appendingPathComponent("level_00/metrics.csv")
        let training = Date().addingTimeInterval(60)
        while ((try? String(contentsOf: metrics, encoding: .utf8))?.split(separator: "\n").count ?? 0) < 2 && Date() < training {
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTAssertFalse(CompareChildrenCLITests.isGone(pid), "the lottery trains level 0")
        kill(parent.processIdentifier, SIGKILL)
        let gone = Date().addingTimeInterval(20)
        while !CompareChildrenCLITests.isGone(pid) && Date() < gone { Thread.sleep(forTimeInterval: 0.1) }
        XCTAssertTrue(CompareChildrenCLITests.isGone(pid), "lottery \(pid) outlived its killed sweep")
        // (A surviving child would hold Foundation's exit monitor of the sweep open: end it before waiting.)
        if !CompareChildrenCLITests.isGone(pid) { kill(pid, SIGKILL) }
        parent.waitUntilExit()
        let log = try String(contentsOf: run.appendingPathComponent("lottery.log"), encoding: .utf8)
        XCTAssertTrue(log.contains("stopped; run the same command again"), "stopped with a checkpoint:\n\(log)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent("level_00/last.safetensors").path))
    }

    func testBadLotterySweepFilesAreClearErrors() throws {
        let out = TemporaryDirectory("masklab-lottery-sweep-bad")
        let file = out.file("bad.json")
        func refused(_ expected: [String], file f: StaticString = #filePath, line: UInt = #line) throws {
            let r = try Self.masklab(["sweep", file.path, "--out", out.path, "--dry-run"])
            XCTAssertNotEqual(r.status, 0, "\(r)", file: f, line: line)
            for e in expected { XCTAssertTrue(r.stderr.contains(e), "expected '\(e)' in:\n\(r.stderr)", file: f, line: line) }
        }
        try Self.writeSweep(file, grid: ["pruneFractio": [0.5]])
        try refused(["unknown config key pruneFractio", "did you mean pruneFraction?", "valid keys: run.model"])
        try Self.writeSweep(file, grid: ["pruneFraction": [1.5]])
        try refused(["pruneFraction=1.5"])
        try Self.writeSweep(file, grid: ["threads": [2]])
        try refused(["run.threads cannot be an axis"])
        try Self.writeSweep(file, grid: ["seed": [1]], base: ["transfer": out.file("missing.safetensors").path])
        try refused(["transfer \(out.file("missing.safetensors").path): no such file"])
        try Self.writeSweep(file, grid: ["seed": [1]], base: ["run": ["masks": ["name": "dropconnect"]]])
        try refused(["unknown key run.masks"])

        // A lottery.json base without "command": "lottery", and an unknown command.
        var o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        o["command"] = nil
        try JSONSerialization.data(withJSONObject: o).write(to: file)
        try refused(["\"run\" is a key of a lottery.json", "add \"command\": \"lottery\""])
        o["command"] = "prune"
        try JSONSerialization.data(withJSONObject: o).write(to: file)
        try refused(["\"command\" must be \"train\"", "or \"lottery\""])
    }

    /// `experiments/lottery/grid-mnist-sweep.json` is `grid-mnist.sh` as a sweep: its dry run lists
    /// exactly the 18 lottery runs the script's `masklab lottery` commands make (the same
    /// lottery.json, hence the same folder hash), and `fc-lenet300-sweep.json` those of `fc-lenet300.sh`.
    func testConvertedBashStudiesExpandToTheSameRuns() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let preset = repo.appendingPathComponent("experiments/lottery/lenet300-frankle.json").path
        let out = TemporaryDirectory("masklab-lottery-sweep-convert")
        func planned(_ sweep: String) throws -> [String] {
            let r = try Self.masklab(["sweep", repo.appendingPathComponent("experiments/lottery/\(sweep)").path, "--out", out.path, "--dry-run"])
            XCTAssertEqual(r.status, 0, "\(r)")
            return r.stdout.split(separator: "\n").filter { $0.hasPrefix("fresh ") }.map { String($0.split(separator: "/").last!) }
        }
        func folder(_ flags: [String]) throws -> String {
            let r = try Self.masklab(["lottery", "--config", preset] + flags + ["--print-config"])
            XCTAssertEqual(r.status, 0, "\(r)")
            return try JSONDecoder().decode(LotteryConfig.self, from: Data(r.stdout.utf8)).runName
        }
        // grid-mnist.sh: for seed, p, sel: lottery --levels 5 --prune p --iterations 800 --eval-every 100 --selection sel --branches reinit --seed s --threads 1
        var script: [String] = []
        for seed in ["1", "2", "3"] {
            for p in ["0.2", "0.4", "0.6"] {
                for sel in ["magnitude", "random"] {
                    script.append(try folder(["--levels", "5", "--prune", p, "--iterations", "800", "--eval-every", "100", "--selection", sel,
                                              "--branches", "reinit", "--seed", seed, "--threads", "1"]))
                }
            }
        }
        let grid = try planned("grid-mnist-sweep.json")
        XCTAssertEqual(grid.count, 18)
        XCTAssertEqual(Set(grid), Set(script))
        // fc-lenet300.sh: for seed: lottery --levels 18 --prune 0.2 --prune-output 0.1 --iterations 2000 --eval-every 100
        //   --branches reinit,random --branch-levels 3,7,12,15,18 --seed s --threads 1
        let fc = try ["1", "2", "3"].map { seed in
            try folder(["--levels", "18", "--prune", "0.2", "--prune-output", "0.1", "--iterations", "2000", "--eval-every", "100",
                        "--branches", "reinit,random", "--branch-levels", "3,7,12,15,18", "--seed", seed, "--threads", "1"])
        }
        XCTAssertEqual(try planned("fc-lenet300-sweep.json"), fc)
    }
}
