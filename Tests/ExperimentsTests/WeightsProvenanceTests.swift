import XCTest
import Foundation
import Training
@testable import Experiments
import TestSupport

/// Which state of a run a command's weights came from: completed, ended otherwise, unfinished,
/// being written (the folder's lock held), or a loose file.
final class WeightsProvenanceTests: XCTestCase {
    func testTheRunStateIsReadFromTheSummaryAndTheLock() throws {
        let dir = TemporaryDirectory("masklab-weights-provenance")
        let folder = dir.url
        let file = folder.appendingPathComponent("last.safetensors")
        try Data([1, 2, 3]).write(to: file)
        XCTAssertEqual(WeightsProvenance.state(of: folder), .notARun)
        XCTAssertNil(WeightsProvenance.facts(file).warning(role: "A"))
        try "{}".write(to: folder.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        XCTAssertEqual(WeightsProvenance.state(of: folder), .unfinished)
        try #"{"status": "stopped"}"#.write(to: folder.appendingPathComponent("summary.json"), atomically: true, encoding: .utf8)
        XCTAssertEqual(WeightsProvenance.state(of: folder), .ended(status: "stopped"))
        try #"{"status": "completed"}"#.write(to: folder.appendingPathComponent("summary.json"), atomically: true, encoding: .utf8)
        let done = WeightsProvenance.facts(file)
        XCTAssertEqual(done.state, .completed)
        XCTAssertNil(done.warning(role: "A"))
        XCTAssertTrue(done.text.hasPrefix(file.path + " (3 bytes; modified ") && done.text.hasSuffix("; run completed)"), done.text)
        // A live writer holds the folder: the state says so even though summary.json says completed.
        let lock = try FolderLock.acquire(folder, holder: "test")
        let live = WeightsProvenance.facts(file)
        XCTAssertEqual(live.state, .writing(pid: getpid()))
        XCTAssertTrue(live.text.contains("run still being written by process \(getpid())"), live.text)
        XCTAssertTrue(live.warning(role: "A")?.contains("still being written") == true)
        lock.release()
        XCTAssertEqual(WeightsProvenance.state(of: folder), .completed)
        // The state is read before the load: a run that ends while its weights are read stays unfinished in the record.
        try FileManager.default.removeItem(at: folder.appendingPathComponent("summary.json"))
        let (_, early) = try WeightsProvenance.reading(file, load: { () throws(RunError) -> Int in
            try? #"{"status": "completed"}"#.write(to: folder.appendingPathComponent("summary.json"), atomically: true, encoding: .utf8)
            return 0
        }, contents: { _ in nil })
        XCTAssertEqual(early.state, .unfinished)
    }
}
