import XCTest
import Foundation
import CProcessControl
@testable import TensorCore

/// Workers pinned to CPUs of their own (`ThreadPlacement`): the plan, and the pool's worker
/// really running with a one-CPU mask other than the creating thread's CPU.
final class WorkerPinningTests: XCTestCase {
    func testWorkersGetTheAllowedCPUsAfterTheCreatorsInTurn() {
        XCTAssertEqual(ThreadPlacement.cpu(forWorker: 1, threads: 2, allowed: [0, 1], current: 0), 1)
        XCTAssertEqual(ThreadPlacement.cpu(forWorker: 1, threads: 2, allowed: [0, 1], current: 1), 0)
        XCTAssertEqual(ThreadPlacement.cpu(forWorker: 1, threads: 3, allowed: [2, 5, 7], current: 5), 7)
        XCTAssertEqual(ThreadPlacement.cpu(forWorker: 2, threads: 3, allowed: [2, 5, 7], current: 5), 2)
        XCTAssertNil(ThreadPlacement.cpu(forWorker: 1, threads: 3, allowed: [0, 1], current: 0), "fewer CPUs than threads: unpinned")
        XCTAssertNil(ThreadPlacement.cpu(forWorker: 1, threads: 2, allowed: [0, 1, 2, 3], current: 0), "more CPUs than threads: unpinned")
        XCTAssertNil(ThreadPlacement.cpu(forWorker: 1, threads: 2, allowed: [0, 1], current: nil))
        XCTAssertNil(ThreadPlacement.cpu(forWorker: 1, threads: 2, allowed: [0, 1], current: 4), "creator outside the allowed set")
        XCTAssertNil(ThreadPlacement.cpu(forWorker: 0, threads: 2, allowed: [0, 1], current: 0), "the creating thread is never pinned")
    }

    /// A pool made here: its worker reads a one-CPU affinity mask (unpinned it would read every
    /// allowed CPU) and runs on that CPU. Skipped with fewer than 2 allowed CPUs or with
    /// `MASKLAB_PIN_WORKERS=0`.
    func testTheWorkerRunsPinnedToACPUOfItsOwn() throws {
        let allowed = ThreadPlacement.allowedCPUs()
        try XCTSkipIf(allowed.count != 2, "pins only with as many allowed CPUs as threads (2), has \(allowed)")
        try XCTSkipIf(!ThreadPlacement.pinsWorkers, "MASKLAB_PIN_WORKERS=0")
        let threads = 2
        let pool = WorkerPool.shared(threads: threads)
        let masks = UnsafeMutablePointer<[Int]>.allocate(capacity: threads)
        masks.initialize(repeating: [], count: threads)
        defer { masks.deinitialize(count: threads); masks.deallocate() }
        let cpus = UnsafeMutablePointer<Int>.allocate(capacity: threads)
        defer { cpus.deallocate() }
        pool.run(threads) { c in
            masks[c] = ThreadPlacement.allowedCPUs()
            cpus[c] = ThreadPlacement.currentCPU() ?? -1
        }
        for w in 1..<threads {
            XCTAssertEqual(masks[w].count, 1, "worker \(w) may run on \(masks[w])")
            XCTAssertEqual(cpus[w], masks[w].first, "worker \(w) runs where it is pinned")
        }
        XCTAssertEqual(masks[0], allowed, "the calling thread stays unpinned")
    }
}

extension WorkerPinningTests {
    /// The placement is measured again once the next measurement is due (at least
    /// `Parallel.measurementInterval` after the last; checked every `regionsPerClockCheck`
    /// regions), not before.
    func testThePlacementIsMeasuredAgainAfterTheInterval() throws {
        try XCTSkipIf(ThreadPlacement.allowedCPUs().count < 2, "needs 2 allowed CPUs")
        Parallel.setThreads(2)
        let first = Parallel.lastMeasurementNanoseconds
        XCTAssertGreaterThan(first, 0, "setThreads measures")
        func regions(_ n: Int) { for _ in 0..<n { Parallel.forEachPart(2, cost: .streaming(1)) { _ in } } }
        let due = Parallel.nextMeasurementNanoseconds
        XCTAssertGreaterThanOrEqual(due - first, Parallel.measurementInterval)
        regions(4 * Parallel.regionsPerClockCheck)
        XCTAssertEqual(Parallel.lastMeasurementNanoseconds, first, "within the interval: no new measurement")
        usleep(UInt32(max(0, due - first) / 1000 + 50_000))
        regions(Parallel.regionsPerClockCheck)
        XCTAssertGreaterThanOrEqual(Parallel.lastMeasurementNanoseconds, due, "measured again once due")
    }
}
