import CProcessControl
#if canImport(Glibc)
import Glibc
#endif

/// Where the worker pool's threads run: when the process may use exactly as many CPUs as it has
/// threads, each worker pinned to a CPU of its own, other than the one the creating thread ran
/// on, so that a worker never shares a vCPU with the thread that hands it work.
///
/// Unpinned, a worker that sleeps between regions is woken onto whichever CPU the scheduler
/// picks, often the waker's: in session 13 a probe thread and the main thread ran on the same
/// vCPU for every one of 12 rounds (`ComputeProbe` read 0.92–0.99× with the other vCPU idle), so
/// the cost model kept every product on one thread and a 2-thread process ran at one thread's
/// speed — its `sgemm` 2048³ at 101–103 GFLOP/s against 207 when the threads happened to be
/// apart. Pinned, the probe read 1.94–1.99× in every round. The calling thread stays unpinned
/// (child processes inherit its affinity, and the scheduler moves it off a busy worker's CPU).
///
/// Placement never changes a result: the chunks of every region are the same wherever they
/// run (`Parallel`). `MASKLAB_PIN_WORKERS=0` leaves the workers unpinned (for measurements).
public enum ThreadPlacement {
    /// Whether workers are pinned: true unless the environment sets `MASKLAB_PIN_WORKERS=0`.
    public static let pinsWorkers: Bool = EnvironmentSwitch.isOn("MASKLAB_PIN_WORKERS")

    /// The CPUs this process may run on, ascending ([] when the kernel does not say).
    public static func allowedCPUs() -> [Int] {
        var mask = [UInt](repeating: 0, count: 16)  // 1024 CPUs
        let bytes = mask.withUnsafeMutableBufferPointer { masklab_get_cpu_affinity(0, $0.baseAddress, UInt($0.count)) }
        guard bytes > 0 else { return [] }
        var cpus: [Int] = []
        for (w, word) in mask.enumerated() where word != 0 {
            for bit in 0..<UInt.bitWidth where word & (1 << UInt(bit)) != 0 { cpus.append(w * UInt.bitWidth + bit) }
        }
        return cpus
    }

    /// The CPU the calling thread runs on now, nil when unknown.
    public static func currentCPU() -> Int? {
        let cpu = masklab_current_cpu()
        return cpu >= 0 ? Int(cpu) : nil
    }

    /// The CPU for worker `index` (1…`threads − 1`): the allowed CPUs in turn, starting after
    /// `current` (the creating thread's), so worker 1 of two threads gets the other CPU. Only
    /// when the process may use exactly `threads` CPUs (this project's 2-vCPU machines, or a
    /// `taskset` to as many CPUs as threads): with more, a fixed choice could land on the calling
    /// thread's hyperthread sibling or on the same CPU as another process's worker, and the
    /// scheduler is left to place the threads. nil (unpinned) otherwise, or when `current` is
    /// not among the allowed CPUs.
    public static func cpu(forWorker index: Int, threads: Int, allowed: [Int], current: Int?) -> Int? {
        guard index >= 1, index < threads, allowed.count == threads,
              let current, let start = allowed.firstIndex(of: current) else { return nil }
        return allowed[(start + index) % allowed.count]
    }

    /// Lets the calling thread run only on `cpu`; false when the kernel refuses.
    @discardableResult
    public static func pin(to cpu: Int) -> Bool {
        guard cpu >= 0, cpu < 1024 else { return false }
        var mask = [UInt](repeating: 0, count: 16)
        mask[cpu / UInt.bitWidth] |= 1 << UInt(cpu % UInt.bitWidth)
        return mask.withUnsafeBufferPointer { masklab_set_cpu_affinity(0, $0.baseAddress, UInt($0.count)) } == 0
    }
}
