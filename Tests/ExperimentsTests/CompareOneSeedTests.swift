import XCTest
import Stats
import Experiments

/// A comparison with one seed per arm must not look exact: no "± 0.0000", and the empty Welch
/// table says why it is empty.
final class CompareOneSeedTests: XCTestCase {
    private func curve(_ acc: [Double]) -> RunCurve {
        RunCurve(seed: 0, testAccuracy: acc, testLoss: acc.map { 1 - $0 }, trainLoss: acc.map { 0.9 - $0 }, gap: acc.map { _ in 0.1 })
    }

    func testOneSeedPrintsNoIntervalAndExplainsTheEmptyWelchTable() {
        let table = CompareTable([("baseline", [curve([0.2, 0.2443])]), ("dropconnect", [curve([0.1, 0.2])])], target: 0.9)
        let md = table.markdown()
        XCTAssertFalse(md.contains("± 0.0000"), md)
        XCTAssertTrue(md.contains("0.2443 (n = 1, no interval)"), md)
        let welch = table.welchTables(references: ["baseline"], metrics: [.finalTestAccuracy])
        XCTAssertTrue(welch.markdown.contains("needs at least two seeds in each arm") && welch.markdown.contains("n = 1 per arm"), welch.markdown)
        XCTAssertEqual(welch.csv, "metric,arm,reference,difference,t,df,p\n", "the CSV stays a plain table")
        XCTAssertTrue(table.epochTables(reference: "baseline").markdown.contains("(n = 1, no interval)"))
    }

    /// summary.csv and epochs.csv leave sd and the CI half-width empty for n = 1 (they wrote
    /// 0, which reads as an exact value), and keep them for n ≥ 2.
    func testOneSeedLeavesSpreadEmptyInTheCSVs() throws {
        let table = CompareTable([("baseline", [curve([0.2, 0.2443])]),
                                  ("dropconnect", [curve([0.1, 0.2]), RunCurve(seed: 1, testAccuracy: [0.3, 0.4], testLoss: [0.7, 0.6],
                                                                               trainLoss: [0.6, 0.5], gap: [0.1, 0.1])])], target: 0.9)
        let rows = table.csv().split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let one = try XCTUnwrap(rows.first { $0[0] == "baseline" && $0[1] == "final test acc" })
        XCTAssertEqual(one, ["baseline", "final test acc", "1", "0.2443", "", ""])
        let two = try XCTUnwrap(rows.first { $0[0] == "dropconnect" && $0[1] == "final test acc" })
        XCTAssertEqual(two[2], "2")
        XCTAssertEqual(try XCTUnwrap(Double(two[4])), Summary([0.2, 0.4]).standardDeviation, accuracy: 1e-15)
        XCTAssertEqual(try XCTUnwrap(Double(two[5])), Summary([0.2, 0.4]).halfWidth, accuracy: 1e-12)
        let epochs = table.epochTables(reference: "baseline").csv.split(separator: "\n").map(String.init)
        XCTAssertTrue(epochs.contains("2,baseline,1,0.2443,,"), epochs.joined(separator: "\n"))
    }

    func testSeveralSeedsKeepTheirIntervalsAndTests() {
        let table = CompareTable([("baseline", [curve([0.80, 0.9]), curve([0.82, 0.91])]), ("dropconnect", [curve([0.7, 0.85]), curve([0.72, 0.8])])], target: 0.9)
        XCTAssertTrue(table.markdown().contains(" ± "))
        XCTAssertFalse(table.markdown().contains("no interval"))
        XCTAssertFalse(table.welchTables(references: ["baseline"], metrics: [.finalTestAccuracy]).markdown.contains("No test"))
    }

    func testSmokeConfigSaysHowItWasShrunk() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("masklab-smoke-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("c.json")
        try #"{"name": "x", "seeds": [0, 1, 2, 3, 4], "base": {"budget": {"epochs": 20}, "masks": {"name": "dropconnect", "keep": 0.2, "importance": {"steps": 100}}}}"#
            .write(to: file, atomically: true, encoding: .utf8)
        let full = try CompareConfig.load(from: file)
        XCTAssertNil(full.shrunk)
        let smoke = full.smoke()
        let shrunk = try XCTUnwrap(smoke.shrunk)
        XCTAssertTrue(shrunk.contains("seeds 0, 1, 2, 3, 4 → 0"), shrunk)
        XCTAssertEqual(smoke.seeds, [0])
        let ran = smoke.runConfig(smoke.arms[0], seed: 0)
        XCTAssertEqual(ran.training.budget, .epochs(1))
        XCTAssertEqual(ran.trainSubset, 256)
    }
}
