import XCTest
import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Through the real binary: a run whose folder is deleted and taken by a new run stops instead
/// of writing into the new one; `train` refuses folders of other commands (`--overwrite` or
/// not); a reader that closes the pipe early does not kill a run; signals and bad paths are named.
final class RunFolderGuardCLITests: XCTestCase {
    private let background = BackgroundProcesses()
    private var started: [Process] = []

    override func tearDown() {
        background.killAll()
        for p in started where p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
        super.tearDown()
    }

    private func masklab(_ args: [String]) throws -> CommandRunner.Result {
        try CommandRunner.run(args, environment: [:], timeout: 240)
    }

    private func tinyMNIST(train: Int = 240) throws -> TemporaryDirectory {
        let data = TemporaryDirectory("masklab-guard-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: train, test: 60, gzipped: true)
        return data
    }

    /// Starts `masklab args` in the background with its standard error going to `stderr`.
    private func start(_ args: [String], stderr: URL) throws -> Process {
        FileManager.default.createFile(atPath: stderr.path, contents: nil)
        let p = Process()
        p.executableURL = CommandRunner.masklab
        p.arguments = args
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = try FileHandle(forWritingTo: stderr)
        try p.run()
        started.append(p)
        return p
    }

    /// Waits until `condition` holds (true) or `timeout` seconds passed (false).
    private func wait(_ timeout: TimeInterval, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return condition()
    }

    // MARK: - A folder deleted under a live run

    func testARunWhoseFolderWasDeletedAndTakenByANewRunStopsWithoutWritingIntoIt() throws {
        let data = try tinyMNIST(train: 2000)
        let dir = TemporaryDirectory("masklab-guard-deleted")
        let run = dir.file("W9")
        let log = dir.file("first.err")
        let first = try start(["train", "--data", data.path, "--out", run.path, "--epochs", "1000", "--batch-size", "10", "--hidden", "32",
                               "--threads", "1", "--seed", "3"], stderr: log)
        XCTAssertNotNil(BackgroundProcesses.lockPid(run), "the first run took its folder")
        XCTAssertTrue(wait(120) { FileManager.default.fileExists(atPath: run.appendingPathComponent("metrics.csv").path) }, "the first run trains")

        // rm -rf W9 (again if the writer's temporary file came or went meanwhile), then a new run at the same path.
        XCTAssertTrue(wait(30) {
            _ = try? CommandRunner.run(["-rf", run.path], executable: URL(fileURLWithPath: "/bin/rm"))
            return !FileManager.default.fileExists(atPath: run.path)
        })
        let second = try masklab(["train", "--data", data.path, "--out", run.path, "--epochs", "1", "--batch-size", "32", "--hidden", "8",
                                  "--threads", "1", "--seed", "5"])
        XCTAssertEqual(second.status, 0, "\(second)")

        XCTAssertTrue(wait(60) { !first.isRunning }, "the first run stops once its folder is gone (it had 1000 epochs to go)")
        XCTAssertNotEqual(first.terminationStatus, 0)
        let said = try String(contentsOf: log, encoding: .utf8)
        XCTAssertTrue(said.contains("the run folder \(run.path) was deleted or replaced while this run was writing it; stopping without writing"), said)

        // The folder is the second run's alone: config, summary, metrics and command all say seed 5, one epoch.
        let config = try String(contentsOf: run.appendingPathComponent("config.json"), encoding: .utf8)
        XCTAssertTrue(config.contains("\"seed\" : 5"), config)
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("summary.json"))) as? [String: Any])
        XCTAssertEqual((summary["config"] as? [String: Any])?["seed"] as? Int, 5)
        XCTAssertEqual(summary["epochs"] as? Int, 1)
        let rows = try String(contentsOf: run.appendingPathComponent("metrics.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.count, 2, "header and the second run's one epoch: \(rows)")
        let command = try String(contentsOf: run.appendingPathComponent("command.txt"), encoding: .utf8)
        XCTAssertTrue(command.contains("--seed 5") && !command.contains("--seed 3"), command)
        let resumed = try masklab(["train", "--data", data.path, "--out", run.path, "--epochs", "1", "--batch-size", "32", "--hidden", "8",
                                   "--threads", "1", "--seed", "5", "--resume"])
        XCTAssertEqual(resumed.status, 0, "the second run's checkpoint is its own: \(resumed)")
    }

    // MARK: - Folders of other commands

    func testTrainRefusesALotteryLevelAndAComparisonWithOrWithoutOverwrite() throws {
        let data = try tinyMNIST()
        let dir = TemporaryDirectory("masklab-guard-owner")
        let lottery = dir.file("LL")
        let l = try masklab(["lottery", "--data", data.path, "--levels", "1", "--iterations", "8", "--batch-size", "32", "--hidden", "16",
                             "--validation", "40", "--eval-every", "4", "--threads", "1", "--out", lottery.path])
        XCTAssertEqual(l.status, 0, "\(l)")
        let compare = dir.file("CC")
        try FileManager.default.createDirectory(at: compare, withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: compare.appendingPathComponent("compare.json"))
        try Data("command: masklab compare --config c.json\n".utf8).write(to: compare.appendingPathComponent("command.txt"))
        let before = try RunFolderCLITests.snapshot(dir.url)

        let cases: [(out: URL, says: String)] = [
            (lottery.appendingPathComponent("level_00"), "belongs to `masklab lottery` (it holds level.json)"),
            (lottery, "belongs to `masklab lottery` (it holds lottery.json)"),
            (compare, "belongs to `masklab compare` (it holds compare.json)"),
        ]
        for c in cases {
            for extra in [["--overwrite"], []] {
                let r = try masklab(["train", "--data", data.path, "--out", c.out.path, "--epochs", "1", "--hidden", "8", "--threads", "1"] + extra)
                XCTAssertNotEqual(r.status, 0, "\(c.out.lastPathComponent) \(extra): \(r)")
                XCTAssertTrue(r.stderr.contains(c.says), "\(extra): \(r.stderr)")
                XCTAssertFalse(r.stderr.contains("replace it with --overwrite"), r.stderr)
            }
        }
        XCTAssertEqual(try RunFolderCLITests.snapshot(dir.url), before, "nothing was changed")
    }

    /// Found by a new user: `lottery --out RUN` on a finished train run exited 0, wrote its files
    /// into it, and `train --resume`/`--overwrite` then refused the run as the lottery's. Every
    /// command that writes a folder now refuses another command's, whatever its flags.
    func testOtherCommandsRefuseAFinishedTrainRun() throws {
        let data = try tinyMNIST()
        let dir = TemporaryDirectory("masklab-guard-train-owned")
        let run = dir.file("run")
        let t = try masklab(["train", "--data", data.path, "--out", run.path, "--epochs", "1", "--hidden", "8", "--threads", "1"])
        XCTAssertEqual(t.status, 0, "\(t)")
        let before = try RunFolderCLITests.snapshot(dir.url)
        let attempts: [[String]] = [
            ["lottery", "--data", data.path, "--levels", "1", "--iterations", "8", "--batch-size", "32", "--hidden", "8", "--threads", "1", "--out", run.path],
            ["prune", run.path, "--keep", "0.5", "--out", run.path],
            ["prune", run.path, "--keep", "0.5", "--out", run.path, "--overwrite"],
            ["importance", run.path, "--data", data.path, "--out", run.path, "--threads", "1"],
        ]
        for args in attempts {
            let r = try masklab(args)
            XCTAssertNotEqual(r.status, 0, "\(args): \(r)")
            XCTAssertTrue(r.stderr.contains("\(run.path) belongs to `masklab train` (its command.txt records `masklab train`); `\(args[0])` writes only its own folders"),
                          "\(args): \(r.stderr)")
        }
        XCTAssertEqual(try RunFolderCLITests.snapshot(dir.url), before, "nothing was changed")
        let resumed = try masklab(["train", "--data", data.path, "--out", run.path, "--epochs", "1", "--hidden", "8", "--threads", "1", "--resume"])
        XCTAssertEqual(resumed.status, 0, "the run is still train's own: \(resumed)")
    }

    // MARK: - A reader that goes away

    func testAPipeClosedEarlyDoesNotKillTheRun() throws {
        let data = try tinyMNIST(train: 2000)
        let dir = TemporaryDirectory("masklab-guard-pipe")
        let run = dir.file("run")
        let args = ["train", "--data", data.path, "--out", run.path, "--epochs", "3", "--batch-size", "10", "--hidden", "32", "--threads", "1"]
        // `masklab train … | head -n 2`, spawned with SIGPIPE at its default (as a shell does) whatever this test process does with it.
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, dir.file("err").path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        posix_spawn_file_actions_addclose(&actions, fds[1])
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF))
        let argv = ([CommandRunner.masklab.path] + args).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid = pid_t()
        XCTAssertEqual(posix_spawn(&pid, CommandRunner.masklab.path, &actions, &attributes, argv, environ), 0)
        close(fds[1])

        var lines = 0, byte: UInt8 = 0
        while lines < 2, read(fds[0], &byte, 1) == 1 { if byte == UInt8(ascii: "\n") { lines += 1 } }
        close(fds[0])   // head -n 2 exits
        XCTAssertEqual(lines, 2)
        var status: Int32 = 0
        XCTAssertEqual(waitpid(pid, &status, 0), pid)
        XCTAssertEqual(status & 0x7f, 0, "killed by signal \(status & 0x7f): \((try? String(contentsOf: dir.file("err"), encoding: .utf8)) ?? "")")
        XCTAssertEqual((status >> 8) & 0xff, 0)

        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("summary.json"))) as? [String: Any])
        XCTAssertEqual(summary["status"] as? String, "completed")
        XCTAssertEqual(summary["epochs"] as? Int, 3)
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent("last.safetensors").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent("curves.svg").path))
    }

    // MARK: - Messages

    func testSIGTERMIsNamedInTheStopMessage() throws {
        let data = try tinyMNIST(train: 2000)
        let dir = TemporaryDirectory("masklab-guard-sigterm")
        let run = dir.file("run")
        let log = dir.file("err")
        let p = try start(["train", "--data", data.path, "--out", run.path, "--epochs", "1000", "--batch-size", "10", "--hidden", "32",
                           "--threads", "1"], stderr: log)
        XCTAssertTrue(wait(120) { FileManager.default.fileExists(atPath: run.appendingPathComponent("metrics.csv").path) })
        kill(p.processIdentifier, SIGTERM)
        XCTAssertTrue(wait(60) { !p.isRunning })
        XCTAssertEqual(p.terminationStatus, 130)
        let said = try String(contentsOf: log, encoding: .utf8)
        XCTAssertTrue(said.contains("SIGTERM received: stopping after this step and writing a checkpoint (send SIGTERM again to quit now)"), said)
        XCTAssertFalse(said.contains("Ctrl-C"), said)
    }

    func testInitFromARunFolderAndAnOutputPathThroughAFile() throws {
        let data = try tinyMNIST()
        let dir = TemporaryDirectory("masklab-guard-paths")
        let common = ["--data", data.path, "--epochs", "1", "--batch-size", "32", "--hidden", "8", "--threads", "1"]
        let a = try masklab(["train", "--out", dir.file("A").path] + common)
        XCTAssertEqual(a.status, 0, "\(a)")
        let b = try masklab(["train", "--out", dir.file("B").path, "--init-from", dir.file("A").path] + common)
        XCTAssertEqual(b.status, 0, "a run folder gives its last.safetensors: \(b)")

        try FileManager.default.createDirectory(at: dir.file("empty"), withIntermediateDirectories: true)
        let empty = try masklab(["train", "--out", dir.file("C").path, "--init-from", dir.file("empty").path] + common)
        XCTAssertNotEqual(empty.status, 0)
        XCTAssertTrue(empty.stderr.contains("a folder without last.safetensors; expected a run folder with a checkpoint"), empty.stderr)
        XCTAssertFalse(empty.stderr.contains("NSCocoaErrorDomain"), empty.stderr)

        try Data("x".utf8).write(to: dir.file("afile"))
        let through = try masklab(["train", "--out", dir.file("afile/sub").path] + common)
        XCTAssertNotEqual(through.status, 0)
        XCTAssertTrue(through.stderr.contains("the path runs through \(dir.file("afile").path), which is a file, not a folder"), through.stderr)
        XCTAssertFalse(through.stderr.contains("NSCocoaErrorDomain"), through.stderr)
    }
}
