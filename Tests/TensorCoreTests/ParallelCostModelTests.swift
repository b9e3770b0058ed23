import XCTest
import TensorCore
import CProcessControl
#if canImport(Glibc)
import Glibc
#endif

/// `ParallelCostModel`'s decisions on given sizes and round trips (a pure function), and the
/// round-trip measurement on the real pool.
final class ParallelCostModelTests: XCTestCase {
    override func tearDown() {
        Parallel.fixRoundTrip(nanoseconds: nil)
        Parallel.fixComputeSpeedup(nil)
        Parallel.setThreads(1)
    }

    static let quiet = [75.0, 95.0].map { ParallelCostModel(roundTripNanoseconds: $0) }
    static let slow = [320.0, 410.0].map { ParallelCostModel(roundTripNanoseconds: $0) }

    /// Regions of the bench workloads at 2 threads: LeNet-300-100's first layer at batch 60
    /// (forward `[60, 784] · [784, 300]` and weight gradient `[300, 60] · [60, 784]`, both split
    /// by `GEMM`); ResNet-18 width 16's lanes at batch 128 (stem, a 32×32 Winograd layer and the
    /// 4×4 one of stage 4).
    static let mlpProduct = RegionCost.multiplyAdds(60 * 300 * 784, bytes: 4 * (60 * 784 + 784 * 300 + 60 * 300))
    static let w16Stem = RegionCost.multiplyAdds(128 * 16 * 27 * 1024, bytes: 4 * 128 * (3 + 16) * 1024)
    static let w16Stage1 = RegionCost.multiplyAdds(4 * 128 * 1024 * 16 * 16, bytes: 4 * 128 * 1024 * 32)
    static let w16Stage4 = RegionCost.multiplyAdds(4 * 128 * 16 * 128 * 128, bytes: 4 * 128 * 16 * 256)

    /// At a quiet round trip every region that was spread before the model (streaming loops
    /// from the 32 768-unit threshold up, split products, lanes) still is.
    func testQuietRoundTripSpreadsEverythingThatWasSpreadBefore() {
        for model in Self.quiet {
            for units in [32_768, 65_536, 300_000, 1 << 20, 8 << 20, 100 << 20] {
                XCTAssertTrue(model.spreads(.streaming(units), chunks: 2), "\(units) units at \(model.roundTripNanoseconds) ns")
            }
            for cost in [Self.mlpProduct, Self.w16Stem, Self.w16Stage1, Self.w16Stage4] {
                XCTAssertTrue(model.spreads(cost, chunks: 2), "\(cost) at \(model.roundTripNanoseconds) ns")
            }
        }
    }

    /// When the vCPUs are far apart, the MLP's products and streaming loops up to ≈ 2.1 M units
    /// (2.7 M at 410 ns; e.g. the SGD step of LeNet-300-100's 266 k parameters) run on one
    /// thread, while the convolution lanes and very large loops stay spread.
    func testSlowRoundTripKeepsSmallRegionsOnOneThread() {
        for model in Self.slow {
            for units in [32_768, 300_000, 4 * 266_610, 2_000_000] {
                XCTAssertFalse(model.spreads(.streaming(units), chunks: 2), "\(units) units at \(model.roundTripNanoseconds) ns")
            }
            XCTAssertTrue(model.spreads(.streaming(128 * 64 * 1024), chunks: 2))
            XCTAssertFalse(model.spreads(Self.mlpProduct, chunks: 2))
            for cost in [Self.w16Stem, Self.w16Stage1, Self.w16Stage4] {
                XCTAssertTrue(model.spreads(cost, chunks: 2), "\(cost) at \(model.roundTripNanoseconds) ns")
            }
        }
    }

    /// The formula: overhead `r · (4 + min(bytes, 512 KiB) / 640)`, saving `t · (1 − 1/p)`.
    func testOverheadAndSavingFollowTheFormula() {
        let model = ParallelCostModel(roundTripNanoseconds: 100)
        XCTAssertEqual(model.overheadNanoseconds(RegionCost(nanoseconds: 0, crossingBytes: 6400)), 100 * (4 + 10), accuracy: 1e-9)
        XCTAssertEqual(model.overheadNanoseconds(RegionCost(nanoseconds: 0, crossingBytes: 1e9)), 100 * (4 + 819.2), accuracy: 1e-9)
        // 1400 ns of overhead: 2 chunks save half, 4 chunks three quarters.
        let cost = RegionCost(nanoseconds: 2000, crossingBytes: 6400)
        XCTAssertFalse(model.spreads(cost, chunks: 2))
        XCTAssertTrue(model.spreads(cost, chunks: 4))
        XCTAssertFalse(model.spreads(RegionCost(nanoseconds: 1e12, crossingBytes: 0), chunks: 1))
        XCTAssertTrue(ParallelCostModel(roundTripNanoseconds: 0).spreads(RegionCost(nanoseconds: 1, crossingBytes: 1e9), chunks: 2))
    }

    /// When the threads share one core's vector units (measured compute speed-up ≈ 1), products
    /// and convolution lanes stay on the calling thread even at a quiet round trip, while
    /// streaming loops, which the speed-up does not describe, are spread as before; a speed-up of
    /// 2 decides exactly as an unmeasured one, and 1.5 saves a third instead of a half.
    func testComputeBoundRegionsFollowTheMeasuredSpeedup() {
        let products = [Self.mlpProduct, Self.w16Stem, Self.w16Stage1, Self.w16Stage4]
        for roundTrip in [0.0, 75.0, 95.0] {
            let hyperthreads = ParallelCostModel(roundTripNanoseconds: roundTrip, computeSpeedup: 1.0)
            for cost in products { XCTAssertFalse(hyperthreads.spreads(cost, chunks: 2), "\(cost) at \(roundTrip) ns") }
            for units in [65_536, 1 << 20, 100 << 20] { XCTAssertTrue(hyperthreads.spreads(.streaming(units), chunks: 2)) }
            XCTAssertFalse(ParallelCostModel(roundTripNanoseconds: roundTrip, computeSpeedup: 0.8).spreads(Self.w16Stage1, chunks: 2))
            let cores = ParallelCostModel(roundTripNanoseconds: roundTrip, computeSpeedup: 2.0)
            let unmeasured = ParallelCostModel(roundTripNanoseconds: roundTrip)
            for cost in products + [.streaming(40_000), .streaming(4 << 20)] {
                XCTAssertEqual(cores.spreads(cost, chunks: 2), unmeasured.spreads(cost, chunks: 2))
            }
        }
        // 1500 ns of overhead: a 4000 ns product saves 2000 ns on two cores, 1333 ns at 1.5×.
        let cost = RegionCost(nanoseconds: 4000, crossingBytes: 7040, computeBound: true)
        XCTAssertTrue(ParallelCostModel(roundTripNanoseconds: 100, computeSpeedup: 2).spreads(cost, chunks: 2))
        XCTAssertFalse(ParallelCostModel(roundTripNanoseconds: 100, computeSpeedup: 1.5).spreads(cost, chunks: 2))
        // More chunks than the measured speed-up gain nothing beyond it.
        XCTAssertFalse(ParallelCostModel(roundTripNanoseconds: 100, computeSpeedup: 1.5).spreads(cost, chunks: 4))
        XCTAssertTrue(ParallelCostModel(roundTripNanoseconds: 100).spreads(cost, chunks: 4))
        // Below the floor (1.3) a product never spreads, even when waking the pool is free.
        XCTAssertFalse(ParallelCostModel(roundTripNanoseconds: 0, computeSpeedup: 1.25).spreads(Self.w16Stage1, chunks: 2))
        XCTAssertTrue(ParallelCostModel(roundTripNanoseconds: 0, computeSpeedup: 1.35).spreads(Self.w16Stage1, chunks: 2))
    }

    /// With every thread of the process pinned to one CPU the pool's threads can only take turns:
    /// the probe must read no speed-up (< the floor), not two solo bursts (≈ 2). Skipped on a
    /// one-CPU machine.
    func testProbeReadsNoSpeedupWhenTheThreadsShareOneCPU() throws {
        try XCTSkipIf(sysconf(Int32(_SC_NPROCESSORS_ONLN)) < 2, "needs 2 CPUs")
        Parallel.setThreads(2)
        let cpu0: [UInt] = [1] + [UInt](repeating: 0, count: 15)
        let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").compactMap { Int32($0) }
        // Each thread's own mask (the pool's workers are pinned to their CPUs), restored after.
        let original = tasks.map { t -> [UInt] in
            var mask = [UInt](repeating: 0, count: 16)
            XCTAssertGreaterThan(masklab_get_cpu_affinity(t, &mask, 16), 0)
            return mask
        }
        for t in tasks { _ = masklab_set_cpu_affinity(t, cpu0, 16) }
        defer { for (t, mask) in zip(tasks, original) { _ = masklab_set_cpu_affinity(t, mask, 16) } }
        Parallel.fixComputeSpeedup(nil)
        let shared = try XCTUnwrap(Parallel.costModel.computeSpeedup)
        XCTAssertLessThan(shared, ParallelCostModel.computeSpeedupFloor, "threads on one CPU read as a speed-up of \(shared)")
    }

    /// The probe gives a speed-up between 0 and a little over the thread count (each burst's
    /// time is measured, so a disturbed one-thread burst can push it above 2), a fixed value is
    /// kept until released, and the pool still runs regions afterwards.
    func testComputeSpeedupIsMeasuredAndCanBeFixed() {
        Parallel.setThreads(2)
        Parallel.fixComputeSpeedup(nil)
        // The probe skips a measurement when the worker is not scheduled in time (a loaded
        // machine): a few more tries before calling it a failure.
        for _ in 0..<10 where Parallel.costModel.computeSpeedup == nil {
            usleep(20_000)
            Parallel.measureComputeSpeedup()
        }
        guard let measured = Parallel.costModel.computeSpeedup else { return XCTFail("no compute speed-up measured on 2 threads in 11 tries") }
        XCTAssertGreaterThan(measured, 0.1)
        XCTAssertLessThan(measured, 4)
        Parallel.fixComputeSpeedup(1.25)
        XCTAssertEqual(Parallel.measureComputeSpeedup(), 1.25)
        XCTAssertEqual(Parallel.costModel.computeSpeedup, 1.25)
        assertPoolCoversEveryIndexOnce()
    }

    /// The ping-pong between the pool's threads gives a positive round trip (at most its 50 ms
    /// budget, reached only on a machine so loaded that the worker is not scheduled), and the
    /// pool still runs regions afterwards; a fixed round trip is kept until released.
    func testRoundTripIsMeasuredAndCanBeFixed() {
        Parallel.setThreads(2)
        Parallel.fixRoundTrip(nanoseconds: nil)
        Parallel.fixRoundTrip(nanoseconds: 0)
        Parallel.fixRoundTrip(nanoseconds: nil)
        let measured = Parallel.costModel.roundTripNanoseconds
        XCTAssertGreaterThan(measured, 0)
        XCTAssertLessThan(measured, 100_000_000)

        Parallel.fixRoundTrip(nanoseconds: 123)
        XCTAssertEqual(Parallel.measureRoundTrip(), 123)
        XCTAssertEqual(Parallel.costModel.roundTripNanoseconds, 123)

        assertPoolCoversEveryIndexOnce()
    }

    /// A 100 000-index loop on the pool visits every index exactly once.
    private func assertPoolCoversEveryIndexOnce(file: StaticString = #filePath, line: UInt = #line) {
        let n = 100_000
        let seen = UnsafeMutablePointer<Int32>.allocate(capacity: n)
        defer { seen.deallocate() }
        seen.update(repeating: 0, count: n)
        Parallel.forEachChunk(n) { _, r in for i in r { seen[i] += 1 } }
        XCTAssertEqual((0..<n).filter { seen[$0] != 1 }.count, 0, file: file, line: line)
    }

    /// A region whose cost does not pay for the pool runs its chunks on the calling thread, in
    /// the same chunks as on the pool; the counters say which way each region went.
    func testUnspreadRegionRunsTheSameChunksInOrder() {
        Parallel.setThreads(2)
        let n = 40_000
        for (roundTrip, spread) in [(0, true), (1_000_000_000, false)] {
            Parallel.fixRoundTrip(nanoseconds: roundTrip)
            let before = Parallel.regionCounts
            let owner = UnsafeMutablePointer<Int32>.allocate(capacity: n)
            defer { owner.deallocate() }
            let caller = pthread_self()
            let chunkOneOnCaller = UnsafeMutablePointer<Bool>.allocate(capacity: 1)
            defer { chunkOneOnCaller.deallocate() }
            Parallel.forEachChunk(n) { c, r in
                for i in r { owner[i] = Int32(c) }
                if c == 1 { chunkOneOnCaller.pointee = pthread_equal(pthread_self(), caller) != 0 }
            }
            let after = Parallel.regionCounts
            XCTAssertEqual((0..<n).filter { owner[$0] != ($0 < n / 2 ? 0 : 1) }.count, 0)
            XCTAssertEqual(after.regions - before.regions, 1)
            XCTAssertEqual(after.spread - before.spread, spread ? 1 : 0)
            XCTAssertEqual(chunkOneOnCaller.pointee, !spread, "round trip \(roundTrip)")
        }
    }
}
