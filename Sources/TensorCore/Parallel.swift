import Dispatch
import COpenBLAS

/// How many threads MaskLab's own loops and OpenBLAS use.
///
/// Work is split into a fixed number of chunks that depends only on `threads` and the problem
/// size, never on timing, so every reduction adds in the same order and results are
/// bit-identical for the same thread count. OpenBLAS gets the same number of threads; our loops
/// and GEMMs never run at the same time, so the cores are not oversubscribed.
public enum Parallel {
    nonisolated(unsafe) public private(set) static var threads: Int = 1

    /// The thread count OpenBLAS is set to now: `threads`, or 1 while lanes or a small product
    /// run their GEMMs single-threaded.
    /// (0 until the first `setThreads`/`setBLASThreads`: OpenBLAS's own default.)
    nonisolated(unsafe) public private(set) static var blasThreads: Int = 0

    /// Sets the thread count for MaskLab's loops and for OpenBLAS (≥ 1).
    public static func setThreads(_ n: Int) {
        precondition(n >= 1, "thread count must be ≥ 1, got \(n)")
        threads = n
        setBLASThreads(n)
    }

    /// Sets OpenBLAS's thread count only (call from one thread, outside parallel regions).
    public static func setBLASThreads(_ n: Int) {
        guard n != blasThreads else { return }
        blasThreads = n
        openblas_set_num_threads(Int32(n))
    }

    /// Runs `body(chunk, range)` over `0..<count` split into at most `threads` contiguous
    /// chunks; runs inline when the work is small (`count * costPerItem < 32_768`) or there is one thread.
    @inlinable
    public static func forEachChunk(_ count: Int, costPerItem: Int = 1, _ body: (Int, Range<Int>) -> Void) {
        let chunks = min(threads, count)
        if chunks <= 1 || count * costPerItem < 32_768 {
            if count > 0 { body(0, 0..<count) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            let task = UncheckedSendable(escapable)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let lo = c * count / chunks, hi = (c + 1) * count / chunks
                task.value(c, lo..<hi)
            }
        }
    }

    /// Runs `body(i)` for every `i` in `0..<count`, spread over the threads in contiguous chunks.
    @inlinable
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
