import XCTest
import Foundation
import Stats
@testable import Experiments

/// The paired analysis of `masklab compare`: the declared endpoints and contrasts, the numbers of
/// the `Stats` functions (and SciPy's, on the data of `PairedStatisticsTests`), the primary table
/// first in the report, and the refusals at load.
final class ComparePairedTableTests: XCTestCase {
    // PairedStatisticsTests' five-seed data: a1 − b1 has t = 6.9877, p = 0.0022066 (scipy.stats.ttest_rel).
    let a1 = [0.9812, 0.9807, 0.9821, 0.9799, 0.9815], b1 = [0.9761, 0.9770, 0.9748, 0.9766, 0.9759]
    let c1 = [0.9770, 0.9801, 0.9752, 0.9760, 0.9790]

    private func base(epochs: Int = 2) -> [String: Any] {
        ["model": "mlp", "modelOptions": ["hidden": [8]], "dataset": "mnist", "batchSize": 16, "budget": ["epochs": epochs],
         "masks": ["keep": 0.3, "target": "gradients", "importance": ["steps": 2]]]
    }

    private func arms() -> [[String: Any]] {
        [["name": "impacts", "masks": ["name": "importance"]], ["name": "dropconnect", "masks": ["name": "dropconnect"]],
         ["name": "saliency", "masks": ["name": "importance", "importance": ["steps": 0]]], ["name": "baseline", "masks": NSNull()]]
    }

    private func config(_ analysis: [String: Any], epochs: Int = 2) throws -> CompareConfig {
        try CompareConfig.parse(["name": "t", "seeds": [0, 1, 2, 3, 4], "base": base(epochs: epochs), "arms": arms(), "analysis": analysis], path: "c.json")
    }

    private let analysis: [String: Any] = [
        "endpoints": [["metric": "testAccuracy", "epoch": 1], ["metric": "testAccuracy", "epoch": "final"]],
        "contrasts": [["impacts", "dropconnect"], ["impacts", "saliency"]], "reference": "dropconnect", "margin": 0.01,
    ]

    /// Epoch 1 holds a shifted copy (0.1 lower) so the two endpoints are told apart; "final" is epoch 2.
    private func table() -> CompareTable {
        func runs(_ v: [Double]) -> [RunCurve] {
            v.enumerated().map { RunCurve(seed: UInt64($0.offset), testAccuracy: [$0.element - 0.1, $0.element], testLoss: [1, 1], trainLoss: [1, 1], gap: [0, 0]) }
        }
        return CompareTable([("impacts", runs(a1)), ("dropconnect", runs(b1)), ("saliency", runs(c1)), ("baseline", runs(b1.map { $0 + 0.001 }))], target: 0.9)
    }

    func testPrimaryRowsCarryTheNumbersOfTheStatsFunctions() throws {
        let compare = try config(analysis)
        let paired = ComparePairedTable(table(), analysis: try XCTUnwrap(compare.analysis), finalEpoch: 2)
        let primary = paired.rows(.primary)
        XCTAssertEqual(primary.map { "\($0.endpoint.label): \($0.first) − \($0.second)" },
                       ["testAccuracy @ epoch 1: impacts − dropconnect", "testAccuracy @ epoch 1: impacts − saliency",
                        "testAccuracy @ final: impacts − dropconnect", "testAccuracy @ final: impacts − saliency"])
        let r = primary[2]
        let c = try XCTUnwrap(r.paired)
        XCTAssertEqual(r.seeds, [0, 1, 2, 3, 4])
        XCTAssertEqual(c.t, 6.987712429686868, accuracy: 1e-9 * 6.99, "SciPy ttest_rel")
        XCTAssertEqual(c.p, 0.0022066092438295846, accuracy: 1e-9 * 0.0022, "SciPy ttest_rel")
        XCTAssertEqual(c.interval.lower, 0.0030133376028739873, accuracy: 1e-12)
        XCTAssertEqual(c.interval.upper, 0.0069866623971260216, accuracy: 1e-12)
        XCTAssertEqual(r.wilcoxon?.p, 0.0625, "SciPy wilcoxon: n = 5, all positive")
        let d1 = zip(a1, b1).map { $0 - $1 }, d2 = zip(a1, c1).map { $0 - $1 }
        let holm = HolmCorrection.adjust([try XCTUnwrap(PairedComparison(differences: d1)).p, try XCTUnwrap(PairedComparison(differences: d2)).p])
        XCTAssertEqual(r.holmP, holm[0]); XCTAssertEqual(primary[3].holmP, holm[1]); XCTAssertEqual(r.holmFamilySize, 2)
        XCTAssertEqual(r.equivalence, EquivalenceTest(differences: d1, margin: 0.01))
        XCTAssertEqual(try XCTUnwrap(r.detectable), PairedPower.minimumDetectableEffect(pairs: 5, alpha: 0.025) * c.standardDeviation, accuracy: 1e-12,
                       "80% power at α/m with the observed σ_d")
        XCTAssertEqual(r.verdict(), "impacts > dropconnect; equivalent within ±0.01", "Holm p < 0.05 and the interval inside ±δ")
        // Epoch 1 is the same data shifted by the same 0.1: the same differences to rounding.
        XCTAssertEqual(try XCTUnwrap(primary[0].paired).meanDifference, c.meanDifference, accuracy: 1e-12)
        // Exploratory: every other arm against the reference, excluding the primary pair; no Holm.
        let exploratory = paired.rows(.exploratory)
        XCTAssertEqual(exploratory.map { "\($0.endpoint.label): \($0.first) − \($0.second)" },
                       ["testAccuracy @ epoch 1: saliency − dropconnect", "testAccuracy @ epoch 1: baseline − dropconnect",
                        "testAccuracy @ final: saliency − dropconnect", "testAccuracy @ final: baseline − dropconnect"])
        XCTAssertNil(exploratory[0].holmP)
        XCTAssertEqual(exploratory[3].verdict(), "no test: every difference is +0.001 (σ_d = 0)",
                       "a constant +0.001 (to rounding): the t statistics are undefined, no verdict")
        let csv = paired.csv().split(separator: "\n")
        XCTAssertEqual(csv.count, 1 + 8)
        XCTAssertTrue(csv[3].hasPrefix("primary,testAccuracy @ final,impacts,dropconnect,5,0;1;2;3;4,"), String(csv[3]))
        XCTAssertTrue(csv[5].hasPrefix("exploratory,"), String(csv[5]))
    }

    /// paired.svg and paired-exploratory.svg draw what the table says: one row per contrast of
    /// the family (primary in bold), one dot per seed at its difference, the diamond at the mean,
    /// a bar from the interval's lower to upper end (none for a row without a test), the
    /// endpoint's margin band, the table's verdict; the axis maps its range onto the plotting area.
    func testTheForestPlotsDrawEveryRowsSeedsMeanIntervalAndBand() throws {
        let paired = ComparePairedTable(table(), analysis: try XCTUnwrap(try config(analysis).analysis), finalEpoch: 2)
        let primary = try XCTUnwrap(paired.figure(.primary, title: "t"))
        let exploratory = try XCTUnwrap(paired.figure(.exploratory, title: "t"))
        XCTAssertEqual(primary.rows.map(\.label), ["impacts − dropconnect @ testAccuracy @ epoch 1", "impacts − saliency @ testAccuracy @ epoch 1",
                                                 "impacts − dropconnect @ testAccuracy @ final", "impacts − saliency @ testAccuracy @ final"])
        XCTAssertEqual(exploratory.rows.map(\.label), ["saliency − dropconnect @ testAccuracy @ epoch 1", "baseline − dropconnect @ testAccuracy @ epoch 1",
                                                     "saliency − dropconnect @ testAccuracy @ final", "baseline − dropconnect @ testAccuracy @ final"])
        XCTAssertEqual(primary.rows.map(\.emphasised), [true, true, true, true])
        XCTAssertEqual(exploratory.rows.map(\.emphasised), [false, false, false, false])
        XCTAssertEqual(exploratory.rows.map { $0.interval == nil }, [false, true, false, true],
                       "baseline − dropconnect is a constant +0.001 (σ_d = 0): no interval is drawn")
        let r = primary.rows[2], c = try XCTUnwrap(paired.rows(.primary)[2].paired)
        XCTAssertEqual(r.points, zip(a1, b1).map { $0 - $1 })
        XCTAssertEqual(r.mean, c.meanDifference)
        XCTAssertEqual(r.interval, c.interval.lower...c.interval.upper)
        XCTAssertEqual(r.margin, 0.01)
        XCTAssertEqual(r.note, "n 5: impacts > dropconnect; equivalent within ±0.01")
        XCTAssertTrue(primary.xLabel.hasPrefix("Δ testAccuracy, first − second"), primary.xLabel)

        // The axis: its ends are the plotting area's edges, and values keep their order.
        let range = primary.xRange
        XCTAssertEqual(primary.pixel(range.lowerBound), primary.left, accuracy: 1e-9)
        XCTAssertEqual(primary.pixel(range.upperBound), primary.left + primary.plotWidth, accuracy: 1e-9)
        for d in zip(a1, c1).map({ $0 - $1 }) + [-0.01, 0.01, 0] { XCTAssertTrue(range.contains(d), "\(d) outside \(range)") }

        let svg = primary.svg()
        func values(_ tag: String, _ attribute: String) -> [Double] {
            svg.split(separator: "\n").filter { $0.contains("class=\"\(tag)\"") }.compactMap { line in
                line.range(of: "\(attribute)=\"").flatMap { Double(line[$0.upperBound...].prefix { $0 != "\"" }) }
            }
        }
        let px = { (x: Double) in (primary.pixel(x) * 10).rounded() / 10 }
        XCTAssertEqual(values("seed", "cx").count, 4 * 5, "one dot per seed and row")
        XCTAssertEqual(Array(values("seed", "cx")[10..<15]), r.points.map(px), "row 3's dots at its differences")
        XCTAssertEqual(values("interval", "x1").count, 4, "every testable row has a bar")
        let (low, mean, high) = (values("interval", "x1")[2], values("mean", "data-x")[2], values("interval", "x2")[2])
        XCTAssertEqual([low, mean, high], [px(c.interval.lower), px(c.meanDifference), px(c.interval.upper)])
        XCTAssertTrue(low < mean && mean < high)
        XCTAssertEqual(values("margin", "x"), [Double](repeating: px(-0.01), count: 4), "one band per row, from −δ")
        XCTAssertEqual(values("margin", "width")[0], px(0.01) - px(-0.01), accuracy: 0.11)
        XCTAssertEqual(values("zero", "x1"), [px(0)])
        XCTAssertTrue(svg.contains("font-weight=\"bold\">impacts − dropconnect @ testAccuracy @ final</text>"))
    }

    /// paired-accuracy.svg: per epoch, each other arm's mean per-seed difference from the reference
    /// with its 95% t band (`Summary` of the differences); a constant difference has a zero-width band.
    func testPairedAccuracyPlotIsTheMeanPerSeedDifferencePerEpoch() throws {
        let plot = CompareReport.pairedAccuracyPlot(table(), reference: "dropconnect", title: "t")
        XCTAssertEqual(plot.series.map(\.label), ["impacts − dropconnect", "saliency − dropconnect", "baseline − dropconnect"])
        let impacts = plot.series[0], d = zip(a1, b1).map { $0 - $1 }, s = Summary(d)
        XCTAssertEqual(impacts.points.map(\.x), [1, 2])
        XCTAssertEqual(impacts.points[1].y, d.reduce(0, +) / 5, accuracy: 1e-12)
        XCTAssertEqual(impacts.points[0].y, impacts.points[1].y, accuracy: 1e-12, "epoch 1 is the same data shifted by 0.1 in both arms")
        XCTAssertEqual(impacts.band[1].low, s.mean - s.halfWidth, accuracy: 1e-12)
        XCTAssertEqual(impacts.band[1].high, s.mean + s.halfWidth, accuracy: 1e-12)
        XCTAssertGreaterThan(s.halfWidth, 0)
        let baseline = plot.series[2]
        XCTAssertEqual(baseline.points[1].y, 0.001, accuracy: 1e-12)
        XCTAssertEqual(baseline.band[1].high - baseline.band[1].low, 0, accuracy: 1e-12, "a constant difference: no spread")
    }

    /// Edge cases of the figure: arm names with SVG's special characters are escaped, rows keep
    /// their own margins, one pair draws its diamond without a bar, no rows draw an empty frame.
    func testTheForestPlotEscapesAndDrawsItsEdgeCases() {
        let plot = PairedDifferencePlot(title: "a<b & c", xLabel: "Δ", rows: [
            .init(label: "x&y − \"z\" <w>", points: [0.02], mean: 0.02, interval: nil, margin: 0.01),
            .init(label: "loss", points: [0.1, 0.3], mean: 0.2, interval: 0.0...0.4, margin: 0.05, emphasised: true),
        ])
        let svg = plot.svg()
        XCTAssertTrue(svg.contains(">x&amp;y − &quot;z&quot; &lt;w&gt;</text>"), svg)
        XCTAssertTrue(svg.contains(">a&lt;b &amp; c</text>"), svg)
        XCTAssertFalse(svg.contains("<w>"))
        XCTAssertEqual(svg.components(separatedBy: "class=\"mean\"").count - 1, 2, "the one-pair row has its diamond")
        XCTAssertEqual(svg.components(separatedBy: "class=\"interval\"").count - 1, 1, "and no bar")
        XCTAssertTrue(svg.contains("x=\"\(SVGText.number(plot.pixel(-0.05)))\""), "the second row's band starts at −0.05")
        XCTAssertFalse(svg.contains(">±"), "different margins: no single ±δ label")
        let empty = PairedDifferencePlot(title: "none", xLabel: "Δ", rows: []).svg()
        XCTAssertTrue(empty.hasSuffix("</svg>\n") && !empty.contains("class=\"seed\""))
    }

    /// Seeds with equal or nearly equal differences are drawn side by side in lanes above the bar
    /// instead of on top of each other; seeds apart keep the first lane.
    func testForestPlotDotsThatWouldOverlapTakeTheirOwnLanes() throws {
        let lanes = PairedDifferencePlot.dotLanes([50, 50, 53, 80, 50, 50, 200])
        XCTAssertEqual(lanes.map(\.1), [0, 1, 2, 0, 2, 2, 0], "ties fill lanes 0, 1, 2 in order; the fourth and fifth stay in the last")
        XCTAssertEqual(lanes.map(\.0), [50, 50, 53, 80, 50, 50, 200], "x never moves")
        let plot = PairedDifferencePlot(title: "t", xLabel: "Δ", rows: [
            .init(label: "a − b", points: [0.002, 0.002, 0.009], mean: 0.0043, interval: 0.0...0.01, margin: 0.01)])
        let svg = plot.svg()
        let cys = svg.components(separatedBy: "class=\"seed\"").dropFirst().map { part -> String in
            let after = part.components(separatedBy: "cy=\"")[1]
            return String(after.prefix { $0 != "\"" })
        }
        let y = plot.rowCentre(0)
        XCTAssertEqual(cys, [SVGText.number(y - 7), SVGText.number(y - 13), SVGText.number(y - 7)], svg)
    }

    /// Every arm at chance (a CIFAR smoke run): σ_d = 0, so no p-value, no equivalence, no
    /// detectable effect, and the row stays out of Holm's family; the old table said "equivalent
    /// within ±0.01" with TOST p 0 and "detectable 0.0000".
    func testEqualDifferencesGiveNoTestInsteadOfCertainty() throws {
        let compare = try config(analysis)
        func runs(_ v: [Double]) -> [RunCurve] {
            v.enumerated().map { RunCurve(seed: UInt64($0.offset), testAccuracy: [$0.element, $0.element], testLoss: [1, 1], trainLoss: [1, 1], gap: [0, 0]) }
        }
        let chance = [Double](repeating: 0.1, count: 5)
        let t = CompareTable([("impacts", runs(chance)), ("dropconnect", runs(chance)), ("saliency", runs(c1)), ("baseline", runs(chance))], target: 0.9)
        let paired = ComparePairedTable(t, analysis: try XCTUnwrap(compare.analysis), finalEpoch: 2)
        let rows = paired.rows(.primary)
        XCTAssertTrue(rows[2].isDegenerate)
        XCTAssertEqual(rows[2].verdict(), "no test: every difference is +0 (σ_d = 0)")
        XCTAssertNil(rows[2].holmP, "no Holm p of its own")
        XCTAssertFalse(rows[3].isDegenerate)
        XCTAssertEqual(rows[3].holmFamilySize, 2, "m as declared: the untestable contrast counts with p = 1")
        XCTAssertEqual(rows[3].holmP, HolmCorrection.adjust([1, try XCTUnwrap(rows[3].paired).p])[1])
        XCTAssertEqual(try XCTUnwrap(rows[3].holmP), min(1, 2 * (rows[3].paired?.p ?? 0)), accuracy: 1e-15)
        let md = paired.markdown(.primary)
        let line = try XCTUnwrap(md.split(separator: "\n").first { $0.contains("@ final | impacts − dropconnect") })
        XCTAssertTrue(line.contains("+0.0000 (all 5 equal, no interval) | — |"), String(line))
        XCTAssertFalse(line.contains("equivalent"), String(line))
        XCTAssertTrue(line.hasSuffix("| — (σ_d 0) |"), String(line))
        let csv = try XCTUnwrap(paired.csv().split(separator: "\n", omittingEmptySubsequences: false)
            .first { $0.hasPrefix("primary,testAccuracy @ final,impacts,dropconnect,") })
        let f = csv.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(f.count, 21)
        XCTAssertEqual(Array(f[8...9]) + [f[11], f[12], f[17], f[19]], ["", "", "", "", "", ""], "no interval, t, p, TOST or power")
        XCTAssertEqual(f[18], "no test: every difference is +0 (σ_d = 0)")
    }

    /// The blinded seed-extension text says when σ_d = 0 makes its power calculation empty.
    func testSeedExtensionSaysWhenTheInterimDifferencesAreAllEqual() throws {
        var a = analysis
        a["extension"] = ["afterSeeds": 2, "plannedSeeds": 5, "contrast": 1, "endpoint": 2, "targetEffect": 0.02, "maxSeeds": 10]
        let compare = try config(a)
        let analysis = try XCTUnwrap(compare.analysis), rule = try XCTUnwrap(analysis.seedExtension)
        func runs(_ v: [Double]) -> [RunCurve] {
            v.enumerated().map { RunCurve(seed: UInt64($0.offset), testAccuracy: [$0.element, $0.element], testLoss: [1, 1], trainLoss: [1, 1], gap: [0, 0]) }
        }
        let ended = Set(["impacts", "dropconnect", "saliency", "baseline"].flatMap { arm in [0, 1].map { CompareBlindReport.key(arm, UInt64($0)) } })
        func text(_ impacts: [Double]) -> String {
            CompareBlindReport.extensionText(compare, analysis: analysis, rule: rule,
                                             curves: [("impacts", runs(impacts)), ("dropconnect", runs([0.5, 0.6])), ("saliency", runs([0.5, 0.6])),
                                                      ("baseline", runs([0.5, 0.6]))], ended: ended)
        }
        XCTAssertTrue(text([0.51, 0.61]).contains("σ_d = 0: every interim difference is the same"), text([0.51, 0.61]))
        XCTAssertFalse(text([0.51, 0.63]).contains("every interim difference is the same"), text([0.51, 0.63]))
    }

    /// Within a seed, the arm that solves for importance starts first; the others keep their
    /// order (saliency has 0 solver steps), and seeds stay in order.
    func testRunsStartLongestFirstWithinEachSeed() throws {
        var compare = try config(analysis)
        compare.seeds = [0, 1]
        let labels = CompareRunner(compare: compare, layout: CompareLayout(directory: URL(fileURLWithPath: "/tmp/x"))).study.jobs.map(\.label)
        XCTAssertEqual(labels, ["impacts seed 0", "dropconnect seed 0", "saliency seed 0", "baseline seed 0",
                                "impacts seed 1", "dropconnect seed 1", "saliency seed 1", "baseline seed 1"])
        // An arm with more solver passes goes before one with fewer.
        var more = compare
        more.arms[2].config.masks?.importance.steps = 50   // saliency, now with more steps than impacts (2)
        XCTAssertEqual(CompareRunner.armsLongestFirst(more).map(\.name), ["saliency", "impacts", "dropconnect", "baseline"])
    }

    func testPairingIsBySeedAndIncompleteRunsDropOut() throws {
        let compare = try config(analysis)
        func run(_ seed: UInt64, _ acc: [Double]) -> RunCurve { RunCurve(seed: seed, testAccuracy: acc, testLoss: acc, trainLoss: acc, gap: acc) }
        // impacts lacks seed 1 and stopped seed 2 after one epoch; dropconnect lists its seeds in another order.
        let t = CompareTable([("impacts", [run(0, [0.5, 0.9]), run(2, [0.5]), run(3, [0.5, 0.7])]),
                              ("dropconnect", [run(3, [0.4, 0.6]), run(1, [0.4, 0.5]), run(2, [0.4, 0.5]), run(0, [0.4, 0.6])]),
                              ("saliency", []), ("baseline", [])], target: 0.9)
        let rows = ComparePairedTable(t, analysis: try XCTUnwrap(compare.analysis), finalEpoch: 2).rows(.primary)
        XCTAssertEqual(rows[2].seeds, [0, 3], "final: only seeds where both arms reached epoch 2")
        XCTAssertEqual(rows[2].differences[0], 0.3, accuracy: 1e-12); XCTAssertEqual(rows[2].differences[1], 0.1, accuracy: 1e-12)
        XCTAssertEqual(rows[0].seeds, [0, 2, 3], "epoch 1: seed 2 counts")
        XCTAssertNil(rows[1].paired); XCTAssertEqual(rows[1].verdict(), "no test (n = 0 < 2)")
        XCTAssertEqual(rows[2].holmFamilySize, 2, "Holm over the declared contrasts; the untestable one counts with p = 1")
        XCTAssertEqual(rows[2].holmP, HolmCorrection.adjust([try XCTUnwrap(rows[2].paired).p, 1])[0])
        XCTAssertNil(rows[3].holmP)
    }

    func testThePrimaryTableComesBeforeTheExploratoryOnes() throws {
        let compare = try config(analysis)
        let t = table()
        let paired = ComparePairedTable(t, analysis: try XCTUnwrap(compare.analysis), finalEpoch: 2)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("paired-\(UUID().uuidString)")
        let text = CompareReport.reportText(compare, layout: CompareLayout(directory: dir), table: t, paired: paired, tests: "WELCH", epochs: "EPOCHS",
                                            histograms: [], incomplete: [])
        func at(_ s: String) throws -> String.Index { try XCTUnwrap(text.range(of: s), "missing \(s)").lowerBound }
        let order = try ["## Primary analysis", "impacts − dropconnect", "![primary paired differences by seed](paired.svg)", "Everything below is exploratory", "## Exploratory: paired differences", "![exploratory paired differences by seed](paired-exploratory.svg)",
                         "## Summary (exploratory)", "## Welch t-tests (two-sided, unpaired; secondary, exploratory)", "## Test accuracy per epoch (exploratory)"].map(at)
        XCTAssertEqual(order, order.sorted(), text)
        XCTAssertFalse(text[..<order[3]].contains("saliency − dropconnect"), "exploratory rows must not be in the primary table")
        XCTAssertTrue(text.contains("Holm p"), text)
    }

    /// Welch tests go against `dropconnect`/`baseline` where they exist, else against the declared
    /// reference (a DST comparison of dense/magnitude/set/rigl once got no Welch test at all and a
    /// message blaming its 4 seeds), else against the first arm.
    func testWelchReferencesFallBackToTheDeclaredReference() throws {
        XCTAssertEqual(CompareReport.welchReferences(try config(analysis)), ["dropconnect", "baseline"])
        let dst: [[String: Any]] = ["dense", "magnitude", "set"].map { ["name": $0, "masks": $0 == "dense" ? NSNull() : ["name": "dropconnect"]] }
        func parse(_ extra: [String: Any]) throws -> CompareConfig {
            try CompareConfig.parse(["name": "d", "seeds": [0, 1], "base": base(), "arms": dst].merging(extra) { $1 }, path: "d.json")
        }
        let declared = try parse(["analysis": ["endpoints": [["metric": "testAccuracy", "epoch": "final"]],
                                               "contrasts": [["set", "magnitude"]], "reference": "magnitude", "margin": 0.01]])
        XCTAssertEqual(CompareReport.welchReferences(declared), ["magnitude"])
        XCTAssertEqual(CompareReport.welchReferences(try parse([:])), ["dense"])
        func runs(_ v: [Double]) -> [RunCurve] {
            v.enumerated().map { RunCurve(seed: UInt64($0.offset), testAccuracy: [$0.element], testLoss: [1], trainLoss: [1], gap: [0]) }
        }
        let t = CompareTable([("dense", runs([0.73, 0.74, 0.72])), ("magnitude", runs([0.66, 0.67, 0.665])), ("set", runs([0.67, 0.672, 0.66]))], target: 0.5)
        let welch = t.welchTables(references: CompareReport.welchReferences(declared), metrics: [.finalTestAccuracy])
        XCTAssertEqual(welch.csv.split(separator: "\n").count, 1 + 2, welch.markdown)
        XCTAssertFalse(welch.markdown.contains("No test"), welch.markdown)
        // A reference arm without runs is named as the reason, not the seed count.
        let noReference = CompareTable([("dense", runs([0.73, 0.74])), ("magnitude", []), ("set", runs([0.67, 0.672]))], target: 0.5)
            .welchTables(references: ["magnitude"], metrics: [.finalTestAccuracy])
        XCTAssertTrue(noReference.markdown.contains("No test: the reference arm (magnitude) has no finished run yet."), noReference.markdown)
    }

    func testRefusalsAtLoad() {
        func refuse(_ edit: (inout [String: Any]) -> Void, epochs: Int = 2, _ expected: String, line: UInt = #line) {
            var a = analysis
            edit(&a)
            XCTAssertThrowsError(try config(a, epochs: epochs), line: line) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error)", line: line)
            }
        }
        refuse({ $0["contrasts"] = [["impacts", "dropconect"]] }, "unknown arm dropconect; arms of this comparison: impacts, dropconnect, saliency, baseline")
        refuse({ $0["contrasts"] = [["impacts", "impacts"]] }, "compares an arm with itself")
        refuse({ $0["contrasts"] = [["impacts", "saliency"], ["saliency", "impacts"]] }, "declared twice")
        refuse({ $0["endpoints"] = [["metric": "testAccuracy", "epoch": 3]] }, "epoch 3 is beyond the budget of 2 epochs")
        refuse({ $0["endpoints"] = [["metric": "testAccuracy", "epoch": 0]] }, "epoch must be an integer ≥ 1")
        refuse({ $0["endpoints"] = [["metric": "accuracy", "epoch": 1]] }, "unknown metric accuracy; valid metrics: testAccuracy, testLoss, trainLoss, gap")
        refuse({ $0["margin"] = 0 }, "\"margin\" must be a number > 0")
        refuse({ $0["margin"] = -0.01 }, "\"margin\" must be a number > 0")
        refuse({ $0["reference"] = "dropconect" }, "unknown reference arm dropconect")
        refuse({ $0["alpha"] = 0.05 }, "unknown key alpha")
        refuse({ $0["contrasts"] = [] }, "\"contrasts\" must be a non-empty array")
        // Units: accuracy is a fraction, and one margin cannot serve accuracy and loss at once.
        refuse({ $0["margin"] = 5 }, "\"margin\" 5 applies to testAccuracy @ epoch 1, testAccuracy @ final, but accuracy is a fraction")
        refuse({ $0["endpoints"] = [["metric": "testAccuracy", "epoch": 1, "margin": 1]] }, "endpoint testAccuracy: \"margin\" 1 is ≥ 1")
        refuse({ $0["endpoints"] = [["metric": "testAccuracy", "epoch": 1, "margin": 0]] }, "endpoint testAccuracy: \"margin\" must be a number > 0")
        refuse({ $0["endpoints"] = [["metric": "testLoss", "epoch": "final"], ["metric": "testAccuracy", "epoch": "final"]] },
               "endpoints testAccuracy @ final and testLoss @ final are in different units (accuracy, loss) but share \"margin\" 0.01")
        refuse({ $0["endpoints"] = [["metric": "testLoss", "epoch": "final"], ["metric": "testLoss", "epoch": "final", "margin": 0.1]] },
               "endpoint testLoss @ final is declared twice")
    }

    /// An endpoint's own margin is its TOST δ, in the table, the CSV and the declaration; the
    /// other endpoints keep the shared one, and a loss margin ≥ 1 is allowed.
    func testAnEndpointsOwnMarginIsItsTOSTMargin() throws {
        var a = analysis
        a["endpoints"] = [["metric": "testAccuracy", "epoch": "final"], ["metric": "testLoss", "epoch": "final", "margin": 1.5]]
        let analysis = try XCTUnwrap(try config(a).analysis)
        XCTAssertEqual(analysis.endpoints.map(\.margin), [nil, 1.5])
        XCTAssertEqual(analysis.margin(for: analysis.endpoints[0]), 0.01)
        XCTAssertEqual(analysis.margin(for: analysis.endpoints[1]), 1.5)
        let paired = ComparePairedTable(table(), analysis: analysis, finalEpoch: 2)
        XCTAssertEqual(paired.rows(.primary).map(\.margin), [0.01, 0.01, 1.5, 1.5])
        XCTAssertEqual(paired.rows(.primary).map { $0.equivalence?.margin }, [0.01, 0.01, 1.5, 1.5])
        let md = paired.markdown(.primary)
        XCTAssertTrue(md.contains("TOST p (±δ of the endpoint)"), md)
        XCTAssertTrue(md.contains(" (±0.01) |"), md)
        XCTAssertTrue(md.contains("| testLoss @ final | impacts − dropconnect | 5 | +0.0000 (all 5 equal, no interval) |"), "constant losses: no test\n" + md)
        let csv = paired.csv().split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        XCTAssertEqual(csv[1][16], "0.01"); XCTAssertEqual(csv[3][16], "1.5")
        XCTAssertEqual(CompareReport.marginText(analysis), "±0.01 (testLoss @ final ±1.5)")
        // The declaration records it and reads back the same; without own margins it is unchanged.
        let reparsed = try CompareAnalysis.parse(analysis.configValue, arms: ["impacts", "dropconnect", "saliency", "baseline"], epochs: 2, path: "x")
        XCTAssertEqual(reparsed, analysis)
        guard case let .object(o) = try XCTUnwrap(try config(self.analysis).analysis).configValue, case let .array(e)? = o["endpoints"] else {
            return XCTFail("configValue is an object with endpoints")
        }
        XCTAssertEqual(e.map { $0.object?.keys.sorted() ?? [] }, [["epoch", "metric"], ["epoch", "metric"]], "no margin key unless declared")
    }

    func testSmokeKeepsTwoSeedsAndMovesEpochEndpointsIntoItsBudget() throws {
        let smoke = try config(analysis).smoke()
        XCTAssertEqual(smoke.seeds, [0, 1], "two seeds so the paired table has n = 2")
        XCTAssertEqual(smoke.analysis?.endpoints, [PairedEndpoint(.testAccuracy, epoch: 1), PairedEndpoint(.testAccuracy, epoch: nil)])
        XCTAssertTrue(smoke.shrunk?.contains("analysis endpoints at epoch 1") ?? false)
        // Endpoints with margins of their own that fall on epoch 1 become one, keeping the first's margin.
        var withMargins = analysis
        withMargins["endpoints"] = [["metric": "testAccuracy", "epoch": 1, "margin": 0.01], ["metric": "testAccuracy", "epoch": 2, "margin": 0.02],
                                    ["metric": "testLoss", "epoch": "final", "margin": 0.5]]
        withMargins["extension"] = ["afterSeeds": 4, "plannedSeeds": 5, "contrast": 1, "endpoint": 3, "targetEffect": 0.02, "maxSeeds": 10]
        let shrunk = try config(withMargins).smoke()
        XCTAssertEqual(shrunk.analysis?.endpoints, [PairedEndpoint(.testAccuracy, epoch: 1, margin: 0.01), PairedEndpoint(.testLoss, epoch: nil, margin: 0.5)])
        XCTAssertEqual(shrunk.analysis?.seedExtension?.endpoint, 1, "the rule's endpoint (testLoss @ final) follows it to index 1")
        let plain = try CompareConfig.parse(["name": "t", "seeds": [0, 1, 2], "base": base()], path: "c.json")
        XCTAssertNil(plain.analysis)
        XCTAssertEqual(plain.smoke().seeds, [0], "without an analysis the smoke run keeps one seed")
    }

    /// The committed study configs load, declare the protocol's contrasts and margin, and their
    /// arms differ as PROTOCOL.md says.
    func testStudyConfigsLoad() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = root.appendingPathComponent("experiments/regularisation-study")
        let expected: [(file: String, seeds: Int, epochs: Int, endpoints: [Int?], arms: Int)] = [
            ("mnist.json", 10, 5, [1, nil], 6), ("mnist-lambda.json", 5, 5, [1, nil], 8),
            ("cifar-early.json", 8, 6, [2], 6), ("cifar-final.json", 6, 25, [nil], 6),
        ]
        for e in expected {
            let c = try CompareConfig.load(from: dir.appendingPathComponent(e.file))
            let a = try XCTUnwrap(c.analysis, e.file)
            XCTAssertEqual(c.seeds.count, e.seeds, e.file)
            XCTAssertEqual(c.arms.count, e.arms, e.file)
            XCTAssertEqual(a.endpoints.map(\.epoch), e.endpoints, e.file)
            XCTAssertEqual(a.margin, 0.01, e.file)
            XCTAssertEqual(a.contrasts.count, 3, e.file)
            for arm in c.arms { XCTAssertEqual(arm.config.training.budget, .epochs(e.epochs), e.file) }
            let saliency = try XCTUnwrap(c.arm("saliency")?.config.masks, e.file)
            XCTAssertEqual(saliency.importance.steps, 0, "\(e.file): the saliency control has no mirror-descent step")
            XCTAssertEqual(saliency.keep, 0.2)
            if let drop = c.arm("drop-important")?.config.masks { XCTAssertEqual(drop.importance.use, .drop) }
            XCTAssertEqual(a.seedExtension, e.file == "cifar-final.json"
                           ? SeedExtensionRule(afterSeeds: 4, plannedSeeds: 6, contrast: 0, endpoint: 0, targetEffect: 0.02, maxSeeds: 10) : nil,
                           "\(e.file): PROTOCOL.md's extension rule for study F")
        }
    }
}
