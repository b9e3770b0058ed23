import XCTest
import Foundation
import Training
@testable import Experiments

/// Plot axes, colours and markers: what a reader of every MaskLab figure relies on.
final class PlotTests: XCTestCase {
    /// Labels of evenly spaced ticks must be distinct, evenly spaced when read back, and equal
    /// (as numbers) to the tick values: the 0.9425 / 0.9475 gridlines read "0.943" and
    /// "0.947" with three significant digits.
    private func assertReadable(_ ticks: [PlotAxis.Tick], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertGreaterThanOrEqual(ticks.count, 3, "\(ticks)", file: file, line: line)
        XCTAssertEqual(Set(ticks.map(\.label)).count, ticks.count, "duplicate labels \(ticks.map(\.label))", file: file, line: line)
        let read = ticks.map { Double($0.label)! }
        for (r, t) in zip(read, ticks) { XCTAssertEqual(r, t.value, accuracy: 1e-12, "label \(t.label) for \(t.value)", file: file, line: line) }
        let steps = zip(read.dropFirst(), read).map { $0 - $1 }
        for s in steps { XCTAssertEqual(s, steps[0], accuracy: 1e-12, "uneven labels \(ticks.map(\.label))", file: file, line: line) }
        let decimals = ticks.map { $0.label.split(separator: ".").dropFirst().first?.count ?? 0 }
        XCTAssertEqual(Set(decimals).count, 1, "labels of one axis share their decimals: \(ticks.map(\.label))", file: file, line: line)
    }

    func testLinearTicksCarryThePrecisionTheirStepNeeds() {
        let narrow = PlotAxis.ticks(0.9425, 0.9475)
        assertReadable(narrow)
        let quarter = PlotAxis.ticks(0.94, 0.951)   // step 0.0025: the gridlines
        assertReadable(quarter)
        XCTAssertEqual(quarter.map(\.label), ["0.9400", "0.9425", "0.9450", "0.9475", "0.9500"])
        assertReadable(PlotAxis.ticks(-0.013, 0.21))
        assertReadable(PlotAxis.ticks(0, 2300))
        XCTAssertEqual(PlotAxis.ticks(-0.2, 1.2).map(\.label), ["0.0", "0.5", "1.0"])
        XCTAssertEqual(PlotAxis.ticks(0.055, 0.14).map(\.label), ["0.06", "0.08", "0.10", "0.12", "0.14"])
    }

    func testIntegerAxesNeverGetFractionalTicks() {
        for (lo, hi) in [(1.0, 3.0), (1.0, 2.0), (0.9, 3.1), (1.0, 6.0), (1.0, 15.0), (1.0, 90.0)] {
            let ticks = PlotAxis.ticks(lo, hi, integer: true)
            XCTAssertFalse(ticks.isEmpty)
            for t in ticks { XCTAssertEqual(t.value, t.value.rounded(), "\(lo)…\(hi): tick \(t.value)") }
            XCTAssertFalse(ticks.map(\.label).contains { $0.contains(".") }, "\(ticks.map(\.label))")
        }
        XCTAssertEqual(PlotAxis.ticks(1, 3, integer: true).map(\.label), ["1", "2", "3"])
        // Without the integer flag the same span gets half-epochs: the flag is what prevents them.
        XCTAssertTrue(PlotAxis.ticks(1, 3).map(\.label).contains("1.5"))
    }

    func testLogTicksLabelEachValueExactly() {
        let ticks = PlotAxis.ticks(1.85, 100, scale: .log)
        XCTAssertEqual(ticks.map(\.label), ["2", "5", "10", "20", "50", "100"])
        let small = PlotAxis.ticks(0.3, 12, scale: .log)
        XCTAssertEqual(small.map(\.label), ["0.5", "1", "2", "5", "10"])
    }

    func testLogAxisIsReversedAndErrorBarsAreDrawn() {
        var plot = LinePlot(title: "t", xLabel: "% remaining", yLabel: "acc", series: [
            .init(label: "ticket", points: [(100, 0.9), (10, 0.95), (1, 0.9)], band: [(100, 0.89, 0.91), (10, 0.94, 0.96), (1, 0.88, 0.92)], bandStyle: .errorBars),
        ])
        plot.xScale = .log
        plot.xReversed = true
        let svg = plot.svg()
        // 100 % is drawn left of 10 %, which is left of 1 %, at equal distances (one decade each).
        func x(_ label: String) -> Double? {
            guard let r = svg.range(of: "text-anchor=\"middle\">\(label)</text>") else { return nil }
            let head = svg[..<r.lowerBound]
            guard let xr = head.range(of: "<text x=\"", options: .backwards) else { return nil }
            return Double(head[xr.upperBound...].prefix { $0 != "\"" })
        }
        let (x100, x10, x1) = (x("100")!, x("10")!, x("1")!)
        XCTAssertLessThan(x100, x10)
        XCTAssertEqual(x10 - x100, x1 - x10, accuracy: 0.2)
        XCTAssertEqual(svg.components(separatedBy: "<path d=\"M").count - 1, 3, "one error bar per point")
    }

    func testTrainAndTestHaveTheSameColourInCurvesAndInterpolation() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("masklab-plot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let plotter = CurvePlotter(layout: RunLayout(directory: dir), title: "mlp")
        plotter.history = (0..<3).map { e in
            EpochMetrics(epoch: e, iterations: 10 * (e + 1), samples: 100, trainLoss: 1, trainAccuracy: 0.5, testLoss: 1.1, testAccuracy: 0.45,
                         learningRate: 0.1, imagesPerSecond: 1, trainSeconds: 1, wallSeconds: 1)
        }
        let curves = plotter.plots()
        for p in curves {
            XCTAssertEqual(p.series.first { $0.label.hasPrefix("test") }?.colour, LinePlot.testColour)
            let train = try XCTUnwrap(p.series.first { $0.label.hasPrefix("train") })
            XCTAssertEqual(train.colour, LinePlot.trainColour)
            XCTAssertTrue(train.label.contains("running mean") && train.label.contains("training mode"), train.label)
            XCTAssertTrue(p.xInteger, "epochs are counts")
            XCTAssertEqual(p.series[0].points.map(\.x), [1, 2, 3], "epochs counted from 1")
        }
        let points = [-0.2, 0, 0.5, 1, 1.2].map { Interpolation.Point(alpha: $0, trainLoss: 0.1, trainAccuracy: 0.9, testLoss: 0.2, testAccuracy: 0.8) }
        let svg = Interpolation.svg(points, title: "mlp", a: "runs/dense", b: "runs/ticket")
        // The test line is drawn in the test colour and the train line in the train colour.
        XCTAssertTrue(svg.contains("stroke=\"\(LinePlot.testColour)\" stroke-width=\"2\"/>"))
        XCTAssertTrue(svg.contains("stroke=\"\(LinePlot.trainColour)\" stroke-width=\"2\" stroke-dasharray"))
        XCTAssertTrue(svg.contains("A (α = 0): runs/dense") && svg.contains("B (α = 1): runs/ticket"), "the subtitle names A and B")
        XCTAssertTrue(svg.contains(">A</text>") && svg.contains(">B</text>"), "α = 0 and α = 1 are marked")
    }

    func testLotteryLevelCurvesComeFromValidationPoints() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("masklab-plot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("validation.csv")
        try "iteration,validation_loss,validation_accuracy,test_loss,test_accuracy\n100,0.5,0.8,0.5,0.8\n200,0.4,0.85,,\n300,0.3,0.9,0.3,0.9\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let plotter = CurvePlotter(layout: RunLayout(directory: dir), title: "level", validationFile: file)
        plotter.history = [EpochMetrics(epoch: 0, iterations: 300, samples: 100, trainLoss: 1, trainAccuracy: 0.5, testLoss: 0.3,
                                        testAccuracy: 0.9, learningRate: 0.1, imagesPerSecond: 1, trainSeconds: 1, wallSeconds: 1)]
        let accuracy = plotter.plots()[0]
        XCTAssertEqual(accuracy.xLabel, "iteration")
        let validation = try XCTUnwrap(accuracy.series.first { $0.colour == LinePlot.validationColour })
        XCTAssertEqual(validation.points.map(\.x), [100, 200, 300])
        XCTAssertEqual(validation.points.map(\.y), [0.8, 0.85, 0.9])
    }

    func testHistogramGridFitsThePanelsAndLabelsTheOuterBins() {
        XCTAssertEqual(HistogramPlot.columns(for: 2), 2)
        XCTAssertEqual(HistogramPlot.columns(for: 3), 3)
        XCTAssertEqual(HistogramPlot.columns(for: 6), 3)
        XCTAssertEqual(HistogramPlot.columns(for: 20), 5)
        let edges = stride(from: -6.0, through: 3.0, by: 1.0).map { $0 }
        // One series is a spike in the underflow (99.9%), the other spread over the bins.
        let spike = HistogramPlot.Series(label: "refresh 0", counts: Array(repeating: 0, count: 8) + [1], underflow: 999)
        let spread = HistogramPlot.Series(label: "refresh 1", counts: [0, 10, 40, 100, 40, 10, 0, 0, 0])
        var plot = HistogramPlot(title: "t", xLabel: "log₁₀ w", edges: edges, panels: [.init(title: "fc1.weight", series: [spike, spread]),
                                                                                      .init(title: "fc2.weight", series: [spread])])
        plot.setImportanceOuterLabels()
        let svg = plot.svg()
        XCTAssertTrue(svg.contains(">≤1e-6</text>") && svg.contains(">&gt;1e3</text>"), "outer bins labelled as values of w")
        XCTAssertTrue(svg.contains(">share</text>"), "y axis labelled")
        XCTAssertTrue(svg.contains(">100%</text>"), "the clipped underflow spike carries its share")
        // The y axis is scaled to the largest regular bin (100/200 = 0.5, ×1.05), not to the spike.
        XCTAssertTrue(svg.contains(">0.53</text>") || svg.contains(">0.525</text>"), "panel y maximum from the regular bins")
        XCTAssertTrue(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"560\""), "two panels: one row, no blank columns")
    }

    /// With two seeds the 95% t band (t = 12.7) reaches past what accuracy can be; it is cut at 0
    /// and 1 and the chart says so, and a loss band that stays above 0 is left as it is.
    func testOverlayBandsAreCutAtTheMetricsRange() throws {
        func curve(_ seed: UInt64, _ accuracy: [Double], _ loss: [Double]) -> RunCurve {
            RunCurve(seed: seed, testAccuracy: accuracy, testLoss: loss, trainLoss: loss, gap: loss.map { _ in 0 })
        }
        let wide = RunOverlay.Group(label: "a", runs: ["r0", "r1"], curves: [curve(0, [0.1, 0.80], [1.0, 1.0]), curve(1, [0.9, 0.82], [1.01, 1.0])])
        let svg = RunOverlay.svg([wide], title: "t")
        XCTAssertEqual(svg.components(separatedBy: "(cut at the metric&apos;s range)").count - 1
                       + svg.components(separatedBy: "(cut at the metric's range)").count - 1, 1, "the accuracy chart only: \(svg)")
        XCTAssertFalse(svg.contains(">-"), "no negative tick: the accuracy band stops at 0")
        let narrow = RunOverlay.Group(label: "a", runs: ["r0", "r1"], curves: [curve(0, [0.5, 0.80], [1.0, 1.0]), curve(1, [0.5, 0.80], [1.0, 1.0])])
        XCTAssertFalse(RunOverlay.svg([narrow], title: "t").contains("cut at"), "nothing cut, nothing said")
    }

    /// Legends name what a group sets and leave out what it lacks, unless it lacks everything
    /// that varies (then "absent" is the information).
    func testOverlayLabelsLeaveOutAbsentKeysUnlessNothingElseIsSet() {
        let varying = ["model", "modelOptions.hidden"]
        XCTAssertEqual(RunOverlay.label(varying: varying, in: ["model": "lenet5", "modelOptions": [String: Any]()]), "model \"lenet5\"")
        XCTAssertEqual(RunOverlay.label(varying: varying, in: ["model": "mlp", "modelOptions": ["hidden": [64, 64]]]), "model \"mlp\", hidden [64,64]")
        XCTAssertEqual(RunOverlay.label(varying: ["masks"], in: [:]), "masks absent")
        XCTAssertEqual(RunOverlay.label(varying: ["masks"], in: ["masks": ["name": "dropconnect"]]), "masks dropconnect")
        XCTAssertEqual(RunOverlay.label(varying: ["masks"], in: ["masks": ["name": "dropconnect", "keep": 0.7]]), "masks dropconnect keep 0.7")
        XCTAssertEqual(RunOverlay.label(varying: ["batchSize", "schedule.name"], in: ["batchSize": 64, "schedule": ["name": "cosine"]]),
                       "batchSize 64, schedule \"cosine\"", "a name is labelled by the section it names")
        XCTAssertEqual(RunOverlay.compareArm("/r/compare-study/runs/impacts+reg/seed-3"), "impacts+reg")
        XCTAssertNil(RunOverlay.compareArm("/r/sweep-x/runs/mlp-mnist-1234"))
        XCTAssertNil(RunOverlay.compareArm("/r/compare-study/runs/impacts"))
        XCTAssertEqual(RunOverlay.comparisonAndArm("/r/compare-study/runs/a/seed-0")?.comparison, "/r/compare-study")
        // Numbers by value (2 before 10, which text order reverses), before other values.
        XCTAssertEqual(["10", "2", "\"adam\"", "0.5"].sorted(by: RunOverlay.precedes), ["0.5", "2", "10", "\"adam\""])
    }
}
