import XCTest
import TensorCore
import Stats
import Importance

/// `PhiKernels` (the shifted weights and ∇φ around the solver's forward/backward pass) against
/// their plain twins in `PhiKernelsReference`: bit-identical for every thread count, since each
/// element is computed by the same expression whichever chunk holds it.
final class PhiKernelsTests: XCTestCase {
    func testShiftAndPhiGradientMatchTheReference() {
        let n = 10_007   // not a multiple of any chunk size
        let stream = RandomStream(seed: 42)
        func values(_ scale: Float) -> [Float] { (0..<n).map { _ in Float(stream.uniform() * 2 - 1) * scale } }
        let x = values(1), logW = values(3), g = values(0.1), shiftedGradient = values(0.1)
        let gamma: Float = 0.05
        let wantShift = PhiKernelsReference.shift(x: x, logW: logW, gradient: g, gamma: gamma)
        let wantPhi = PhiKernelsReference.phiGradient(gradient: g, shiftedGradient: shiftedGradient, gamma: gamma)
        for threads in [1, 2, 3] {
            Parallel.setThreads(threads)
            var shifted = [Float](repeating: .nan, count: n), d = [Float](repeating: .nan, count: n)
            PhiKernels.shift(x: x, logW: logW, gradient: g, gamma: gamma, into: &shifted, count: n)
            PhiKernels.phiGradient(gradient: g, shiftedGradient: shiftedGradient, gamma: gamma, into: &d, count: n)
            XCTAssertEqual(shifted, wantShift, "shift, \(threads) threads")
            XCTAssertEqual(d, wantPhi, "∇φ, \(threads) threads")
        }
        Parallel.setThreads(1)
    }
}
