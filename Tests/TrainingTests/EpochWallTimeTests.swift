import XCTest
import Foundation
import TensorCore
import Layers
import TestSupport
@testable import Training

/// Wall time of an epoch split across processes (stopped, then resumed) counts both shares, and a
/// run stopped inside an epoch reports the time it ran.
final class EpochWallTimeTests: XCTestCase {
    override func setUp() { Parallel.setThreads(1) }

    /// Sleeps `pause` seconds after batch `sleepAt` (wall time, not training time) and stops with a checkpoint after `stopAt`.
    final class Pause: TrainingCallback {
        let sleepAt: Int, stopAt: Int?, pause: Double
        var control: TrainingControl?
        init(sleepAt: Int, stopAt: Int?, pause: Double) { self.sleepAt = sleepAt; self.stopAt = stopAt; self.pause = pause }
        func runStart(_ run: RunInfo) { control = run.control }
        func batchEnd(_ report: BatchReport) {
            if report.iteration == sleepAt { Thread.sleep(forTimeInterval: pause) }
            if report.iteration == stopAt { control?.requestStop(checkpoint: true) }
        }
        func epochEnd(_ metrics: EpochMetrics) {}
        func runEnd(_ result: TrainingResult) {}
    }

    func testAResumedEpochCountsTheWallTimeOfBothProcesses() throws {
        let dir = TemporaryDirectory()
        let pause = 0.08
        let first = try Trainer.run(config: Fixtures.config(epochs: 1), splits: Fixtures.splits(), network: Fixtures.network(),
                                    outputDirectory: dir.url, callbacks: [Pause(sleepAt: 1, stopAt: 3, pause: pause)])
        XCTAssertEqual(first.summary.status, .stopped)
        XCTAssertEqual(first.progress.batchInEpoch, 4, "stopped inside the epoch (8 batches)")
        XCTAssertGreaterThanOrEqual(first.summary.totalSeconds, pause, "the stopped run's time is the partial epoch's")
        let second = try Trainer.run(config: Fixtures.config(epochs: 1), splits: Fixtures.splits(), network: Fixtures.network(),
                                     outputDirectory: dir.url, resume: true)
        let epoch = try XCTUnwrap(second.history.first)
        XCTAssertGreaterThanOrEqual(epoch.wallSeconds, pause, "the first process's share of the epoch is counted")
        XCTAssertGreaterThanOrEqual(epoch.wallSeconds, epoch.trainSeconds, "wall time includes training time")
        XCTAssertEqual(second.summary.totalSeconds, epoch.wallSeconds)
    }
}
