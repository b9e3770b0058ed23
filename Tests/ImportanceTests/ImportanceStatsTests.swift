import XCTest
import Foundation
@testable import Importance

final class ImportanceStatsTests: XCTestCase {
    func testUniformAndDegenerateImportance() {
        let n = 1000
        let uniform = [Float](repeating: 0, count: n)
        let u = uniform.withUnsafeBufferPointer { ImportanceStats(logW: $0) }
        XCTAssertEqual(u.kl, 0, accuracy: 1e-9)
        XCTAssertEqual(u.entropy, log(Double(n)), accuracy: 1e-9)
        XCTAssertEqual(u.top1, 0.01, accuracy: 1e-9)
        XCTAssertEqual(u.top10, 0.1, accuracy: 1e-9)
        let zeroBin = ImportanceStats.histogramEdges.firstIndex(of: 0)!
        XCTAssertEqual(u.histogram[zeroBin], n, "w = 1 falls in the bin [0, 0.25) of log10 w")

        var one = [Float](repeating: -100, count: n)
        one[17] = Float(log(Double(n)))
        let d = one.withUnsafeBufferPointer { ImportanceStats(logW: $0) }
        XCTAssertEqual(d.kl, log(Double(n)), accuracy: 1e-4, "one weight holds everything")
        XCTAssertEqual(d.top1, 1, accuracy: 1e-9)
        XCTAssertEqual(d.underflow, n - 1)
        XCTAssertEqual(d.overflow, 1, "w = n = 10³ sits on the upper edge, which is exclusive")
        XCTAssertEqual(d.histogram.reduce(0, +) + d.underflow + d.overflow, n)
    }
}
