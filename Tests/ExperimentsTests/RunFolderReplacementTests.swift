import XCTest
import Foundation
@testable import Experiments
import Training
import TestSupport

/// A run folder deleted or replaced under its live writer, folders that belong to other
/// commands, and the messages for paths that cannot be written or read as asked.
final class RunFolderReplacementTests: XCTestCase {
    private func take(_ dir: URL) throws -> RunFolder {
        try RunFolder.open(dir, commandLine: ["masklab", "train"], results: RunLayout.results, holds: "a run", reuse: .refuse, choices: [])
    }

    private func assertReplaced(_ expression: @autoclosure () throws -> Void, _ dir: URL, line: UInt = #line) {
        XCTAssertThrowsError(try expression(), line: line) { error in
            guard case let RunError.folderReplaced(path) = error else { return XCTFail("\(error)", line: line) }
            XCTAssertEqual(path, dir.path, line: line)
            XCTAssertTrue("\(error)".contains("was deleted or replaced while this run was writing it; stopping without writing"), "\(error)", line: line)
        }
    }

    func testAWriterStopsOnceItsFolderIsDeleted() throws {
        let root = TemporaryDirectory("masklab-replaced-deleted")
        let dir = root.file("run")
        let folder = try take(dir)
        defer { folder.close() }
        try folder.write("epoch\n", to: "metrics.csv")
        try folder.checkStillOurs()
        try folder.trainerCheck()

        try FileManager.default.removeItem(at: dir)
        assertReplaced(try folder.write("epoch\n1\n", to: "metrics.csv"), dir)
        assertReplaced(try RunFolder.writeAtomically(Data("{}".utf8), to: dir.appendingPathComponent("summary.json")), dir)
        assertReplaced(try folder.checkStillOurs(), dir)
        XCTAssertThrowsError(try folder.trainerCheck()) { error in
            XCTAssertTrue("\(error)".contains("was deleted or replaced"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path), "nothing was written: the folder is not created again")
    }

    func testAWriterLeavesAFolderThatReplacedItsOwnAlone() throws {
        let root = TemporaryDirectory("masklab-replaced-new")
        let dir = root.file("run")
        let folder = try take(dir)
        try folder.write("old\n", to: RunLayout.configFile)

        // `rm -rf run` and a new run at the same path, with a lock file of its own.
        try FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data("pid 1\n".utf8).write(to: dir.appendingPathComponent(FolderLock.fileName))
        try Data("new\n".utf8).write(to: dir.appendingPathComponent(RunLayout.configFile))
        assertReplaced(try folder.write("old again\n", to: RunLayout.configFile), dir)
        assertReplaced(try folder.writeCommand([]), dir)
        assertReplaced(try RunFolder.writeAtomically(Data("{}".utf8), to: dir.appendingPathComponent("level_00/summary.json")), dir)
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent(RunLayout.configFile), encoding: .utf8), "new\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent(RunLayout.commandFile).path))

        // Once released, the old lock guards nothing: the path's new owner writes as usual.
        folder.close()
        try RunFolder.writeAtomically(Data("{}".utf8), to: dir.appendingPathComponent("summary.json"))
    }

    func testClaimsCoverTheFolderAndWhatIsBelowItOnly() throws {
        let root = TemporaryDirectory("masklab-claims")
        let lottery = try take(root.file("L"))
        defer { lottery.close() }
        let level = try take(root.file("L/level_00"))
        defer { level.close() }
        XCTAssertEqual(Set(FolderLock.claims(over: root.file("L/level_00/metrics.csv")).map(\.url.path)),
                       [root.file("L/.lock").path, root.file("L/level_00/.lock").path])
        XCTAssertEqual(FolderLock.claims(over: root.file("L/levels.csv")).map(\.url.path), [root.file("L/.lock").path])
        XCTAssertTrue(FolderLock.claims(over: root.file("L2/levels.csv")).isEmpty, "a folder whose name only starts alike is not covered")
    }

    // MARK: - Folders of other commands

    func testFolderOwnerFindsOtherCommandsAndLeavesTrainRunsAlone() throws {
        let root = TemporaryDirectory("masklab-owner")
        func folder(_ name: String, _ files: [String: String]) throws -> URL {
            let dir = root.file(name)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            for (file, text) in files { try Data(text.utf8).write(to: dir.appendingPathComponent(file)) }
            return dir
        }
        let train = try folder("T", ["config.json": "{}", "command.txt": "command: /opt/x/masklab train --epochs 1\ndate: now\n"])
        XCTAssertNil(FolderOwner.of(train))
        XCTAssertNil(FolderOwner.of(root.file("missing")))
        XCTAssertNil(FolderOwner.of(try folder("E", [:])))

        XCTAssertEqual(FolderOwner.of(try folder("L", ["lottery.json": "{}"])), FolderOwner(command: "lottery", evidence: "it holds lottery.json"))
        XCTAssertEqual(FolderOwner.of(try folder("L/level_00", ["level.json": "{}", "config.json": "{}"]))?.command, "lottery")
        let pending = try XCTUnwrap(FolderOwner.of(try folder("L/level_01", ["mask.safetensors": ""])))
        XCTAssertEqual(pending.command, "lottery")
        XCTAssertTrue(pending.evidence.contains("a level of the lottery in"), pending.evidence)
        XCTAssertEqual(FolderOwner.of(root.file("L/level_02/reinit"))?.command, "lottery", "a branch, two folders below its lottery")
        XCTAssertNil(FolderOwner.of(root.file("L/runs")), "a folder under a lottery that is not named as a level is not its level")
        XCTAssertNil(FolderOwner.of(root.file("L/runs/x")))
        XCTAssertEqual(FolderOwner.of(try folder("C", ["compare.json": "{}", "command.txt": "command: masklab compare x\n"]))?.command, "compare")
        XCTAssertEqual(FolderOwner.of(try folder("S", ["sweep.json": "{}"]))?.command, "sweep")
        XCTAssertEqual(FolderOwner.of(try folder("P", ["prune.json": "{}"]))?.command, "prune")
        XCTAssertEqual(FolderOwner.of(try folder("I", ["command.txt": "command: '/my dir/masklab' interpolate A B\n"])),
                       FolderOwner(command: "interpolate", evidence: "its command.txt records `masklab interpolate`"))
        // A train run resumed after an interpolation wrote nothing there: the latest invocation counts.
        let resumed = "command: masklab train --resume\n\n\(RunFolder.earlierInvocation)\ncommand: masklab train\n"
        XCTAssertNil(FolderOwner.of(try folder("R", ["command.txt": resumed])))
    }

    func testTrainRefusesAnotherCommandsFolderWhateverItsFlags() throws {
        let root = TemporaryDirectory("masklab-owner-train")
        let dir = root.file("C")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: dir.appendingPathComponent("compare.json"))
        for reuse in [RunFolder.Reuse.refuse, .overwrite, .resume] {
            XCTAssertThrowsError(try TrainingRun.run(RunConfig(), dataRoot: root.file("no-data"), layout: RunLayout(directory: dir),
                                                     commandLine: ["masklab", "train"], reuse: reuse)) { error in
                guard case let RunError.foreignFolder(path, owner, evidence, writer) = error else { return XCTFail("\(reuse): \(error)") }
                XCTAssertEqual(path, dir.path)
                XCTAssertEqual(owner, "compare")
                XCTAssertEqual(evidence, "it holds compare.json")
                XCTAssertEqual(writer, "train")
                XCTAssertFalse("\(error)".contains("replace it with --overwrite"), "\(error)")
            }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["compare.json"], "nothing was changed")
    }

    /// `FolderOwner.writer(of:)` names `train` for a train run (by its command.txt, or without one
    /// by its results), and `RunFolder.open` with a `writer` refuses any other command's folder.
    func testWritersRefuseOtherCommandsFolders() throws {
        let root = TemporaryDirectory("masklab-owner-writer")
        func folder(_ name: String, _ files: [String: String]) throws -> URL {
            let dir = root.file(name)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            for (file, text) in files { try Data(text.utf8).write(to: dir.appendingPathComponent(file)) }
            return dir
        }
        let run = try folder("run", ["command.txt": "command: masklab train --epochs 1\n", "summary.json": "{}"])
        XCTAssertEqual(FolderOwner.writer(of: run), FolderOwner(command: "train", evidence: "its command.txt records `masklab train`"))
        let copied = try folder("copied", ["summary.json": "{}"])
        XCTAssertEqual(FolderOwner.writer(of: copied), FolderOwner(command: "train", evidence: "it holds a run's summary.json"))
        XCTAssertNil(FolderOwner.writer(of: try folder("empty", [:])))
        XCTAssertNil(FolderOwner.writer(of: root.file("missing")))
        XCTAssertEqual(FolderOwner.writer(of: try folder("cmp", ["compare.json": "{}"]))?.command, "compare")
        for (dir, owner) in [(run, "train"), (copied, "train")] {
            for writer in ["lottery", "prune", "importance", "interpolate", "compare"] {
                XCTAssertThrowsError(try RunFolder.open(dir, commandLine: ["masklab", writer], results: [], holds: "x", reuse: .overwrite,
                                                        choices: [], writer: writer)) { error in
                    guard case let RunError.foreignFolder(_, o, _, w) = error else { return XCTFail("\(writer): \(error)") }
                    XCTAssertEqual(o, owner)
                    XCTAssertEqual(w, writer)
                    XCTAssertTrue("\(error)".contains("`\(writer)` writes only its own folders, so --overwrite does not apply"), "\(error)")
                }
            }
        }
        let own = try RunFolder.open(run, commandLine: ["masklab", "train"], results: [], holds: "a run", reuse: .resume, choices: [], writer: "train")
        own.close()
        let fresh = try RunFolder.open(root.file("empty"), commandLine: ["masklab", "prune"], results: [], holds: "x", reuse: .refuse,
                                       choices: [], writer: "prune")
        fresh.close()
    }

    // MARK: - Messages

    func testAnOutputPathThroughAFileSaysSo() throws {
        let root = TemporaryDirectory("masklab-through-file")
        try Data("x".utf8).write(to: root.file("afile"))
        XCTAssertThrowsError(try take(root.file("afile/sub/run"))) { error in
            XCTAssertTrue("\(error)".contains("the path runs through \(root.file("afile").path), which is a file, not a folder"), "\(error)")
            XCTAssertFalse("\(error)".contains("NSCocoaErrorDomain"), "\(error)")
        }
    }

    /// A folder that refuses new entries without a POSIX reason in Foundation's error (/proc on
    /// Linux): the reason comes from mkdir(2), not "The file doesn't exist".
    func testAFolderThatRefusesNewFoldersIsNamedWithMkdirsReason() throws {
        guard FileManager.default.fileExists(atPath: "/proc/self") else { throw XCTSkip("no /proc on this system") }
        XCTAssertThrowsError(try take(URL(fileURLWithPath: "/proc/masklab-test-run"))) { error in
            XCTAssertTrue("\(error)".contains("/proc does not accept a new folder masklab-test-run (No such file or directory)"), "\(error)")
        }
    }

    func testInitialWeightsMayBeARunFolder() throws {
        let root = TemporaryDirectory("masklab-weights-folder")
        let run = root.file("run")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        XCTAssertThrowsError(try WeightsSource.weightsFile(run)) { error in
            XCTAssertTrue("\(error)".contains("a folder without last.safetensors; expected a run folder with a checkpoint"), "\(error)")
        }
        XCTAssertThrowsError(try WeightsSource.weightsFile(root.file("nothing.safetensors"))) { error in
            XCTAssertTrue("\(error)".contains("no such file"), "\(error)")
        }
        try Data().write(to: run.appendingPathComponent("last.safetensors"))
        XCTAssertEqual(try WeightsSource.weightsFile(run), RunLayout(directory: run).checkpoint)
        XCTAssertEqual(try WeightsSource.weightsFile(run.appendingPathComponent("last.safetensors")), run.appendingPathComponent("last.safetensors"))
    }

    func testAFailedAtomicWriteLeavesNoTemporaryFile() throws {
        let dir = TemporaryDirectory("masklab-atomic-full")
        let url = dir.file("summary.json")
        let temporary = dir.file(".summary.json.\(getpid()).tmp")
        try FileManager.default.createSymbolicLink(at: temporary, withDestinationURL: URL(fileURLWithPath: "/dev/full"))
        XCTAssertThrowsError(try RunFolder.writeAtomically(Data(repeating: 1, count: 1 << 16), to: url)) { error in
            XCTAssertTrue("\(error)".contains("cannot write") && "\(error)".contains("space"), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [], "no temporary file is left")

        // A rename that fails (the target is a folder that is not empty) removes the temporary file too.
        try FileManager.default.createDirectory(at: url.appendingPathComponent("x"), withIntermediateDirectories: true)
        XCTAssertThrowsError(try RunFolder.writeAtomically(Data("{}".utf8), to: url))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["summary.json"])
    }
}
