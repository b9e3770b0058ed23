import XCTest
import Foundation
@testable import Experiments

/// What the logger writes without TensorBoard to read it: the importance histogram in
/// `importance_histograms.csv`'s bins, and the config as flat hyper-parameters.
final class TensorBoardLoggerTests: XCTestCase {
    func testImportanceHistogramUsesTheCSVBinsWithOpenOuterBuckets() {
        // log10 w = -7 (underflow), 0, 0 (bin [0, 0.25)), 1 (bin [1, 1.25)), log10(2000) ≈ 3.3 (overflow).
        let logW: [Float] = [1e-7, 1, 1, 10, 2000].map { Float(Foundation.log(Double($0))) }
        let h = logW.withUnsafeBufferPointer { TensorBoardLogger.histogram(logW: $0) }
        XCTAssertEqual(h.limits.count, 38, "36 bins, underflow and overflow")
        XCTAssertEqual(h.limits.first, -6)
        XCTAssertEqual(h.limits[36], 3)
        XCTAssertEqual(h.limits.last, .greatestFiniteMagnitude)
        var expected = [Double](repeating: 0, count: 38)
        expected[0] = 1       // below -6
        expected[1 + 24] = 2  // [0, 0.25) is bin 24
        expected[1 + 28] = 1  // [1, 1.25) is bin 28
        expected[37] = 1      // from 3 up
        XCTAssertEqual(h.counts, expected)
        XCTAssertEqual(h.count, 5)
        XCTAssertEqual(h.min, -7, accuracy: 1e-5)
        XCTAssertEqual(h.max, Foundation.log10(2000), accuracy: 1e-5)
        XCTAssertEqual(h.sum, -7 + 0 + 0 + 1 + Foundation.log10(2000), accuracy: 1e-4)
    }

    /// 30 equal buckets over [min, max], each [edgeᵢ, edgeᵢ₊₁) with the upper edge as its limit,
    /// max in the last; all-equal values make one bucket.
    func testParameterHistogramBucketsSpanMinToMax() {
        let values: [Float] = [-1, -1, 0, 0.5, 2]   // width 0.1: -1 → 0, 0 → 10, 0.5 → 15, 2 → 29 (max)
        let h = values.withUnsafeBufferPointer { TensorBoardLogger.parameterHistogram($0) }
        XCTAssertEqual(h.limits.count, 30)
        XCTAssertEqual(h.limits.first!, -0.9, accuracy: 1e-12)
        XCTAssertEqual(h.limits.last, 2)
        var expected = [Double](repeating: 0, count: 30)
        expected[0] = 2
        expected[10] = 1
        expected[15] = 1
        expected[29] = 1
        XCTAssertEqual(h.counts, expected)
        XCTAssertEqual([h.min, h.max, h.count, h.sum, h.sumOfSquares], [-1, 2, 5, 0.5, 6.25])
        let flat: [Float] = [0.25, 0.25, 0.25]
        let one = flat.withUnsafeBufferPointer { TensorBoardLogger.parameterHistogram($0) }
        XCTAssertEqual(one.limits, [0.25])
        XCTAssertEqual(one.counts, [3])
    }

    func testConfigFlattensToDottedHParams() {
        var config = RunConfig()
        config.training.seed = 7
        let h = Dictionary(uniqueKeysWithValues: config.hparams.map { ($0.name, $0.value) })
        XCTAssertEqual(h["seed"], .number(7))
        XCTAssertEqual(h["dataset"], .string("mnist"))
        XCTAssertEqual(h["optimizer.nesterov"], .bool(true))
        XCTAssertEqual(h["budget.epochs"], .number(Double(config.training.budget.epochs(iterationsPerEpoch: 1))))
        XCTAssertEqual(h["schedule.milestones"], .string(""), "lists as comma-joined text")
        XCTAssertNil(h["augment"], "nulls are left out")
        XCTAssertEqual(config.hparams.map(\.name), config.hparams.map(\.name).sorted())
    }
}
