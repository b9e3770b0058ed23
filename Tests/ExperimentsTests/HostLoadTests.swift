import XCTest
@testable import Experiments

/// `HostCPUTimes` reads `/proc/stat`'s aggregate line and `HostLoad` turns two readings into the
/// host's steal and other processes' shares of the machine, which the bench report prints.
final class HostLoadTests: XCTestCase {
    /// A real `/proc/stat` head (this machine, session 33): user nice system idle iowait irq softirq steal guest guest_nice.
    static let stat = """
        cpu  1680103 13 181350 3027754 11707 0 3335 20263 0 0
        cpu0 748168 5 79310 1621406 2087 0 470 10183 0 0
        cpu1 931935 7 102039 1406347 9620 0 2865 10079 0 0
        intr 123 0 0
        """

    func testParseSumsTheAggregateLineByKind() throws {
        let t = try XCTUnwrap(HostCPUTimes.parse(Self.stat))
        XCTAssertEqual(t.busy, 1680103 + 13 + 181350 + 0 + 3335)
        XCTAssertEqual(t.idle, 3027754 + 11707)
        XCTAssertEqual(t.steal, 20263)
        XCTAssertEqual(t.total, t.busy + t.idle + 20263)
    }

    /// Distinct powers of two per column: any column taken for another shows in the sums.
    func testParseTakesEachColumnForItsKind() throws {
        let t = try XCTUnwrap(HostCPUTimes.parse("cpu  1 2 4 8 16 32 64 128 256 512\n"))
        XCTAssertEqual(t.busy, 1 + 2 + 4 + 32 + 64, "user nice system irq softirq; guest and guest_nice are inside user and nice")
        XCTAssertEqual(t.idle, 8 + 16, "idle iowait")
        XCTAssertEqual(t.steal, 128)
    }

    func testParseRefusesLinesWithoutStealOrWithGarbage() {
        XCTAssertNil(HostCPUTimes.parse("cpu0 1 2 3 4 5 6 7 8\n"), "no aggregate line")
        XCTAssertNil(HostCPUTimes.parse("cpu  1 2 3 4 5 6 7\n"), "seven fields: no steal column")
        XCTAssertNil(HostCPUTimes.parse("cpu  1 2 3 x 5 6 7 8\n"))
        XCTAssertNil(HostCPUTimes.parse("cpu  1 2 3 -4 5 6 7 8\n"))
        XCTAssertNil(HostCPUTimes.parse(""))
    }

    func testSharesOfTheWindow() throws {
        let start = HostCPUTimes(busy: 1000, idle: 1000, steal: 5)
        // 200 ticks in the window: 150 busy (0.6 s at 250 ticks/s, 0.4 s of it this process), 30 idle, 20 stolen.
        let end = HostCPUTimes(busy: 1150, idle: 1030, steal: 25)
        let load = try XCTUnwrap(HostLoad.between(start, end, ownCPUSeconds: 0.4, ticksPerSecond: 250))
        XCTAssertEqual(load.cpuSeconds, 0.8, accuracy: 1e-12)
        XCTAssertEqual(load.stealShare, 0.1, accuracy: 1e-12)
        XCTAssertEqual(load.otherProcessesShare, 0.25, accuracy: 1e-12)
        XCTAssertTrue(load.disturbed)
        // This process used more than the counted busy ticks (tick rounding): others clamp at 0.
        let quiet = try XCTUnwrap(HostLoad.between(start, HostCPUTimes(busy: 1100, idle: 1100, steal: 5), ownCPUSeconds: 1.02,
                                                   ticksPerSecond: 100))
        XCTAssertEqual(quiet.otherProcessesShare, 0)
        XCTAssertEqual(quiet.stealShare, 0)
        XCTAssertFalse(quiet.disturbed)
    }

    func testShortOrBackwardWindowsAreNotRead() {
        let start = HostCPUTimes(busy: 100, idle: 100, steal: 0)
        XCTAssertNil(HostLoad.between(start, HostCPUTimes(busy: 120, idle: 119, steal: 0), ownCPUSeconds: 0.1, ticksPerSecond: 100),
                     "39 ticks: under HostLoad.minimumTicks")
        XCTAssertNotNil(HostLoad.between(start, HostCPUTimes(busy: 120, idle: 120, steal: 0), ownCPUSeconds: 0.1, ticksPerSecond: 100))
        XCTAssertNil(HostLoad.between(start, HostCPUTimes(busy: 90, idle: 200, steal: 0), ownCPUSeconds: 0, ticksPerSecond: 100))
        XCTAssertNil(HostLoad.between(HostCPUTimes(busy: 100, idle: 100, steal: 9), HostCPUTimes(busy: 200, idle: 200, steal: 3),
                                      ownCPUSeconds: 0, ticksPerSecond: 100), "steal went backwards")
    }

    func testTheReportSaysWhenTheFiguresAreNotRepresentative() {
        let quiet = BenchmarkReport.hostLoadLine("resnet18-w16", HostLoad(cpuSeconds: 3.2, stealShare: 0.004, otherProcessesShare: 0.01))
        XCTAssertEqual(quiet, "resnet18-w16: during the measured steps (3.2 CPU-seconds of the machine) the host stole 0.4%, other processes used 1.0%")
        let busy = BenchmarkReport.hostLoadLine("mlp", HostLoad(cpuSeconds: 1, stealShare: 0.3, otherProcessesShare: 0))
        XCTAssertTrue(busy.hasSuffix("the host stole 30.0%, other processes used 0.0% — over 5%: these figures are not representative of MaskLab"), busy)
        XCTAssertTrue(BenchmarkReport.hostLoadLine("mlp", nil).contains("was not read"))
        // With --jobs the other copies are other processes: only steal flags the figures.
        let jobs = BenchmarkReport.hostLoadLine("resnet18-w16", HostLoad(cpuSeconds: 4, stealShare: 0.01, otherProcessesShare: 0.48), copies: 2)
        XCTAssertTrue(jobs.hasSuffix("other processes used 48.0% (the other 1 copy included)"), jobs)
        let stolen = BenchmarkReport.hostLoadLine("resnet18-w16", HostLoad(cpuSeconds: 4, stealShare: 0.2, otherProcessesShare: 0.48), copies: 3)
        XCTAssertTrue(stolen.contains("(the other 2 copies included) — over 5%"), stolen)
    }

    /// The machine running the tests has a /proc/stat with a steal column (Linux ≥ 2.6.11).
    func testThisMachineIsReadable() throws {
        guard FileManager.default.fileExists(atPath: "/proc/stat") else { throw XCTSkip("no /proc/stat on this machine") }
        let a = try XCTUnwrap(HostCPUTimes.now())
        XCTAssertGreaterThan(a.total, 0)
        XCTAssertGreaterThan(HostCPUTimes.ticksPerSecond, 0)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(HostCPUTimes.processCPUSeconds()), 0)
    }
}
