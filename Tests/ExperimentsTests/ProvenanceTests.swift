import XCTest
import Foundation
import TensorCore
@testable import Experiments
import TestSupport

/// Where `command.txt`'s commit comes from: the clone above the running binary, and whether that
/// clone's HEAD moved after the binary was built.
final class ProvenanceTests: XCTestCase {
    func testTheCloneIsFoundAboveTheRunningBinary() throws {
        let repository = try XCTUnwrap(Provenance.repository, "the test binary lives in the clone's .build")
        XCTAssertTrue(FileManager.default.fileExists(atPath: repository.appendingPathComponent(".git").path))
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        XCTAssertTrue(executable.path.hasPrefix(repository.path + "/"), "\(executable.path) is not in \(repository.path)")
        XCTAssertNotEqual(Provenance.current().commit, "unknown")
    }

    func testAHeadThatMovedAfterTheBuildIsNoticed() throws {
        let dir = TemporaryDirectory("masklab-provenance-git")
        let git = ["git", "-C", dir.path]
        XCTAssertNil(Provenance.headMoved(after: Date(), git: git), "not a clone yet")
        try "x".write(to: dir.file("f"), atomically: true, encoding: .utf8)
        for args in [["init", "-q"], ["add", "f"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "one"]] {
            XCTAssertNotNil(Provenance.shell(git + args), "git \(args)")
        }
        XCTAssertEqual(Provenance.headMoved(after: Date(timeIntervalSinceNow: -3600), git: git), true, "committed after a binary of an hour ago")
        XCTAssertEqual(Provenance.headMoved(after: Date(timeIntervalSinceNow: 3600), git: git), false)
        var p = Provenance.current()
        p.builtBeforeHead = true
        XCTAssertTrue(p.text.contains("rebuild"), p.text)
    }

    /// "Uncommitted changes" means the compiled code, as the build stamp counts it: an edited or new
    /// file in Sources/, Plugins/ or Package.swift, not a result, a script or the README.
    func testOnlyTheCompiledCodeCountsAsUncommittedChanges() throws {
        let dir = TemporaryDirectory("masklab-provenance-dirty")
        let git = ["git", "-C", dir.path]
        try FileManager.default.createDirectory(at: dir.file("Sources/M"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: dir.file("results/run"), withIntermediateDirectories: true)
        for (path, text) in [("Sources/M/a.swift", "let a = 1\n"), ("Package.swift", "// p\n"), ("README.md", "r\n"), ("results/run/metrics.csv", "x\n")] {
            try text.write(to: dir.file(path), atomically: true, encoding: .utf8)
        }
        for args in [["init", "-q"], ["add", "."], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "one"]] {
            XCTAssertNotNil(Provenance.shell(git + args), "git \(args)")
        }
        XCTAssertFalse(Provenance.codeDiffers(git: git), "a clean clone")
        try "r2\n".write(to: dir.file("README.md"), atomically: true, encoding: .utf8)
        try "y\n".write(to: dir.file("results/run/metrics.csv"), atomically: true, encoding: .utf8)
        try "new\n".write(to: dir.file("notes.txt"), atomically: true, encoding: .utf8)
        XCTAssertFalse(Provenance.codeDiffers(git: git), "docs, results and other new files are not code")
        try "let b = 2\n".write(to: dir.file("Sources/M/b.swift"), atomically: true, encoding: .utf8)
        XCTAssertTrue(Provenance.codeDiffers(git: git), "a new source file is compiled")
        try FileManager.default.removeItem(at: dir.file("Sources/M/b.swift"))
        try "let a = 2\n".write(to: dir.file("Sources/M/a.swift"), atomically: true, encoding: .utf8)
        XCTAssertTrue(Provenance.codeDiffers(git: git), "an edited source file")
        XCTAssertNotNil(Provenance.shell(git + ["checkout", "-q", "--", "Sources"]))
        try "// p2\n".write(to: dir.file("Package.swift"), atomically: true, encoding: .utf8)
        XCTAssertTrue(Provenance.codeDiffers(git: git), "an edited manifest")
    }

    /// A binary with a build stamp records its own commit, and the clone's HEAD beside it when the two differ.
    func testTheBuildStampIsTheRecordedCommit() throws {
        defer { Provenance.buildStamp = nil }
        guard let repository = Provenance.repository else { throw XCTSkip("not built in a git clone") }
        let head = try XCTUnwrap(Provenance.shell(["git", "-C", repository.path, "rev-parse", "--short=12", "HEAD"]))
        Provenance.buildStamp = ("0123456789ab", false)
        let other = Provenance.current()
        XCTAssertEqual(other.commit, "0123456789ab")
        XCTAssertEqual(other.stamped, true)
        XCTAssertFalse(other.dirty)
        XCTAssertNil(other.builtBeforeHead, "a stamped commit needs no guess from file times")
        XCTAssertEqual(other.cloneHead, head)
        XCTAssertTrue(other.text.hasPrefix("commit: 0123456789ab\nclone: HEAD is now \(head); the binary was built from the commit above"), other.text)
        Provenance.buildStamp = (head, true)
        let same = Provenance.current()
        XCTAssertNil(same.cloneHead)
        XCTAssertTrue(same.text.hasPrefix("commit: \(head) (with uncommitted changes)\nmachine:"), same.text)
        Provenance.buildStamp = ("unknown", false)
        XCTAssertNil(Provenance.current().stamped, "no stamp (built outside git): the clone is read")
    }

    /// A binary whose file was replaced while it ran (a rebuild) does not read the clone of the
    /// working directory instead: its commit is unknown rather than someone else's HEAD; and the
    /// clone is read once per process, so a later rebuild does not change what a run records.
    func testAReplacedBinaryDoesNotTakeTheWorkingDirectorysCommit() {
        let replaced = Provenance.cloneState(executable: URL(fileURLWithPath: "/tmp/elsewhere/masklab (deleted)"))
        XCTAssertNil(replaced.head)
        XCTAssertNil(replaced.builtBeforeHead)
        XCTAssertEqual(Provenance.current().commit, Provenance.current().commit)
        XCTAssertEqual(Provenance.cloneAtStart.head, Provenance.current().commit, "no stamp in the test process: the clone read at start")
    }

    /// A fixed round trip or compute speed-up is recorded as fixed, a measured one as measured.
    func testAFixedPlacementIsRecordedAsFixed() {
        let threads = Parallel.threads
        Parallel.setThreads(2)
        defer {
            Parallel.fixComputeSpeedup(nil)
            Parallel.fixRoundTrip(nanoseconds: nil)
            Parallel.setThreads(threads)
        }
        Parallel.fixComputeSpeedup(1.5)
        Parallel.fixRoundTrip(nanoseconds: 400)
        let fixed = Provenance.current()
        XCTAssertEqual(fixed.computeSpeedupFixed, true)
        XCTAssertTrue(fixed.text.contains("compute speed-up: 1.50×, fixed (not measured)"), fixed.text)
        XCTAssertTrue(fixed.text.contains("round trip: 400 ns, fixed (not measured)"), fixed.text)
        Parallel.fixComputeSpeedup(nil)
        Parallel.fixRoundTrip(nanoseconds: nil)
        let measured = Provenance.current()
        XCTAssertNil(measured.computeSpeedupFixed)
        XCTAssertFalse(measured.text.contains("fixed (not measured)"), measured.text)
        XCTAssertTrue(measured.text.contains("compute speed-up:"), measured.text)
    }
}
