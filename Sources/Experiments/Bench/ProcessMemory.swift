import Foundation
import TensorCore

/// Memory facts about the running process, for the benchmark's report.
public enum ProcessMemory {
    /// Peak resident set size in bytes (`VmHWM` in `/proc/self/status`); nil where there is no procfs.
    public static func peakResidentBytes() -> Int? { statusField("VmHWM") }

    /// Bytes the C heap has handed out and not yet freed (glibc `mallinfo2`: `uordblks` in the
    /// arenas plus `hblkhd` in mmap'd blocks). Equal values around a training step mean the step
    /// left no heap allocation behind (a malloc freed again within the step is not visible here;
    /// see `results/bench/README.md` for the call-count check under valgrind).
    public static func heapInUseBytes() -> Int? {
        HeapStatistics.bytesInUse
    }

    /// A `kB` field of `/proc/self/status`, in bytes.
    static func statusField(_ name: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            let digits = line.split(separator: " ").compactMap { Int($0) }
            return digits.first.map { $0 * 1024 }
        }
        return nil
    }
}
