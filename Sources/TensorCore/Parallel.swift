import COpenBLAS

/// How many threads MaskLab's own loops and matrix products use.
///
/// Work is split into a fixed number of chunks that depends only on `threads` and the problem
/// size, never on timing, so every reduction adds in the same order and results are
/// bit-identical for the same thread count. OpenBLAS itself always runs single-threaded: a large
/// product is split over these threads by `GEMM` (each part one OpenBLAS call), so the process
/// has `threads` busy threads and no more — OpenBLAS's own idle workers spin for a while after
/// each product and took a core away from the loops that followed (the SGD step of the MLP
/// bench ran in 1.1 ms instead of 0.2 ms in 2 of 5 processes).
public enum Parallel {
    nonisolated(unsafe) public private(set) static var threads: Int = 1

    /// How many parts a large product may be split into now: `threads`, or 1 inside lanes that
    /// already run one single-threaded product per thread.
    nonisolated(unsafe) public private(set) static var gemmThreads: Int = 1

    nonisolated(unsafe) private static var openBLASPinned = false

    /// Sets the thread count for MaskLab's loops and products (≥ 1); pins OpenBLAS to one thread.
    public static func setThreads(_ n: Int) {
        precondition(n >= 1, "thread count must be ≥ 1, got \(n)")
        if !openBLASPinned {
            openblas_set_num_threads(1)
            openBLASPinned = true
        }
        threads = n
        gemmThreads = n
    }

    /// Sets how many parts a product may be split into (call from one thread, outside parallel regions).
    public static func setGEMMThreads(_ n: Int) {
        gemmThreads = n
    }

    /// Runs `body(chunk, range)` over `0..<count` split into at most `threads` contiguous
    /// chunks on the `WorkerPool`; runs inline when the work is small (`count * costPerItem <
    /// 32_768`) or there is one thread.
    public static func forEachChunk(_ count: Int, costPerItem: Int = 1, _ body: (Int, Range<Int>) -> Void) {
        let chunks = min(threads, count)
        if chunks <= 1 || count * costPerItem < 32_768 {
            if count > 0 { body(0, 0..<count) }
            return
        }
        WorkerPool.shared(threads: threads).run(chunks) { c in
            body(c, (c * count / chunks)..<((c + 1) * count / chunks))
        }
    }

    /// Runs `body(i)` for every `i` in `0..<count`, spread over the threads in contiguous chunks.
    public static func forEach(_ count: Int, costPerItem: Int = 1, _ body: (Int) -> Void) {
        forEachChunk(count, costPerItem: costPerItem) { _, r in for i in r { body(i) } }
    }
}

/// Carries a value into a `@Sendable` closure when the caller guarantees the accesses don't race
/// (each chunk of a parallel loop touches its own indices).
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    @inlinable public init(_ value: T) { self.value = value }
}
