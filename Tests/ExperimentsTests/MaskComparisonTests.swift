import XCTest
import Foundation
import Masks
@testable import Experiments

/// The parts of `masklab masks compare` that need no files: source names, the Jaccard matrix,
/// the CSVs, and the heat map's colours and labels.
final class MaskComparisonTests: XCTestCase {
    private func source(_ path: String, _ kept: [Bool]) -> MaskSource {
        MaskSource(path: path, file: URL(fileURLWithPath: path), masks: [BinaryMask(name: "w", shape: [kept.count], kept: kept)], topology: nil, model: nil)
    }

    func testLabelsDropTheSharedFoldersAndTheMaskFileNames() {
        XCTAssertEqual(MaskComparison.labels(for: ["runs/s1/level_02", "runs/s2/level_02/"]), ["s1/level_02", "s2/level_02"])
        XCTAssertEqual(MaskComparison.labels(for: ["r/a/mask.safetensors", "r/b/last.safetensors", "r/c.safetensors"]), ["a", "b", "c"])
        XCTAssertEqual(MaskComparison.labels(for: ["x/level_01", "x/level_01"]), ["level_01 #1", "level_01 #2"])
        XCTAssertEqual(MaskComparison.labels(for: ["/t/lottery/level_01", "/t/magnitude"]), ["lottery/level_01", "magnitude"])
        // Different trees: the shortest distinct tails instead of whole paths.
        XCTAssertEqual(MaskComparison.labels(for: ["results/lottery-conv2-cifar10/runs/seed-1/level_02", "/tmp/other-tree/seed-1/level_03"]),
                       ["level_02", "level_03"])
        XCTAssertEqual(MaskComparison.labels(for: ["results/lottery-conv2-cifar10/runs/seed-1/level_02", "/tmp/other-tree/seed-2/level_02"]),
                       ["seed-1/level_02", "seed-2/level_02"])
        XCTAssertEqual(MaskComparison.labels(for: ["results/lottery-conv2-cifar10/runs/seed-1/level_02", "/tmp/x/level_02"]),
                       ["seed-1/level_02", "x/level_02"])
    }

    func testMatrixCSVsAndPlotsNameEverySource() throws {
        let c = try MaskComparison([source("a", [true, true, false, false]), source("b", [false, true, true, false]), source("c", [false, false, false, true])])
        XCTAssertEqual(c.jaccardMatrix(), [[1, 1.0 / 3, 0], [1.0 / 3, 1, 0], [0, 0, 1]])
        XCTAssertEqual(c.jaccardCSV(), "first,second,tensor,intersection,union,jaccard\n"
                       + "a,b,w,1,3,0.333333\na,b,all,1,3,0.333333\na,c,w,0,3,0.000000\na,c,all,0,3,0.000000\nb,c,w,0,3,0.000000\nb,c,all,0,3,0.000000\n")
        XCTAssertTrue(c.densityCSV().hasPrefix("source,tensor,entries,kept,density,effective_kept,effective_density\na,w,4,2,0.500000,,\n"), c.densityCSV())
        let svg = c.overlapPlot().svg()
        for label in [">a<", ">b<", ">c<", ">0.33<"] { XCTAssertTrue(svg.contains(label), "overlap.svg lacks \(label)") }
        XCTAssertEqual(HeatMapPlot.colour(0), "#ffffff")
        XCTAssertEqual(HeatMapPlot.colour(1), "#08306b")
        XCTAssertEqual(HeatMapPlot.colour(7), "#08306b", "clamped")
        XCTAssertThrowsError(try MaskComparison([source("a", [true])])) { XCTAssertEqual("\($0)", "masks compare needs at least two masks, got 1") }
        XCTAssertThrowsError(try MaskComparison([source("a", [true]), source("b", [true])], labels: ["x"])) {
            XCTAssertEqual("\($0)", "--labels names 1 mask, but 2 were given")
        }
        XCTAssertThrowsError(try MaskComparison([source("a", [true]), source("b", [true])], labels: ["x", "x"])) {
            XCTAssertEqual("\($0)", "--labels names x twice; the tables and plots need a distinct name per mask")
        }
        XCTAssertThrowsError(try MaskComparison([source("a", [true]), source("b", [true])], labels: ["x", ""])) {
            XCTAssertEqual("\($0)", "--labels: label 2 is empty")
        }
    }
}
