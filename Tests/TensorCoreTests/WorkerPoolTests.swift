import XCTest
import Foundation
import TensorCore

/// `Parallel.forEachChunk` on the persistent worker pool: every index is visited once by the
/// chunk that owns it, a region started from inside a chunk or from a second thread runs inline
/// (same chunks), and nothing deadlocks.
final class WorkerPoolTests: XCTestCase {
    // Round trip 0: every region runs on the pool, whatever the load of the machine.
    override func setUp() {
        Parallel.setThreads(2)
        Parallel.fixRoundTrip(nanoseconds: 0)
    }
    override func tearDown() {
        Parallel.fixRoundTrip(nanoseconds: nil)
        Parallel.setThreads(1)
    }

    /// Chunk c covers [c·n/2, (c+1)·n/2); both chunks run, each index once.
    func testChunksCoverTheRangeOnce() {
        let n = 100_000
        let owner = UnsafeMutablePointer<Int32>.allocate(capacity: n)
        defer { owner.deallocate() }
        owner.update(repeating: -1, count: n)
        for _ in 0..<200 {
            Parallel.forEachChunk(n) { c, r in for i in r { owner[i] = owner[i] == -1 || owner[i] == Int32(c) ? Int32(c) : -2 } }
        }
        XCTAssertEqual(owner[0], 0)
        XCTAssertEqual(owner[n - 1], 1)
        XCTAssertEqual((0..<n).filter { owner[$0] != ($0 < n / 2 ? 0 : 1) }.count, 0)
    }

    /// A region inside a chunk runs inline on that chunk's thread and still visits everything.
    func testNestedRegionsRunInline() {
        let n = 65_536
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: 2 * n)
        defer { counts.deallocate() }
        counts.update(repeating: 0, count: 2 * n)
        Parallel.forEachChunk(2, costPerItem: 1 << 20) { outer, r in
            for o in r {
                Parallel.forEachChunk(n) { _, inner in for i in inner { counts[o * n + i] += 1 } }
            }
            _ = outer
        }
        XCTAssertEqual((0..<(2 * n)).filter { counts[$0] != 1 }.count, 0)
    }

    /// Two threads starting regions at the same time: each gets all its chunks done.
    func testConcurrentCallersEachCompleteTheirWork() {
        let n = 50_000, rounds = 300
        let a = UnsafeMutablePointer<Int>.allocate(capacity: n), b = UnsafeMutablePointer<Int>.allocate(capacity: n)
        defer { a.deallocate(); b.deallocate() }
        a.update(repeating: 0, count: n)
        b.update(repeating: 0, count: n)
        let done = DispatchSemaphore(value: 0)
        let pb = UncheckedSendable(b)
        Thread.detachNewThread {
            for _ in 0..<rounds { Parallel.forEachChunk(n) { _, r in for i in r { pb.value[i] += 1 } } }
            done.signal()
        }
        for _ in 0..<rounds { Parallel.forEachChunk(n) { _, r in for i in r { a[i] += 1 } } }
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success)
        XCTAssertEqual((0..<n).filter { a[$0] != rounds || b[$0] != rounds }.count, 0)
    }
}
