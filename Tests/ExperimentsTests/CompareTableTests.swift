import XCTest
import Stats
import Experiments
import Training

/// Aggregation of runs into the comparison table: means, 95% CIs, epochs to target, Welch tests.
final class CompareTableTests: XCTestCase {
    private func curve(_ seed: UInt64, _ acc: [Double]) -> RunCurve {
        RunCurve(seed: seed, testAccuracy: acc, testLoss: acc.map { 1 - $0 }, trainLoss: acc.map { 0.9 - $0 },
                 gap: acc.map { _ in 0.1 })
    }

    private var table: CompareTable {
        CompareTable([
            ("baseline", [curve(0, [0.80, 0.90, 0.95]), curve(1, [0.82, 0.91, 0.93]), curve(2, [0.81, 0.92, 0.94])]),
            ("dropconnect", [curve(0, [0.70, 0.85, 0.91]), curve(1, [0.72, 0.80, 0.89]), curve(2, [0.71, 0.86, 0.88])]),
        ], target: 0.9)
    }

    func testMeansAndIntervals() throws {
        let s = try XCTUnwrap(table.summary("baseline", .finalTestAccuracy))
        XCTAssertEqual(s.count, 3)
        XCTAssertEqual(s.mean, 0.94, accuracy: 1e-12)
        // sd of (0.95, 0.93, 0.94) = 0.01; t_{0.975, 2} = 4.302652729749464 (scipy.stats.t.ppf).
        XCTAssertEqual(s.halfWidth, 4.302652729749464 * 0.01 / 3.0.squareRoot(), accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(table.summary("dropconnect", .bestTestAccuracy)).mean, (0.91 + 0.89 + 0.88) / 3, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(table.summary("dropconnect", .firstEpochTestAccuracy)).mean, 0.71, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(table.summary("baseline", .finalTrainLoss)).mean, 0.9 - 0.94, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(table.summary("baseline", .finalGap)).mean, 0.1, accuracy: 1e-12)
    }

    func testEpochsToTargetCountsOnlySeedsThatReachIt() throws {
        XCTAssertEqual(table.values("baseline", .epochsToTarget), [2, 2, 2])
        XCTAssertEqual(table.values("dropconnect", .epochsToTarget), [3], "seeds 1 and 2 never reach 0.9")
        let md = table.markdown()
        XCTAssertTrue(md.contains("(3/3 reached)") && md.contains("(1/3 reached)"), md)
        XCTAssertTrue(md.contains("| baseline | 3 | 0.9400 ± "), md)
    }

    func testWelchAgainstReferencesAndPerEpoch() throws {
        let w = try XCTUnwrap(table.welch("baseline", against: "dropconnect", .finalTestAccuracy))
        let direct = try XCTUnwrap(WelchTest([0.95, 0.93, 0.94], [0.91, 0.89, 0.88]))
        XCTAssertEqual(w, direct)
        let tests = table.welchTables(references: ["dropconnect", "baseline"], metrics: [.finalTestAccuracy])
        XCTAssertEqual(tests.csv.split(separator: "\n").count, 1 + 2, "header + baseline vs dropconnect + dropconnect vs baseline")
        let epochs = table.epochTables(reference: "dropconnect")
        XCTAssertEqual(epochs.csv.split(separator: "\n").count, 1 + 3 * 2)
        XCTAssertTrue(epochs.markdown.contains("p baseline vs dropconnect"), epochs.markdown)
        XCTAssertEqual(table.accuracy("dropconnect", epoch: 1), [0.85, 0.80, 0.86])
    }

    func testCSVHasOneRowPerArmAndMetric() {
        let rows = table.csv().split(separator: "\n")
        XCTAssertEqual(rows.count, 1 + 2 * (CompareMetric.allCases.count - 1), "no eval GAP row: no run measured it")
        XCTAssertEqual(rows[0], "arm,metric,n,mean,sd,ci95_halfwidth")
        XCTAssertFalse(table.markdown().contains("eval GAP"))
    }

    /// A metrics.csv cut short in its last row (a crash, or by hand) or with a non-numeric
    /// accuracy: those rows are left out and named, never read as NaN (which made a report's
    /// mean "nan" and its Welch p 0); a diverged run's "nan" loss is kept.
    func testDamagedRowsAreLeftOutAndNamed() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("masklab-damaged-\(ProcessInfo.processInfo.processIdentifier).csv")
        defer { try? FileManager.default.removeItem(at: file) }
        let rows = ["1,10,100,0.9,0.7,1.0,0.6,0.1,,,0.1,1,1,1", "2,20,200,nan,0.1,nan,0.1,nan,,,0.1,1,1,1",
                    "3,30,300,0.5,0.8,0.8,x,0.3,,,0.1,1,1,1", "4,40,400,0.5,0.8,0.8"]
        try (EpochMetrics.csvHeader + "\n" + rows.joined(separator: "\n")).write(to: file, atomically: true, encoding: .utf8)
        var damaged: [String] = []
        let curve = try XCTUnwrap(RunCurve.read(file, seed: 0) { damaged.append($0) })
        XCTAssertEqual(curve.testAccuracy, [0.6, 0.1])
        XCTAssertTrue(curve.testLoss[1].isNaN, "a diverged epoch's nan loss is a value")
        XCTAssertEqual(damaged.count, 2, "\(damaged)")
        XCTAssertTrue(damaged[0].contains("line 4: test_accuracy 'x' is not a number"), damaged[0])
        XCTAssertTrue(damaged[1].contains("line 5: 6 of 14 fields (cut short or damaged)"), damaged[1])
    }

    /// A diverged run's final values are its last finite epoch's: the arm's n says so.
    func testDivergedRunsAreNamedInTheArmsCount() {
        var stopped = curve(1, [0.5, 0.6])
        stopped.diverged = true
        let t = CompareTable([("baseline", [curve(0, [0.8, 0.9, 0.95])]), ("dropconnect", [curve(0, [0.7, 0.8, 0.9]), stopped])], target: 0.9)
        let md = t.markdown()
        XCTAssertTrue(md.contains("| dropconnect | 2 (1 diverged: seed 1 after epoch 2, its last finite epoch counted as final) |"), md)
        XCTAssertTrue(md.contains("| baseline | 1 |"), md)
    }

    /// Runs with `trainEval` on (metrics.csv's `eval_gap` column) add the "final eval GAP" metric,
    /// read by header name from the files as the trainer writes them.
    func testEvalGapIsReportedWhenTheRunsMeasuredIt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("masklab-evalgap-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let header = EpochMetrics.csvHeader + "," + EpochMetrics.trainEvalHeader
        var curves: [RunCurve] = []
        for (seed, finalGap) in [(0, 0.25), (1, 0.35)] {
            let file = dir.appendingPathComponent("m\(seed).csv")
            try "\(header)\n1,10,100,0.9,0.7,1.0,0.6,0.1,,,0.1,1,1,1,0.8,0.75,0.2\n2,20,200,0.5,0.8,0.8,0.7,0.3,,,0.1,1,1,1,0.55,0.8,\(finalGap)\n"
                .write(to: file, atomically: true, encoding: .utf8)
            curves.append(try XCTUnwrap(RunCurve.read(file, seed: UInt64(seed))))
        }
        XCTAssertEqual(curves[0].evalGap, [0.2, 0.25])
        XCTAssertEqual(curves[0].gap, [0.1, 0.3], "the running-loss GAP is still the gap column")
        let measured = CompareTable([("baseline", curves), ("other", [curve(0, [0.5, 0.6])])], target: 0.9)
        XCTAssertEqual(measured.metrics.last, .epochsToTarget)
        XCTAssertTrue(measured.metrics.contains(.finalEvalGap))
        XCTAssertEqual(try XCTUnwrap(measured.summary("baseline", .finalEvalGap)).mean, 0.3, accuracy: 1e-12)
        XCTAssertNil(measured.summary("other", .finalEvalGap), "a run without trainEval has no eval GAP")
        XCTAssertTrue(measured.markdown().contains("| final eval GAP |"), measured.markdown())
        XCTAssertTrue(measured.csv().contains("baseline,final eval GAP,2,0.3,"), measured.csv())
        XCTAssertTrue(measured.csv().contains("other,final eval GAP,0,,,"), measured.csv())
    }
}
