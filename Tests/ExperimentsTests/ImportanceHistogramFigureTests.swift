import XCTest
import Foundation
@testable import Experiments
import TestSupport

/// Reading `importance_histograms.csv` never crashes the report: duplicate refresh rows (a log
/// written twice, issue 12: SIGILL at HistogramPlot.swift:104) keep the last value per tensor,
/// refresh and bin; malformed rows are skipped; a refresh with missing bins is left out.
final class ImportanceHistogramFigureTests: XCTestCase {
    static let header = "iteration,epoch,refresh,tensor,log10w_low,log10w_high,count"

    /// One refresh of one tensor: underflow, bins over [-2, -1, 0, 1], overflow.
    static func rows(iteration: Int, epoch: Int = 1, refresh: Int, tensor: String, counts: [Int]) -> [String] {
        let p = "\(iteration),\(epoch),\(refresh),\(tensor)"
        return ["\(p),-inf,-2.0,\(counts[0])", "\(p),-2.0,-1.0,\(counts[1])", "\(p),-1.0,0.0,\(counts[2])",
                "\(p),0.0,1.0,\(counts[3])", "\(p),1.0,inf,\(counts[4])"]
    }

    func figure(_ lines: [String]) throws -> HistogramPlot? {
        let dir = TemporaryDirectory("masklab-hist")
        let url = dir.file("importance_histograms.csv")
        try ([Self.header] + lines).joined(separator: "\n").appending("\n").write(to: url, atomically: true, encoding: .utf8)
        return ImportanceHistogramFigure.read(url, title: "t")
    }

    func testDuplicateAndMalformedRowsDoNotCrashAndKeepTheLastValue() throws {
        let clean = Self.rows(iteration: 0, refresh: 0, tensor: "fc1.weight", counts: [1, 2, 3, 4, 5])
            + Self.rows(iteration: 4, refresh: 1, tensor: "fc1.weight", counts: [0, 1, 10, 3, 1])
        let reference = try XCTUnwrap(try figure(clean))
        XCTAssertEqual(reference.edges, [-2, -1, 0, 1])
        XCTAssertEqual(reference.panels[0].series.map(\.counts), [[2, 3, 4], [1, 10, 3]])

        // Two writers appended refresh 1 twice (the second copy wins), plus junk lines.
        let damaged = clean + Self.rows(iteration: 4, refresh: 1, tensor: "fc1.weight", counts: [0, 2, 9, 3, 1])
            + ["garbage", "4,0,1,fc1.weight,0.0,1.0", "4,0,1,fc1.weight,abc,1.0,7", "4,0,1,fc1.weight,1.0,0.0,7", ""]
        let plot = try XCTUnwrap(try figure(damaged))
        XCTAssertEqual(plot.edges, [-2, -1, 0, 1])
        XCTAssertEqual(plot.panels[0].series.map(\.counts), [[2, 3, 4], [2, 9, 3]])
        XCTAssertEqual(plot.panels[0].series.map(\.underflow), [1, 0])
        XCTAssertTrue(plot.svg().hasSuffix("</svg>\n"))
    }

    /// Epochs count from 1 as in metrics.csv; a file of an older MaskLab (first row in epoch 0)
    /// is read in the same convention.
    func testLegendEpochsCountFromOneInNewAndOldFiles() throws {
        let new = Self.rows(iteration: 0, epoch: 1, refresh: 0, tensor: "w", counts: [1, 2, 3, 4, 5])
            + Self.rows(iteration: 8, epoch: 2, refresh: 1, tensor: "w", counts: [1, 2, 3, 4, 5])
        let old = Self.rows(iteration: 0, epoch: 0, refresh: 0, tensor: "w", counts: [1, 2, 3, 4, 5])
            + Self.rows(iteration: 8, epoch: 1, refresh: 1, tensor: "w", counts: [1, 2, 3, 4, 5])
        for lines in [new, old] {
            let plot = try XCTUnwrap(try figure(lines))
            XCTAssertEqual(plot.panels[0].series.map(\.label), ["refresh 0 (epoch 1)", "refresh 1 (epoch 2)"])
        }
    }

    func testARefreshWithMissingBinsIsLeftOut() throws {
        let rows = Self.rows(iteration: 0, refresh: 0, tensor: "w", counts: [1, 2, 3, 4, 5])
            + Array(Self.rows(iteration: 4, refresh: 1, tensor: "w", counts: [1, 1, 1, 1, 1]).prefix(2))   // killed mid-write
        let plot = try XCTUnwrap(try figure(rows))
        XCTAssertEqual(plot.panels[0].series.count, 1)
        XCTAssertNil(try figure(["junk", "1,2,3"]), "no histogram at all")
    }

    func testAPlotWithMoreCountsThanBinsDrawsWithoutCrashing() {
        let plot = HistogramPlot(title: "t", xLabel: "x", edges: [0, 1, 2],
                                 panels: [.init(title: "p", series: [.init(label: "s", counts: [1, 2, 3, 4, 5])])])
        XCTAssertTrue(plot.svg().contains("<path"))
    }
}
