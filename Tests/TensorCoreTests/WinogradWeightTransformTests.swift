import XCTest
@testable import TensorCore
import Stats

/// `Winograd.transformWeights` (F(2×2, 3×3), eight filters per `SIMD8` block) against the
/// scalar formulas it replaced, bit for bit, and against `G g Gᵀ` in double precision.
final class WinogradWeightTransformTests: XCTestCase {
    override func setUp() { Parallel.setThreads(2) }

    /// The transform one filter at a time, as before session 27: `t = G g`, then `U = t Gᵀ`,
    /// `½(a + b + d)` and `½(a − b + d)` evaluated left to right.
    private func scalar(_ w: [Float], filters oc: Int) -> [Float] {
        var u = [Float](repeating: .nan, count: 16 * oc)
        for f in 0..<oc {
            let g = Array(w[(9 * f)..<(9 * f + 9)])
            var t = [Float](repeating: 0, count: 12)
            for j in 0..<3 {
                let g0 = g[j], g1 = g[3 + j], g2 = g[6 + j]
                t[j] = g0; t[3 + j] = 0.5 * (g0 + g1 + g2); t[6 + j] = 0.5 * (g0 - g1 + g2); t[9 + j] = g2
            }
            for i in 0..<4 {
                let a = t[3 * i], b = t[3 * i + 1], d = t[3 * i + 2]
                u[(4 * i) * oc + f] = a
                u[(4 * i + 1) * oc + f] = 0.5 * (a + b + d)
                u[(4 * i + 2) * oc + f] = 0.5 * (a - b + d)
                u[(4 * i + 3) * oc + f] = d
            }
        }
        return u
    }

    func testBlocksGiveTheScalarBitsAndGgGt() {
        let gm: [[Double]] = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]
        // Whole blocks, a partial last block, fewer filters than a block, and enough to split over threads.
        for oc in [1, 5, 8, 13, 16 * 16, 64 * 64 + 3] {
            let r = RandomStream(seed: UInt64(oc))
            let w = (0..<(9 * oc)).map { _ in r.uniform(-2, 2) }
            var u = [Float](repeating: .nan, count: 16 * oc)
            w.withUnsafeBufferPointer { wb in u.withUnsafeMutableBufferPointer { ub in
                Winograd.transformWeights(wb.baseAddress!, filters: oc, into: ub.baseAddress!)
            } }
            XCTAssertEqual(u.map(\.bitPattern), scalar(w, filters: oc).map(\.bitPattern), "\(oc) filters")
            for f in Swift.stride(from: 0, to: oc, by: max(1, oc / 7)) {
                for i in 0..<4 { for j in 0..<4 {
                    var sum = 0.0
                    for a in 0..<3 { for b in 0..<3 { sum += gm[i][a] * Double(w[9 * f + 3 * a + b]) * gm[j][b] } }
                    XCTAssertEqual(Double(u[(4 * i + j) * oc + f]), sum, accuracy: 1e-5, "filter \(f) of \(oc), ξ = \(4 * i + j)")
                } }
            }
        }
    }
}
