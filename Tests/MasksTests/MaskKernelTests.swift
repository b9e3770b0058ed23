import XCTest
import Stats
import TestSupport
@testable import Masks

/// The sampling kernels against their plain twins, exact-k counts, and Bernoulli frequencies.
final class MaskKernelTests: XCTestCase {
    private func probabilities(_ n: Int, seed: UInt64) -> [Float] {
        let rng = RandomStream(seed: seed)
        return (0..<n).map { _ in Float(0.02 + 0.96 * rng.uniform()) }
    }

    func testBernoulliMatchesReference() {
        let p = probabilities(500, seed: 1)
        for inverted in [false, true] {
            var out = [Float](repeating: -1, count: p.count)
            let kept = p.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { MaskKernels.bernoulli(keep: pb.baseAddress!, inverted: inverted, random: RandomStream(seed: 9), into: $0.baseAddress!, count: p.count) }
            }
            let twin = RandomStream(seed: 9)
            let expected = MaskKernelsReference.bernoulli(keep: p, inverted: inverted, uniforms: p.map { _ in twin.uniform() })
            XCTAssertEqual(out, expected)
            XCTAssertEqual(kept, expected.filter { $0 != 0 }.count)
        }
    }

    func testSystematicKeepsExactlyKAndMatchesReference() {
        let rng = RandomStream(seed: 3)
        for trial in 0..<200 {
            let n = 1 + rng.integer(below: 300)
            let p = probabilities(n, seed: UInt64(100 + trial))
            let k = max(1, Int((p.reduce(0.0) { $0 + Double($1) }).rounded()))
            let u = rng.uniform()
            var out = [Float](repeating: -1, count: n)
            let kept = p.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { MaskKernels.systematic(keep: pb.baseAddress!, total: k, offset: u, inverted: true, into: $0.baseAddress!, count: n) }
            }
            XCTAssertEqual(kept, k, "trial \(trial): exact-k must keep exactly k")
            XCTAssertEqual(out.filter { $0 != 0 }.count, k)
            XCTAssertEqual(out, MaskKernelsReference.systematic(keep: p, total: k, offset: u, inverted: true), "trial \(trial)")
        }
    }

    /// Per-entry keep frequencies over T draws against p: Σ (k_i − T p_i)² / (T p_i (1 − p_i)) is
    /// ≈ χ²(n) for independent entries. Threshold χ²₀.₉₉₉(20) = 45.31, a 0.1% false-failure rate
    /// (the seed is fixed, so the outcome is too). Checked for Bernoulli and for systematic
    /// sampling (whose marginals are also p_i).
    func testKeepFrequenciesPassChiSquare() {
        let n = 20, trials = 4000
        let p: [Float] = (0..<n).map { 0.05 + 0.045 * Float($0) }
        let k = Int(p.reduce(0.0) { $0 + Double($1) }.rounded())
        let scaled = p.map { $0 * Float(k) / p.reduce(0, +) }   // systematic keeps marginals p·k/Σp
        for method in ["bernoulli", "systematic"] {
            let rng = RandomStream(seed: 2024)
            var counts = [Int](repeating: 0, count: n)
            var out = [Float](repeating: 0, count: n)
            for _ in 0..<trials {
                p.withUnsafeBufferPointer { pb in
                    out.withUnsafeMutableBufferPointer { ob in
                        if method == "bernoulli" {
                            _ = MaskKernels.bernoulli(keep: pb.baseAddress!, inverted: false, random: rng, into: ob.baseAddress!, count: n)
                        } else {
                            _ = MaskKernels.systematic(keep: pb.baseAddress!, total: k, offset: rng.uniform(), inverted: false, into: ob.baseAddress!, count: n)
                        }
                    }
                }
                for i in 0..<n where out[i] != 0 { counts[i] += 1 }
            }
            let target = method == "bernoulli" ? p : scaled
            var chi2 = 0.0
            for i in 0..<n {
                let e = Double(trials) * Double(target[i])
                chi2 += (Double(counts[i]) - e) * (Double(counts[i]) - e) / (e * (1 - Double(target[i])))
            }
            XCTAssertLessThan(chi2, 45.31, "\(method): χ² = \(chi2) over \(n) entries")
        }
    }

    func testMultiplyKernels() {
        let a: [Float] = (0..<100_000).map { Float($0 % 13) - 6 }, b: [Float] = (0..<100_000).map { Float($0 % 5) * 0.5 }
        var c = [Float](repeating: 0, count: a.count)
        a.withUnsafeBufferPointer { ab in b.withUnsafeBufferPointer { bb in c.withUnsafeMutableBufferPointer {
            MaskKernels.multiply(ab.baseAddress!, bb.baseAddress!, into: $0.baseAddress!, count: a.count)
        } } }
        XCTAssertEqual(c, MaskKernelsReference.multiply(a, b))
        var x = a
        b.withUnsafeBufferPointer { bb in x.withUnsafeMutableBufferPointer { MaskKernels.multiplyInPlace($0.baseAddress!, by: bb.baseAddress!, count: a.count) } }
        XCTAssertEqual(x, c)
    }
}
