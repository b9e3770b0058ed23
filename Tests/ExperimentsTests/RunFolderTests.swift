import XCTest
import Foundation
@testable import Experiments
import Training
import TestSupport

/// `FolderLock` and `RunFolder`: one writer per folder, stale locks and temporary files of dead
/// processes, and the refuse / resume / overwrite rules for a folder that holds results.
final class RunFolderTests: XCTestCase {
    /// A pid no process has (above Linux's largest pid_max, 2^22).
    let deadPid: Int32 = 99_999_999

    func testSecondLockFailsWithTheHoldersPidAndAReleasedLockIsFree() throws {
        let dir = TemporaryDirectory("masklab-lock")
        let first = try FolderLock.acquire(dir.url, holder: "masklab train --out x")
        XCTAssertEqual(FolderLock.holder(of: dir.url)?.pid, getpid())
        // flock belongs to the open file, so a second open in the same process conflicts like another process would.
        XCTAssertThrowsError(try FolderLock.acquire(dir.url, holder: "second")) { error in
            guard case let RunError.locked(path, holder) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, dir.path)
            XCTAssertEqual(holder.pid, getpid())
            XCTAssertEqual(holder.command, "masklab train --out x")
            XCTAssertTrue("\(error)".contains("ps -p \(getpid())"), "\(error)")
        }
        first.release()
        XCTAssertNil(FolderLock.holder(of: dir.url))
        _ = try FolderLock.acquire(dir.url, holder: "third")
    }

    func testALockFileLeftByADeadProcessIsHarmless() throws {
        let dir = TemporaryDirectory("masklab-lock-stale")
        try "pid \(deadPid)\ncommand masklab train (killed)\n".write(to: dir.file(".lock"), atomically: true, encoding: .utf8)
        XCTAssertNil(FolderLock.holder(of: dir.url), "nobody holds the flock of a dead process")
        let lock = try FolderLock.acquire(dir.url, holder: "new")
        XCTAssertEqual(try String(contentsOf: dir.file(".lock"), encoding: .utf8), "pid \(getpid())\ncommand new\n")
        lock.release()
    }

    func testExistingResultsAreRefusedResumedOrOverwritten() throws {
        let dir = TemporaryDirectory("masklab-runfolder")
        try "{}".write(to: dir.file("config.json"), atomically: true, encoding: .utf8)
        try "old".write(to: dir.file("metrics.csv"), atomically: true, encoding: .utf8)
        let results = ["config.json", "metrics.csv", "summary.json"]
        XCTAssertThrowsError(try RunFolder.open(dir.url, commandLine: ["masklab", "train"], results: results, holds: "a run", reuse: .refuse,
                                                choices: ["continue it with --resume", "replace it with --overwrite"])) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("already holds a run") && text.contains("config.json, metrics.csv"), text)
            XCTAssertTrue(text.contains("--resume") && text.contains("--overwrite"), text)
        }
        XCTAssertEqual(try String(contentsOf: dir.file("metrics.csv"), encoding: .utf8), "old", "a refusal changes nothing")

        var verified = false
        let resumed = try RunFolder.open(dir.url, commandLine: ["t"], results: results, holds: "a run", reuse: .resume, choices: []) { verified = true }
        XCTAssertTrue(verified)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.file("metrics.csv").path), "resuming keeps the results")
        resumed.close()

        let replaced = try RunFolder.open(dir.url, commandLine: ["t"], results: results, holds: "a run", reuse: .overwrite, choices: [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("metrics.csv").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("config.json").path))
        try replaced.write("new", to: "metrics.csv")
        XCTAssertEqual(try String(contentsOf: dir.file("metrics.csv"), encoding: .utf8), "new")
        replaced.close()
    }

    func testTemporaryFilesOfDeadWritersAreRemovedWhenTheFolderIsTaken() throws {
        let dir = TemporaryDirectory("masklab-runfolder-tmp")
        let stale = dir.file(".last.safetensors.\(deadPid).tmp"), live = dir.file(".last.safetensors.\(getppid()).tmp")
        let other = dir.file(".notes.tmp")
        for f in [stale, live, other] { try "x".write(to: f, atomically: false, encoding: .utf8) }
        let folder = try RunFolder.open(dir.url, commandLine: ["t"], results: [], holds: "a run", reuse: .resume, choices: [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: stale.path), "a dead writer's temporary file is removed")
        XCTAssertTrue(FileManager.default.fileExists(atPath: live.path), "a live process's file is left alone")
        XCTAssertTrue(FileManager.default.fileExists(atPath: other.path), "files without a pid are not ours to remove")
        folder.close()
    }

    func testAFolderThatDoesNotExistIsCreatedOnlyWhenTaken() throws {
        let root = TemporaryDirectory("masklab-runfolder-new")
        let dir = root.file("a/b")
        let folder = try RunFolder.open(dir, commandLine: ["masklab", "x y"], results: [], holds: "a run", reuse: .refuse, choices: [])
        try folder.writeCommand([("data", "/d")])
        let text = try String(contentsOf: dir.appendingPathComponent("command.txt"), encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("command: masklab 'x y'\ndirectory: \(FileManager.default.currentDirectoryPath)\ndata: /d\ncommit: "), text)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), [".lock", "command.txt"],
                       "no temporary file is left behind")
    }

    /// Taking a folder again keeps the earlier invocations of command.txt below the new one, so a
    /// re-run that only skipped finished work does not erase who made the results.
    func testWriteCommandKeepsEarlierInvocations() throws {
        let dir = TemporaryDirectory("masklab-runfolder-history")
        for (i, data) in ["/first", "/second", "/third"].enumerated() {
            let folder = try RunFolder.open(dir.url, commandLine: ["masklab", "run\(i)"], results: [RunLayout.commandFile], holds: "a run",
                                            reuse: .resume, choices: []) { () throws(RunError) in }
            try folder.writeCommand([("data", data)])
            folder.close()
        }
        let text = try String(contentsOf: dir.url.appendingPathComponent("command.txt"), encoding: .utf8)
        let cwd = "directory: \(FileManager.default.currentDirectoryPath)\n"
        XCTAssertTrue(text.hasPrefix("command: masklab run2\n\(cwd)data: /third\ncommit: "), text)
        let blocks = text.components(separatedBy: RunFolder.earlierInvocation)
        XCTAssertEqual(blocks.count, 3, text)
        XCTAssertTrue(blocks[1].contains("command: masklab run1\n\(cwd)data: /second") && blocks[2].contains("command: masklab run0\n\(cwd)data: /first"), text)
        XCTAssertEqual(text.components(separatedBy: "commit: ").count, 4, "each invocation keeps its own provenance: \(text)")
        XCTAssertEqual(RunFolder.latestInvocation(text), String(blocks[0].dropLast()), "the latest block alone")

        // The same invocation again (only the date differs) adds nothing.
        let again = try RunFolder.open(dir.url, commandLine: ["masklab", "run2"], results: [RunLayout.commandFile], holds: "a run",
                                       reuse: .resume, choices: []) { () throws(RunError) in }
        try again.writeCommand([("data", "/third")])
        again.close()
        XCTAssertEqual(try String(contentsOf: dir.url.appendingPathComponent("command.txt"), encoding: .utf8), text)

        // Overwriting (--force) starts the history afresh.
        let fresh = try RunFolder.open(dir.url, commandLine: ["masklab", "again"], results: [RunLayout.commandFile], holds: "a run",
                                       reuse: .overwrite, choices: [])
        try fresh.writeCommand([])
        fresh.close()
        let after = try String(contentsOf: dir.url.appendingPathComponent("command.txt"), encoding: .utf8)
        XCTAssertFalse(after.contains(RunFolder.earlierInvocation), after)
    }

    func testStatusReadsTheSummarysSpelling() throws {
        let dir = TemporaryDirectory("masklab-status")
        let layout = RunLayout(directory: dir.url)
        XCTAssertNil(RunFolder.status(of: layout))
        for status in [RunStatus.completed, .stopped, .nonFinite] {
            try #"{"status": "\#(status.rawValue)", "epochs": 1}"#.write(to: layout.summary, atomically: true, encoding: .utf8)
            XCTAssertEqual(RunFolder.status(of: layout), status)
        }
        XCTAssertEqual(RunStatus.nonFinite.rawValue, "nonFinite", "the JSON spelling of older folders")
    }
}
