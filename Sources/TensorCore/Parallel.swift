import COpenBLAS
import Synchronization

/// How many threads MaskLab's own loops and matrix products use.
///
/// Work is split into a fixed number of chunks that depends only on `threads` and the problem
/// size, never on timing, so every reduction adds in the same order and results are
/// bit-identical for the same thread count. OpenBLAS itself always runs single-threaded: a large
/// product is split over these threads by `GEMM` (each part one OpenBLAS call), so the process
/// has `threads` busy threads and no more — OpenBLAS's own idle workers spin for a while after
/// each product and took a core away from the loops that followed (the SGD step of the MLP
/// bench ran in 1.1 ms instead of 0.2 ms in 2 of 5 processes).
///
/// Where the chunks of a region run is decided separately, by `ParallelCostModel` from the
/// measured cache-line round trip between the pool's threads: on the pool, or one after the
/// other on the calling thread when waking the others costs more than it saves (small regions
/// in the periods when the host places the vCPUs far apart). The chunks are the same either way,
/// so that decision — which depends on timing — never changes a result. Compute-bound regions
/// also weigh the measured speed-up of arithmetic on all threads (`ComputeProbe`): ≈ 1 when the
/// host puts the two vCPUs on one core's hyperthreads, and those regions then stay on the calling thread.
public enum Parallel {
    nonisolated(unsafe) public private(set) static var threads: Int = 1

    /// How many parts a large product may be split into now: `threads`, or 1 inside lanes that
    /// already run one single-threaded product per thread.
    nonisolated(unsafe) public private(set) static var gemmThreads: Int = 1

    nonisolated(unsafe) private static var openBLASPinned = false

    /// The round trip the cost model uses, in nanoseconds; measured by `setThreads` and again
    /// about every `measurementInterval`, unless fixed by `fixRoundTrip`.
    private static let roundTrip = Atomic<Int>(0)
    private static let roundTripFixed = Atomic<Bool>(false)
    /// `ParallelCostModel.computeSpeedup` in thousandths (0: not measured), measured with the
    /// round trip unless fixed by `fixComputeSpeedup`.
    private static let computeSpeedupMillis = Atomic<Int>(0)
    private static let computeSpeedupFixed = Atomic<Bool>(false)
    private static let regionCount = Atomic<Int>(0)
    private static let spreadCount = Atomic<Int>(0)

    /// The shortest time between two measurements of the placement (round trip and compute
    /// speed-up), nanoseconds; checked every `regionsPerClockCheck` regions. The host moves the
    /// vCPUs within seconds: in session 13 a bench child read 0.99× (hyperthreads, 59 ns) at its
    /// start while the workloads just before and after read 2.0×, and with the earlier rule (every
    /// 16 384 regions, ≈ 100 ResNet-18 steps) that one reading held for its whole run. A
    /// measurement costs ≈ 3–4 ms of both threads, ≈ 0.4% at one a second; one that takes longer
    /// (the worker's CPU busy with another process, up to the probes' 50 ms budgets) pushes the
    /// next one back to 100× its duration, so measuring never costs more than ≈ 1%.
    public static let measurementInterval = 1_000_000_000
    /// Regions between two looks at the clock.
    public static let regionsPerClockCheck = 64
    private static let lastMeasurement = Atomic<Int>(0)
    private static let nextInterval = Atomic<Int>(measurementInterval)
    /// When the placement was last measured (`WorkerPool.nanoseconds()` clock; 0: never).
    static var lastMeasurementNanoseconds: Int { lastMeasurement.load(ordering: .relaxed) }
    /// When the next measurement is due (same clock).
    static var nextMeasurementNanoseconds: Int { lastMeasurement.load(ordering: .relaxed) + nextInterval.load(ordering: .relaxed) }

    /// The monotonic clock the placement measurements use, nanoseconds (`CLOCK_MONOTONIC`).
    public static func nanoseconds() -> Int { WorkerPool.nanoseconds() }

    /// Sets the thread count for MaskLab's loops and products (≥ 1); pins OpenBLAS to one thread.
    /// With more than one thread it measures the round trip between the pool's threads and the
    /// compute speed-up.
    public static func setThreads(_ n: Int) {
        precondition(n >= 1, "thread count must be ≥ 1, got \(n)")
        if !openBLASPinned {
            openblas_set_num_threads(1)
            openBLASPinned = true
        }
        threads = n
        gemmThreads = n
        if n > 1 { measurePlacement() }
    }

    /// Sets how many parts a product may be split into (call from one thread, outside parallel regions).
    public static func setGEMMThreads(_ n: Int) {
        gemmThreads = n
    }

    /// The cost model in use: the last measured (or fixed) round trip and compute speed-up.
    public static var costModel: ParallelCostModel {
        let millis = computeSpeedupMillis.load(ordering: .relaxed)
        return ParallelCostModel(roundTripNanoseconds: Double(roundTrip.load(ordering: .relaxed)),
                                 computeSpeedup: millis > 0 ? Double(millis) / 1000 : nil)
    }

    /// Measures both inputs of the cost model now: the round trip and the compute speed-up.
    /// When the pool is busy (a region started from inside a chunk) nothing is measured and the
    /// next clock check tries again; otherwise the next measurement is due after
    /// `max(measurementInterval, 100 ×` this one's duration`)`.
    static func measurePlacement() {
        let start = WorkerPool.nanoseconds()
        guard threads > 1, !(roundTripFixed.load(ordering: .relaxed) && computeSpeedupFixed.load(ordering: .relaxed)) else {
            lastMeasurement.store(start, ordering: .relaxed)
            return
        }
        let measuredRoundTrip = storeRoundTrip()
        let measured = storeComputeSpeedup() || measuredRoundTrip
        let end = WorkerPool.nanoseconds(), took = end - start
        guard measured || took > 1_000_000 else { return }
        lastMeasurement.store(end, ordering: .relaxed)
        nextInterval.store(max(measurementInterval, 100 * took), ordering: .relaxed)
    }

    /// Fixes the compute speed-up the cost model uses (tests, `masklab bench --compute-speedup`;
    /// `nil` measures again from now on).
    public static func fixComputeSpeedup(_ speedup: Double?) {
        computeSpeedupFixed.store(speedup != nil, ordering: .relaxed)
        if let speedup {
            computeSpeedupMillis.store(max(1, Int((speedup * 1000).rounded())), ordering: .relaxed)
        } else {
            measureComputeSpeedup()
        }
    }

    /// Whether the compute speed-up in use was fixed (`fixComputeSpeedup`) rather than measured.
    public static var isComputeSpeedupFixed: Bool { computeSpeedupFixed.load(ordering: .relaxed) }
    /// Whether the round trip in use was fixed (`fixRoundTrip`) rather than measured.
    public static var isRoundTripFixed: Bool { roundTripFixed.load(ordering: .relaxed) }

    /// Measures how much faster compute-bound work runs on all threads than on one
    /// (`ComputeProbe`, ≈ 2 ms); keeps the last value when the pool is busy. Returns the value in
    /// use (nil: not measured, e.g. one thread).
    @discardableResult
    public static func measureComputeSpeedup() -> Double? {
        storeComputeSpeedup()
        let millis = computeSpeedupMillis.load(ordering: .relaxed)
        return millis > 0 ? Double(millis) / 1000 : nil
    }

    /// Fixes the round trip the cost model uses (tests; `nil` measures again from now on).
    public static func fixRoundTrip(nanoseconds: Int?) {
        roundTripFixed.store(nanoseconds != nil, ordering: .relaxed)
        if let nanoseconds { roundTrip.store(nanoseconds, ordering: .relaxed) } else { measureRoundTrip() }
    }

    /// Measures the round trip now with a short ping-pong between the calling thread and the
    /// pool's first worker (median of 15 batches of 64, ≈ 0.1–0.5 ms); keeps the last value when
    /// the pool is busy or the worker is not scheduled in time. Returns the value in use.
    @discardableResult
    public static func measureRoundTrip() -> Int {
        storeRoundTrip()
        return roundTrip.load(ordering: .relaxed)
    }

    /// Measures the round trip into `roundTrip` unless fixed or on one thread; whether it did
    /// (false also when the pool was busy).
    @discardableResult
    private static func storeRoundTrip() -> Bool {
        guard threads > 1, !roundTripFixed.load(ordering: .relaxed),
              let ns = WorkerPool.shared(threads: threads).measureRoundTrip() else { return false }
        roundTrip.store(Int(ns.rounded()), ordering: .relaxed)
        return true
    }

    /// Measures the compute speed-up into `computeSpeedupMillis` unless fixed or on one thread;
    /// whether it did.
    @discardableResult
    private static func storeComputeSpeedup() -> Bool {
        guard threads > 1, !computeSpeedupFixed.load(ordering: .relaxed),
              let s = WorkerPool.shared(threads: threads).measureComputeSpeedup() else { return false }
        computeSpeedupMillis.store(Int((s * 1000).rounded()), ordering: .relaxed)
        return true
    }

    /// Parallel regions started so far, and how many of them ran on the pool (the others ran
    /// their chunks on the calling thread). Regions below the size threshold of `forEachChunk`
    /// are one chunk and not counted.
    public static var regionCounts: (regions: Int, spread: Int) {
        (regionCount.load(ordering: .relaxed), spreadCount.load(ordering: .relaxed))
    }

    /// Runs `body(chunk, range)` over `0..<count` split into at most `threads` contiguous
    /// chunks; one chunk on the calling thread when the work is small (`count * costPerItem <
    /// 32_768`) or there is one thread. The chunks run on the `WorkerPool` when the cost model
    /// says it pays (`RegionCost.streaming`), else one after the other on the calling thread.
    public static func forEachChunk(_ count: Int, costPerItem: Int = 1, _ body: (Int, Range<Int>) -> Void) {
        let chunks = min(threads, count)
        if chunks <= 1 || count * costPerItem < 32_768 {
            if count > 0 { body(0, 0..<count) }
            return
        }
        forEachPart(chunks, cost: .streaming(count * costPerItem)) { c in
            body(c, (c * count / chunks)..<((c + 1) * count / chunks))
        }
    }

    /// Runs `body(i)` for every `i` in `0..<count`, spread over the threads in contiguous chunks.
    public static func forEach(_ count: Int, costPerItem: Int = 1, _ body: (Int) -> Void) {
        forEachChunk(count, costPerItem: costPerItem) { _, r in for i in r { body(i) } }
    }

    /// Runs `body(p)` for every part `p` in `0..<parts` (`parts ≤ threads`): on the pool when
    /// `costModel.spreads(cost, chunks: parts)`, else in order on the calling thread.
    public static func forEachPart(_ parts: Int, cost: RegionCost, _ body: (Int) -> Void) {
        precondition(parts <= max(threads, 1), "Parallel: \(parts) parts for \(threads) threads")
        if parts <= 1 {
            if parts == 1 { body(0) }
            return
        }
        let region = regionCount.wrappingAdd(1, ordering: .relaxed).newValue
        if region % regionsPerClockCheck == 0, WorkerPool.nanoseconds() >= nextMeasurementNanoseconds {
            measurePlacement()
        }
        guard costModel.spreads(cost, chunks: parts) else {
            for p in 0..<parts { body(p) }
            return
        }
        spreadCount.wrappingAdd(1, ordering: .relaxed)
        WorkerPool.shared(threads: threads).run(parts, body)
    }
}

/// Carries a value into a `@Sendable` closure when the caller guarantees the accesses don't race
/// (each chunk of a parallel loop touches its own indices).
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    @inlinable public init(_ value: T) { self.value = value }
}
