import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The whole machine's CPU time by kind, summed over its CPUs, from the first line of
/// `/proc/stat` (`cpu  user nice system idle iowait irq softirq steal …`, in clock ticks of
/// `sysconf(_SC_CLK_TCK)` per second, 100 on Linux).
///
/// `steal` is time in which a vCPU of this virtual machine had work but the host ran something
/// else. On this project's 2-vCPU machines it comes in bursts: in session 33 two of six bench
/// rounds trained at one thread's speed on two threads while the compute probe read a 1.0×
/// speed-up, i.e. the second vCPU was not there. A bench figure taken in such a window is not a
/// measurement of MaskLab, and `HostLoad` says so next to it.
public struct HostCPUTimes: Sendable, Equatable {
    /// user + nice + system + irq + softirq ticks (guest time is already inside user and nice).
    public var busy: Int
    /// idle + iowait ticks.
    public var idle: Int
    /// Ticks stolen by the host.
    public var steal: Int

    public init(busy: Int, idle: Int, steal: Int) {
        self.busy = busy
        self.idle = idle
        self.steal = steal
    }

    /// All ticks: the CPUs' capacity over the time counted.
    public var total: Int { busy + idle + steal }

    /// The aggregate `cpu ` line of a `/proc/stat` text; nil when it is missing or has fewer than
    /// the eight numeric fields up to `steal` (kernels before 2.6.11).
    public static func parse(_ text: String) -> HostCPUTimes? {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return nil }
        let f = line.split(separator: " ").dropFirst().prefix(8).compactMap { Int($0) }
        guard f.count == 8, f.allSatisfy({ $0 >= 0 }) else { return nil }
        return HostCPUTimes(busy: f[0] + f[1] + f[2] + f[5] + f[6], idle: f[3] + f[4], steal: f[7])
    }

    /// The machine's counters now (nil where there is no `/proc/stat`).
    public static func now(path: String = "/proc/stat") -> HostCPUTimes? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return parse(text)
    }

    /// Clock ticks per second of `/proc/stat`.
    public static var ticksPerSecond: Double {
        let t = sysconf(Int32(_SC_CLK_TCK))
        return t > 0 ? Double(t) : 100
    }

    /// This process's CPU time so far (user + system of all its threads), seconds; nil if
    /// `getrusage` fails.
    public static func processCPUSeconds() -> Double? {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return nil }
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}

/// What else the machine did while a benchmark measured: the host's steal and other processes'
/// CPU time, each as a share of all CPUs' capacity over the window.
public struct HostLoad: Codable, Sendable, Equatable {
    /// The window's length, seconds of CPU capacity summed over the CPUs (ticks / ticks per second).
    public var cpuSeconds: Double
    /// Stolen ticks over all ticks (0 … 1).
    public var stealShare: Double
    /// Busy time that was not this process's, over all ticks (0 … 1): other processes, and
    /// interrupt time charged to no process. Tick rounding can make it come out below 0 on a
    /// quiet machine; that is clamped to 0.
    public var otherProcessesShare: Double

    /// Fewest ticks (summed over the CPUs) a window needs to be read: /proc/stat counts whole ticks.
    public static let minimumTicks = 40
    /// Shares above this mark the window's figures as not representative in the report.
    public static let disturbedShare = 0.05

    public init(cpuSeconds: Double, stealShare: Double, otherProcessesShare: Double) {
        self.cpuSeconds = cpuSeconds
        self.stealShare = stealShare
        self.otherProcessesShare = otherProcessesShare
    }

    /// The load between two readings, given the CPU seconds this process used in between; nil
    /// when the window holds fewer than `minimumTicks` ticks (too short to read) or the steal or
    /// busy counters went backwards.
    public static func between(_ start: HostCPUTimes, _ end: HostCPUTimes, ownCPUSeconds: Double,
                               ticksPerSecond: Double = HostCPUTimes.ticksPerSecond) -> HostLoad? {
        let total = end.total - start.total, steal = end.steal - start.steal, busy = end.busy - start.busy
        guard total >= minimumTicks, steal >= 0, busy >= 0, ticksPerSecond > 0 else { return nil }
        let others = max(0, Double(busy) / ticksPerSecond - ownCPUSeconds)
        return HostLoad(cpuSeconds: Double(total) / ticksPerSecond, stealShare: Double(steal) / Double(total),
                        otherProcessesShare: min(1, others * ticksPerSecond / Double(total)))
    }

    /// Whether steal or other processes took more than `disturbedShare` of the machine.
    public var disturbed: Bool { disturbed(countingOtherProcesses: true) }

    /// Whether steal, or (when `countingOtherProcesses`) other processes, took more than
    /// `disturbedShare` of the machine; `bench --jobs` leaves the other processes out, since its
    /// other copies are among them.
    public func disturbed(countingOtherProcesses: Bool) -> Bool {
        stealShare > Self.disturbedShare || (countingOtherProcesses && otherProcessesShare > Self.disturbedShare)
    }
}
