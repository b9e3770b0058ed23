import XCTest
import Foundation
import Stats
import TestSupport
@testable import Importance

/// The mirror-descent kernel against its linear-space twin, and the properties BRIEF §2 states.
final class MirrorDescentTests: XCTestCase {
    private func randomVector(_ n: Int, seed: UInt64, scale: Double = 1) -> [Double] {
        let rng = RandomStream(seed: seed)
        return (0..<n).map { _ in rng.gaussian() * scale }
    }

    /// Runs one kernel step on w (linear space in, linear space out).
    private func kernelStep(_ w: [Double], _ d: [Double], eta: Double, lambda: Double) -> [Double] {
        var l = w.map { Float(log($0)) }
        let df = d.map(Float.init)
        l.withUnsafeMutableBufferPointer { lb in
            df.withUnsafeBufferPointer { db in
                MirrorDescentSimplex.step(logW: lb, gradient: db, gradientScale: 1, eta: eta, lambda: lambda)
            }
        }
        return l.map { exp(Double($0)) }
    }

    func testStepMatchesReferenceAndStaysOnTheScaledSimplex() {
        let n = 257
        var w = [Double](repeating: 1, count: n)
        for s in 0..<50 {
            let d = randomVector(n, seed: UInt64(s))
            let expected = MirrorDescentReference.step(w, gradient: d, eta: 0.3, lambda: 0.1)
            let actual = kernelStep(w, d, eta: 0.3, lambda: 0.1)
            let worst = zip(expected, actual).map { abs($0 - $1) / $0 }.max()!
            XCTAssertLessThan(worst, 2e-5, "step \(s): relative difference to the reference")
            XCTAssertEqual(actual.reduce(0, +), Double(n), accuracy: 1e-3 * Double(n) * 1e-3, "Σw must stay n")
            XCTAssertTrue(actual.allSatisfy { $0 >= 0 && $0.isFinite })
            w = expected
        }
    }

    func testLargeLambdaGivesUniform() {
        let n = 100
        var w = (0..<n).map { _ in 1.0 }
        w[3] = 50; w[7] = 0.01
        let total = w.reduce(0, +)
        w = w.map { $0 * Double(n) / total }
        for s in 0..<5 { w = kernelStep(w, randomVector(n, seed: UInt64(100 + s)), eta: 1, lambda: 1e7) }
        XCTAssertLessThan(w.map { abs($0 - 1) }.max()!, 1e-4, "λ → ∞ must give the uniform importance")
    }

    /// φ(w) = Σ c_i w_i + (ε/2) Σ w_i² with c_j + ε·n < c_i for i ≠ j: the minimum over nΔ is the
    /// vertex n·e_j, and unregularised mirror descent converges to it.
    func testZeroLambdaConvergesToTheVertexOfASeparableQuadratic() {
        let n = 8, eps = 0.01, j = 5
        var c = (0..<n).map { 1.0 + 0.1 * Double($0) }
        c[j] = 0.2   // c_j + ε n = 0.28 < 1
        var w = [Double](repeating: 1, count: n)
        for _ in 0..<2000 {
            let d = (0..<n).map { c[$0] + eps * w[$0] }
            w = kernelStep(w, d, eta: 0.5, lambda: 0)
        }
        XCTAssertEqual(w[j], Double(n), accuracy: 1e-3, "w must collapse onto the vertex n·e_\(j): \(w)")
    }

    /// One step equals the minimiser of ⟨d, u⟩ + (1/η)KL(u‖w) + λKL(u‖1) over nΔ, found here by
    /// gradient descent on u = n·softmax(z) in Double.
    func testStepIsTheMinimiserOfItsProximalProblem() {
        let n = 6, eta = 0.7, lambda = 0.4
        var w = randomVector(n, seed: 9).map { exp($0) }
        let total = w.reduce(0, +)
        w = w.map { $0 * Double(n) / total }
        let d = randomVector(n, seed: 10)
        var z = [Double](repeating: 0, count: n)
        func u(_ z: [Double]) -> [Double] {
            let m = z.max()!
            let e = z.map { exp($0 - m) }
            let s = e.reduce(0, +)
            return e.map { Double(n) * $0 / s }
        }
        for _ in 0..<20_000 {
            let uu = u(z)
            let dF = (0..<n).map { d[$0] + (log(uu[$0] / w[$0]) + 1) / eta + lambda * (log(uu[$0]) + 1) }
            let mean = (0..<n).reduce(0.0) { $0 + uu[$1] * dF[$1] } / Double(n)
            for k in 0..<n { z[k] -= 0.05 * uu[k] * (dF[k] - mean) }
        }
        let minimiser = u(z)
        let step = MirrorDescentReference.step(w, gradient: d, eta: eta, lambda: lambda)
        let kernel = kernelStep(w, d, eta: eta, lambda: lambda)
        for i in 0..<n {
            XCTAssertEqual(step[i], minimiser[i], accuracy: 1e-7, "reference step vs numerical minimiser, entry \(i)")
            XCTAssertEqual(kernel[i], minimiser[i], accuracy: 1e-5 * minimiser[i] + 1e-6, "kernel vs numerical minimiser, entry \(i)")
        }
        let f = MirrorDescentReference.proximalObjective(minimiser, w: w, gradient: d, eta: eta, lambda: lambda)
        let fStep = MirrorDescentReference.proximalObjective(step, w: w, gradient: d, eta: eta, lambda: lambda)
        XCTAssertLessThanOrEqual(fStep, f + 1e-12, "the closed-form step must be at least as good as the numerical minimiser")
    }

    func testInitialisationAndNormalisationScales() {
        let g: [Float] = [0, 1, -2, 3]
        var l = [Float](repeating: 0, count: 4)
        l.withUnsafeMutableBufferPointer { lb in g.withUnsafeBufferPointer { MirrorDescentSimplex.initialise(logW: lb, gradient: $0, .gradientSquared) } }
        let w = l.map { exp(Double($0)) }
        XCTAssertEqual(w.reduce(0, +), 4, accuracy: 1e-5)
        XCTAssertEqual(w[3] / w[1], 9, accuracy: 1e-4, "g² start")
        XCTAssertLessThan(w[0], 1e-20, "a zero gradient starts (almost) at zero")
        g.withUnsafeBufferPointer { gb in
            XCTAssertEqual(MirrorDescentSimplex.scale(of: gb, .rms), Float((14.0 / 4).squareRoot()), accuracy: 1e-6)
            XCTAssertEqual(MirrorDescentSimplex.scale(of: gb, .maxAbs), 3)
            XCTAssertEqual(MirrorDescentSimplex.scale(of: gb, .none), 1)
        }
    }
}
