import XCTest
import Foundation
import TensorCore
import TestSupport
@testable import Training

/// `Trainer.outputCheck` (a run folder deleted or replaced under a live run) and the
/// checkpoint writer's temporary file on a failed write.
final class TrainerOutputCheckTests: XCTestCase {
    override func setUp() { Parallel.setThreads(1) }

    /// A folder that is replaced when the first epoch's metrics were written: a callback after
    /// `MetricsFiles` (and before the checkpoint schedule) closes the gate.
    final class Gate: TrainingCallback, @unchecked Sendable {
        var open = true
        func epochEnd(_ metrics: EpochMetrics) throws(TrainingError) { open = false }
        func check() throws(TrainingError) {
            if !open { throw .output(path: "run", reason: "replaced") }
        }
    }

    func testAFailingOutputCheckStopsTheRunBeforeItsNextWrite() throws {
        let dir = TemporaryDirectory("masklab-output-check")
        let gate = Gate()
        let trainer = try Trainer(config: Fixtures.config(epochs: 3), network: Fixtures.network(), splits: Fixtures.splits(validation: false),
                                  outputDirectory: dir.url, callbacks: [gate])
        trainer.outputCheck = { () throws(TrainingError) in try gate.check() }
        XCTAssertThrowsError(try trainer.run()) { error in
            XCTAssertEqual(error as? TrainingError, .output(path: "run", reason: "replaced"))
        }
        let rows = try String(contentsOf: dir.file("metrics.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.count, 2, "the header and epoch 1 only")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("last.safetensors").path), "no checkpoint once the check fails")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("summary.json").path), "no summary once the check fails")
    }

    func testAFolderThatIsGoneBeforeTheStartIsNotCreatedAgain() throws {
        let root = TemporaryDirectory("masklab-output-check-gone")
        let dir = root.file("run")
        let trainer = try Trainer(config: Fixtures.config(epochs: 1), network: Fixtures.network(), splits: Fixtures.splits(validation: false),
                                  outputDirectory: dir)
        trainer.outputCheck = { () throws(TrainingError) in throw .output(path: dir.path, reason: "replaced") }
        XCTAssertThrowsError(try trainer.run())
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path))
    }

    func testAFailedCheckpointWriteRemovesItsTemporaryFile() throws {
        let dir = TemporaryDirectory("masklab-safetensors-full")
        let url = dir.file("last.safetensors")
        // The temporary file's path leads to /dev/full: the write fails with ENOSPC half-way, as on a full disk.
        let temporary = dir.file(".last.safetensors.\(getpid()).tmp")
        try FileManager.default.createSymbolicLink(at: temporary, withDestinationURL: URL(fileURLWithPath: "/dev/full"))
        let file = SafetensorsFile(tensors: [SafetensorsTensor(name: "w", shape: [4], floats: [1, 2, 3, 4])])
        XCTAssertThrowsError(try file.write(to: url))
        XCTAssertFalse(FileManager.default.fileExists(atPath: temporary.path) || (try? FileManager.default.destinationOfSymbolicLink(atPath: temporary.path)) != nil,
                       "the temporary file is removed")
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
    }
}
