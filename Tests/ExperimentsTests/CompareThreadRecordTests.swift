import Foundation
import TestSupport
import XCTest

@testable import Experiments

/// The threads per run a comparison started with (`threads-per-job.json`): another count is
/// refused while a run folder exists (the arms of a seed would no longer be bit-paired), jobs
/// may change, and the report's Reproduce block states the count the runs used.
final class CompareThreadRecordTests: XCTestCase {
    private var folders: [TemporaryDirectory] = []

    private func compare(threads: Int, jobs: Int = 2) throws -> CompareConfig {
        try CompareConfig.parse([
            "name": "t", "seeds": [0, 1], "jobs": jobs, "threadsPerJob": threads, "base": ["model": "mlp", "dataset": "mnist"],
            "arms": [["name": "a", "masks": NSNull()], ["name": "c", "masks": ["name": "dropconnect"]]],
        ], path: "t.json")
    }

    private func layout() -> CompareLayout {
        let dir = TemporaryDirectory("masklab-compare-threads")
        folders.append(dir)
        return CompareLayout(directory: dir.file("compare-t"))
    }

    /// Saves run (`arm`, `seed`)'s config.json as a run with `threads` threads would.
    private func saveRun(_ compare: CompareConfig, _ layout: CompareLayout, arm: Int, seed: UInt64, threads: Int) throws {
        var config = compare.runConfig(compare.arms[arm], seed: seed)
        config.training.threads = threads
        let run = layout.run(arm: compare.arms[arm].name, seed: seed)
        try FileManager.default.createDirectory(at: run.directory, withIntermediateDirectories: true)
        try config.jsonText().write(to: run.config, atomically: true, encoding: .utf8)
    }

    private func check(_ compare: CompareConfig, _ layout: CompareLayout) throws -> CompareThreadRecord? {
        try CompareThreadRecord.check(compare, study: CompareRunner(compare: compare, layout: layout).study)
    }

    func testAnotherThreadCountIsRefusedOnceARunFolderExists() throws {
        let layout = layout()
        let one = try compare(threads: 1)
        try FileManager.default.createDirectory(at: layout.directory, withIntermediateDirectories: true)
        let record = try XCTUnwrap(try check(one, layout))
        XCTAssertEqual(record.threadsPerJob, 1)
        try record.write(layout)
        XCTAssertNil(try check(one, layout), "recorded already")
        XCTAssertNil(try check(try compare(threads: 1, jobs: 1), layout), "jobs may change")
        // No run folder yet: the study has not started, another count replaces the record.
        XCTAssertEqual(try check(try compare(threads: 2), layout)?.threadsPerJob, 2)

        try saveRun(one, layout, arm: 0, seed: 0, threads: 1)
        XCTAssertThrowsError(try check(try compare(threads: 2), layout)) { error in
            guard case let .threadsChanged(_, started, requested, source)? = error as? CompareError else { return XCTFail("\(error)") }
            XCTAssertEqual(started, 1)
            XCTAssertEqual(requested, 2)
            XCTAssertTrue(source.contains("threads-per-job.json"), source)
            let message = (error as? CompareError)?.description ?? ""
            XCTAssertTrue(message.contains("--threads-per-job 1") && message.contains("bit-paired"), message)
        }
        // A run folder without a saved config counts too (its run may be starting).
        try FileManager.default.removeItem(at: layout.run(arm: "a", seed: 0).config)
        XCTAssertThrowsError(try check(try compare(threads: 2), layout))
    }

    /// A study begun before the record existed: the count comes from its runs' config.json.
    func testWithoutRecordTheRunsConfigsDecide() throws {
        let layout = layout()
        let one = try compare(threads: 1)
        try saveRun(one, layout, arm: 0, seed: 0, threads: 1)
        try saveRun(one, layout, arm: 1, seed: 0, threads: 1)
        XCTAssertThrowsError(try check(try compare(threads: 2), layout)) { error in
            let message = (error as? CompareError)?.description ?? "\(error)"
            XCTAssertTrue(message.contains("with 1 thread(s) each (config.json of run a seed 0)"), message)
        }
        let record = try XCTUnwrap(try check(one, layout))
        XCTAssertEqual(record.threadsPerJob, 1)
        XCTAssertTrue(record.source.contains("runs' config.json"), record.source)
    }

    func testReproduceTextTakesTheRunsThreadsNotTheInvocations() throws {
        let layout = layout()
        let one = try compare(threads: 1)
        try saveRun(one, layout, arm: 0, seed: 0, threads: 1)
        try saveRun(one, layout, arm: 1, seed: 0, threads: 1)
        let text = try XCTUnwrap(CompareThreadRecord.reproduceText(try compare(threads: 2), layout: layout))
        XCTAssertTrue(text.contains("Every run trained with 1 thread(s)") && text.contains("`--threads-per-job 1`"), text)

        // Runs mixed by an earlier binary: named, not hidden.
        try saveRun(one, layout, arm: 0, seed: 1, threads: 2)
        let mixed = try XCTUnwrap(CompareThreadRecord.reproduceText(one, layout: layout))
        XCTAssertTrue(mixed.contains("did not all train with the same thread count"), mixed)
        XCTAssertTrue(mixed.contains("1 thread(s): a seed 0, c seed 0; 2 thread(s): a seed 1"), mixed)
    }
}
