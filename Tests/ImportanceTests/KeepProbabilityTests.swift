import XCTest
import Foundation
import Stats
@testable import Importance

/// p = clip(c·w, p_min, 1) with mean exactly q.
final class KeepProbabilityTests: XCTestCase {
    func testMeanKeepProbabilityEqualsQ() {
        let rng = RandomStream(seed: 4)
        for (trial, (n, spread, q, pMin)) in [(1000, 1.0, 0.2, 0.01), (4096, 4.0, 0.5, 0.05), (333, 8.0, 0.9, 0.0), (50, 0.1, 0.3, 0.3)].enumerated() {
            var l = (0..<n).map { _ in Float(rng.gaussian(sigma: spread)) }
            l.withUnsafeMutableBufferPointer { MirrorDescentSimplex.normalise(logW: $0) }
            var p = [Float](repeating: 0, count: n)
            _ = l.withUnsafeBufferPointer { lb in p.withUnsafeMutableBufferPointer { KeepProbabilities.solve(logW: lb, keepRate: q, minimum: pMin, into: $0) } }
            let mean = p.reduce(0.0) { $0 + Double($1) } / Double(n)
            XCTAssertEqual(mean, q, accuracy: 1e-6, "trial \(trial): mean keep probability")
            XCTAssertTrue(p.allSatisfy { Double($0) >= pMin - 1e-7 && $0 <= 1 }, "trial \(trial): p outside [p_min, 1]")
            let reference = KeepProbabilitiesReference.solve(l.map { exp(Double($0)) }, keepRate: q, minimum: pMin)
            let worst = zip(reference, p).map { abs($0 - Double($1)) }.max()!
            XCTAssertLessThan(worst, 1e-5, "trial \(trial): kernel vs reference")
        }
    }

    func testUniformImportanceGivesQEverywhere() {
        let l = [Float](repeating: 0, count: 10)
        var p = [Float](repeating: 0, count: 10)
        _ = l.withUnsafeBufferPointer { lb in p.withUnsafeMutableBufferPointer { KeepProbabilities.solve(logW: lb, keepRate: 0.2, minimum: 0.01, into: $0) } }
        for x in p { XCTAssertEqual(x, 0.2, accuracy: 1e-7) }
    }
}
