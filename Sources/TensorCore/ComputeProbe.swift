import COpenBLAS
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Small matrix products that measure how much arithmetic the pool's threads do together
/// compared with one thread alone.
///
/// On two vCPUs that the host places on two physical cores, two threads multiply ≈ 2× as fast
/// as one; on the two hyperthreads of *one* core they share its vector units and manage
/// ≈ 1–1.2×. In that placement (seen in session 8, with round trips of 66–71 ns) a
/// compute-bound region split over two threads runs no faster than on one and pays the handshake
/// besides: the LeNet-300-100 MLP trained at 0.88–0.91× of its one-thread speed.
/// `ParallelCostModel` weighs compute-bound regions (`RegionCost.multiplyAdds`) by the measured
/// speed-up. The probe multiplies with OpenBLAS, as the regions it stands for do, on operands
/// that stay in the core's L2.
final class ComputeProbe: @unchecked Sendable {
    /// Side of the square product (3 · 96² floats ≈ 110 KiB per thread).
    static let side = 96
    /// Products per burst (≈ 10–20 µs each on one core of this project's Xeon).
    static let productsPerBurst = 12

    /// Rounds of one measurement.
    static let rounds = 5

    let threads: Int
    // Per thread: A, B and C of `side × side`. Everything here is allocated once, with the
    // first measurement, so that later ones (inside training steps) allocate nothing.
    private let buffers: UnsafeMutablePointer<Float>
    /// Per thread: the end of its burst in the current round (ns; −1: it missed the start line).
    let ends: UnsafeMutablePointer<Int>
    /// The speed-up of each round of the current measurement.
    let ratios: UnsafeMutablePointer<Double>
    let startLine = ProbeStartLine()

    init(threads: Int) {
        self.threads = threads
        let count = 3 * Self.side * Self.side * threads
        buffers = .allocate(capacity: count)
        for i in 0..<count { buffers[i] = Float(i % 7) * 0.125 - 0.375 }
        ends = .allocate(capacity: threads)
        ratios = .allocate(capacity: Self.rounds)
    }

    deinit {
        buffers.deallocate()
        ends.deallocate()
        ratios.deallocate()
    }

    /// Runs one burst of products on thread slot `slot` (its own operands).
    func burst(slot: Int) {
        let n = Self.side, matrix = n * n
        let a = buffers + 3 * matrix * slot, b = a + matrix, c = b + matrix
        for _ in 0..<Self.productsPerBurst {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n),
                        1, a, Int32(n), b, Int32(n), 0, c, Int32(n))
        }
    }

    /// Wall time of one burst on slot `slot`, nanoseconds.
    func timedBurst(slot: Int) -> Int {
        let start = WorkerPool.nanoseconds()
        burst(slot: slot)
        return WorkerPool.nanoseconds() - start
    }
}

/// The starting line of `WorkerPool.measureComputeSpeedup`: each thread checks in and spins until
/// all have; the last to arrive stamps the start, from which the round's wall time is measured
/// (so that threads taking turns on one core read as no speed-up, not as two solo bursts).
final class ProbeStartLine: Sendable {
    // Padding keeps the line to itself.
    private let before = (0, 0, 0, 0, 0, 0, 0, 0)
    private let arrived = Atomic<Int>(0)
    private let started = Atomic<Int>(0)
    private let after = (0, 0, 0, 0, 0, 0, 0, 0)

    /// Clears the line for the next round (caller, while no thread is at it).
    func reset() {
        arrived.store(0, ordering: .relaxed)
        started.store(0, ordering: .releasing)
    }

    /// The start stamp of the round (ns), once every thread has arrived.
    var start: Int { started.load(ordering: .acquiring) }

    /// Checks in and waits for `threads` arrivals, at most until `deadline` (then: false);
    /// yields the CPU while waiting long, as `WorkerPool` does.
    func meet(_ threads: Int, deadline: Int) -> Bool {
        if arrived.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue == threads {
            started.store(WorkerPool.nanoseconds(), ordering: .releasing)
        }
        var spins = 0
        while started.load(ordering: .acquiring) == 0 {
            spins += 1
            if spins & 1023 == 0 {
                if WorkerPool.nanoseconds() > deadline { return false }
                if spins > 20_000 { sched_yield() }
            }
        }
        return true
    }
}
