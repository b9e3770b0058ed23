import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A fixed set of worker threads that run the chunks of `Parallel.forEachChunk`. It replaces
/// libdispatch's `concurrentPerform`, which allocated a closure box, a block copy and a
/// continuation on every call (the C heap grew by ≈ 280 bytes per MLP step); what remains is the
/// short-lived wrapper `withoutActuallyEscaping` makes for the body, freed before `run` returns.
///
/// One pool per thread count, made on first use and kept for the process. The caller runs chunk
/// 0 itself, worker `i` runs chunk `i`, pinned to a CPU of its own (`ThreadPlacement`). A region is announced by bumping `generation`; workers
/// spin on it for a few tens of microseconds after their last chunk (the next region usually
/// follows within that time) and then sleep on a condition variable. A region started while the
/// pool is busy — from another thread (the data loader's) or from inside a chunk — runs its
/// chunks one after the other on the calling thread: the same chunks, so the same results.
final class WorkerPool: @unchecked Sendable {
    let workers: Int
    private let busy = Atomic<Bool>(false)
    private let generation = Atomic<Int>(0)
    private let pending = Atomic<Int>(0)
    // Written by the caller before `generation` is bumped (release) and read by the workers after
    // they see the bump (acquire); cleared after all workers have reported back.
    private nonisolated(unsafe) var task: ((Int) -> Void)?
    private nonisolated(unsafe) var chunks = 0
    private nonisolated(unsafe) var sleepers = 0
    // Made on the first `measureComputeSpeedup` (under `busy`) and kept.
    private nonisolated(unsafe) var probe: ComputeProbe?
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    /// Spins of a worker waiting for the next region before it sleeps (≈ 20–50 µs).
    private static let spinLimit = 20_000

    private static let lock = Mutex<[Int: WorkerPool]>([:])

    /// The pool for `threads` threads (`threads − 1` workers).
    static func shared(threads: Int) -> WorkerPool {
        lock.withLock { pools in
            if let p = pools[threads] { return p }
            let p = WorkerPool(workers: threads - 1)
            pools[threads] = p
            return p
        }
    }

    private init(workers: Int) {
        self.workers = workers
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
        // Each worker on a CPU of its own, away from the creating thread's (`ThreadPlacement`).
        let allowed = ThreadPlacement.pinsWorkers ? ThreadPlacement.allowedCPUs() : []
        let current = ThreadPlacement.currentCPU()
        for index in stride(from: 1, through: workers, by: 1) {
            let cpu = ThreadPlacement.cpu(forWorker: index, threads: workers + 1, allowed: allowed, current: current)
            let context = Unmanaged.passRetained(WorkerContext(pool: self, index: index, cpu: cpu)).toOpaque()
            var thread = pthread_t()
            let status = pthread_create(&thread, nil, { raw in
                let context = Unmanaged<WorkerContext>.fromOpaque(raw!).takeRetainedValue()
                if let cpu = context.cpu { ThreadPlacement.pin(to: cpu) }
                context.pool.work(index: context.index)
                return nil
            }, context)
            precondition(status == 0, "WorkerPool: pthread_create failed (\(status))")
            pthread_detach(thread)
        }
    }

    /// Runs `body(c)` for `c` in `0..<chunks` (`chunks ≤ workers + 1`), chunk 0 on the calling
    /// thread; returns when all chunks are done.
    func run(_ chunks: Int, _ body: (Int) -> Void) {
        precondition(chunks <= workers + 1, "WorkerPool: \(chunks) chunks for \(workers) workers")
        guard chunks > 1, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for c in 0..<chunks { body(c) }
            return
        }
        runOwned(chunks, body)
        busy.store(false, ordering: .releasing)
    }

    /// `run` once the caller holds `busy`: announces the region, runs chunk 0, waits for the workers.
    private func runOwned(_ chunks: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { escapable in
            task = escapable
            self.chunks = chunks
            pending.store(workers, ordering: .relaxed)
            generation.wrappingAdd(1, ordering: .releasing)
            pthread_mutex_lock(mutex)
            if sleepers > 0 { pthread_cond_broadcast(condition) }
            pthread_mutex_unlock(mutex)
            escapable(0)
            var spins = 0
            while pending.load(ordering: .acquiring) > 0 {
                spins += 1
                if spins > Self.spinLimit { sched_yield() }
            }
            task = nil
        }
    }

    /// The cache-line round trip between the calling thread and worker 1, nanoseconds: the median
    /// over up to `batches` batches of `exchanges` ping-pongs on one line (the median leaves out
    /// the batches in which either thread was preempted), all within `budgetNanoseconds`. When
    /// the budget runs out first (the machine is so loaded that the two threads rarely run at the
    /// same time) the batches done so far count — or, with none done, the time spent per
    /// exchange so far, at least the whole budget if the worker never answered: spreading work
    /// then costs that much. `nil` when there is no worker or the pool is busy.
    func measureRoundTrip(exchanges: Int = 32, batches: Int = 15, budgetNanoseconds: Int = 50_000_000) -> Double? {
        guard workers >= 1, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return nil }
        defer { busy.store(false, ordering: .releasing) }
        let line = PingPongLine()
        let times = UnsafeMutablePointer<Double>.allocate(capacity: batches)
        defer { times.deallocate() }
        var done = 0
        runOwned(2) { chunk in
            if chunk == 1 {
                line.answer()
                return
            }
            let begin = Self.nanoseconds(), deadline = begin + budgetNanoseconds
            // The first exchange includes waking the worker and is not timed.
            guard line.ask(1, deadline: deadline) else {
                times[0] = Double(Self.nanoseconds() - begin)
                done = 1
                return
            }
            var value = 1
            batchLoop: while done < batches {
                let start = Self.nanoseconds()
                for j in 0..<exchanges {
                    value += 2
                    guard line.ask(value, deadline: deadline) else {
                        if done == 0 {
                            times[0] = Double(Self.nanoseconds() - start) / Double(max(j, 1))
                            done = 1
                        }
                        break batchLoop
                    }
                }
                times[done] = Double(Self.nanoseconds() - start) / Double(exchanges)
                done += 1
            }
            line.finish()
        }
        guard done > 0 else { return nil }
        var sorted = UnsafeMutableBufferPointer(start: times, count: done)
        sorted.sort()
        return sorted[done / 2]
    }

    /// How many times one thread's arithmetic the pool's threads do together: `threads ×` the
    /// time of one `ComputeProbe` burst alone, over the wall time from a common starting line
    /// until the last of the bursts all threads run at once has ended; the median over
    /// `ComputeProbe.rounds` rounds, all within `budgetNanoseconds`. ≈ `threads` when each thread has a core of its own, ≈ 1 when
    /// two share one core's vector units (hyperthreads) or another process holds the other core.
    /// Each one-thread burst follows a 200 µs pause, so that the workers have stopped spinning
    /// (a spinning hyperthread slows its sibling). `nil` when there is no worker, the pool is
    /// busy, or no round got its threads to the starting line in time. ≈ 3 ms; allocates only
    /// the first time (the probe's operands and buffers, kept with the pool).
    func measureComputeSpeedup(budgetNanoseconds: Int = 50_000_000) -> Double? {
        guard workers >= 1, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return nil }
        defer { busy.store(false, ordering: .releasing) }
        let threads = workers + 1
        let probe: ComputeProbe
        if let existing = self.probe { probe = existing } else { probe = ComputeProbe(threads: threads); self.probe = probe }
        let ratios = probe.ratios, ends = probe.ends, line = probe.startLine
        let deadline = Self.nanoseconds() + budgetNanoseconds
        probe.burst(slot: 0)
        var done = 0
        while done < ComputeProbe.rounds && Self.nanoseconds() < deadline {
            usleep(200)
            let alone = probe.timedBurst(slot: 0)
            line.reset()
            runOwned(threads) { slot in
                guard line.meet(threads, deadline: deadline) else { ends[slot] = -1; return }
                probe.burst(slot: slot)
                ends[slot] = Self.nanoseconds()
            }
            var last = 0, missed = false
            for t in 0..<threads {
                if ends[t] < 0 { missed = true } else { last = max(last, ends[t]) }
            }
            let wall = last - line.start
            guard !missed, wall > 0 else { break }
            ratios[done] = Double(threads) * Double(alone) / Double(wall)
            done += 1
        }
        guard done > 0 else { return nil }
        var sorted = UnsafeMutableBufferPointer(start: ratios, count: done)
        sorted.sort()
        return sorted[done / 2]
    }

    static func nanoseconds() -> Int {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return t.tv_sec * 1_000_000_000 + t.tv_nsec
    }

    /// A worker's loop: wait for a new generation, run chunk `index` if the region has one, report.
    private func work(index: Int) {
        var seen = 0
        while true {
            var spins = 0
            var current = generation.load(ordering: .acquiring)
            while current == seen {
                if spins < Self.spinLimit {
                    spins += 1
                } else {
                    pthread_mutex_lock(mutex)
                    sleepers += 1
                    while generation.load(ordering: .acquiring) == seen { pthread_cond_wait(condition, mutex) }
                    sleepers -= 1
                    pthread_mutex_unlock(mutex)
                }
                current = generation.load(ordering: .acquiring)
            }
            seen = current
            if index < chunks, let task { task(index) }
            pending.wrappingSubtract(1, ordering: .releasing)
        }
    }
}

/// What a new worker thread needs: its pool and its chunk index.
private final class WorkerContext {
    let pool: WorkerPool
    let index: Int
    /// The CPU the worker pins itself to; nil: unpinned.
    let cpu: Int?
    init(pool: WorkerPool, index: Int, cpu: Int?) {
        self.pool = pool
        self.index = index
        self.cpu = cpu
    }
}

/// The cache line of `WorkerPool.measureRoundTrip`: the caller writes an odd value, the worker
/// answers with the next even one; a negative value ends the exchange (done or given up).
private final class PingPongLine: Sendable {
    // Padding keeps the line to itself.
    private let before = (0, 0, 0, 0, 0, 0, 0, 0)
    private let value = Atomic<Int>(0)
    private let after = (0, 0, 0, 0, 0, 0, 0, 0)

    /// Caller: posts `odd` and waits for `odd + 1`; gives up (ending the exchange) at `deadline`.
    func ask(_ odd: Int, deadline: Int) -> Bool {
        value.store(odd, ordering: .releasing)
        var spins = 0
        while value.load(ordering: .acquiring) != odd + 1 {
            spins += 1
            if spins & 1023 == 0 && WorkerPool.nanoseconds() > deadline {
                finish()
                return false
            }
        }
        return true
    }

    /// Ends the exchange: the worker stops answering.
    func finish() { value.store(-1, ordering: .releasing) }

    /// Worker: answers every odd value with the next even one until the exchange ends.
    func answer() {
        while true {
            let v = value.load(ordering: .acquiring)
            if v < 0 { return }
            // A swap, not a store: a caller that gave up (-1) meanwhile must not be overwritten.
            if v & 1 == 1 { _ = value.compareExchange(expected: v, desired: v + 1, ordering: .acquiringAndReleasing) }
        }
    }
}

