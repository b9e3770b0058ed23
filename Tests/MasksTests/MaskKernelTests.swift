import XCTest
import Stats
import TensorCore
import Layers
import TestSupport
@testable import Masks

/// The sampling kernels against their plain twins, exact-k counts, and Bernoulli frequencies.
final class MaskKernelTests: XCTestCase {
    private func probabilities(_ n: Int, seed: UInt64) -> [Float] {
        let rng = RandomStream(seed: seed)
        return (0..<n).map { _ in Float(0.02 + 0.96 * rng.uniform()) }
    }

    /// The partial shuffle takes its k entries as the plain twin does, and any k is the prefix
    /// of a longer shuffle on the same stream state (so every caller's counts draw one sequence).
    func testPartialShuffleDrawsAsTheReferenceAndLongerShufflesExtendShorterOnes() {
        for (n, seed) in [(1, UInt64(1)), (7, 2), (50, 3), (1000, 4)] {
            var full = Array(0..<n)
            full.withUnsafeMutableBufferPointer { MaskKernels.partialShuffle($0, first: n, random: RandomStream(seed: seed)) }
            XCTAssertEqual(Set(full), Set(0..<n), "n \(n): a permutation")
            for k in Set([0, 1, n / 2, n]) {
                var a = Array(0..<n)
                a.withUnsafeMutableBufferPointer { MaskKernels.partialShuffle($0, first: k, random: RandomStream(seed: seed)) }
                XCTAssertEqual(Array(a.prefix(k)), MaskKernelsReference.partialShuffle(count: n, first: k, random: RandomStream(seed: seed)), "n \(n), k \(k)")
                XCTAssertEqual(Array(a.prefix(k)), Array(full.prefix(k)), "n \(n), k \(k): a prefix of the full shuffle")
                XCTAssertEqual(Set(a), Set(0..<n), "n \(n), k \(k): entries moved, none lost")
            }
        }
    }

    func testBernoulliMatchesReference() {
        let p = probabilities(500, seed: 1)
        for inverted in [false, true] {
            var out = [Float](repeating: -1, count: p.count)
            let kept = p.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { MaskKernels.bernoulli(keepProbabilities: pb.baseAddress!, inverted: inverted, random: RandomStream(seed: 9), into: $0.baseAddress!, count: p.count) }
            }
            let twin = RandomStream(seed: 9)
            let expected = MaskKernelsReference.bernoulli(keepProbabilities: p, inverted: inverted, uniforms: p.map { _ in twin.uniform() })
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
                out.withUnsafeMutableBufferPointer { MaskKernels.systematic(keepProbabilities: pb.baseAddress!, total: k, offset: u, inverted: true, into: $0.baseAddress!, count: n) }
            }
            XCTAssertEqual(kept, k, "trial \(trial): exact-k must keep exactly k")
            XCTAssertEqual(out.filter { $0 != 0 }.count, k)
            XCTAssertEqual(out, MaskKernelsReference.systematic(keepProbabilities: p, total: k, offset: u, inverted: true), "trial \(trial)")
            // The same over a random visiting order.
            let seed = UInt64(500 + trial)
            let order = UnsafeMutablePointer<Int32>.allocate(capacity: n)
            defer { order.deallocate() }
            MaskKernels.shuffle(order, count: n, random: RandomStream(seed: seed))
            let expectedOrder = MaskKernelsReference.shuffle(count: n, random: RandomStream(seed: seed))
            XCTAssertEqual((0..<n).map { Int(order[$0]) }, expectedOrder)
            XCTAssertEqual(Set(expectedOrder), Set(0..<n), "a permutation")
            let keptInOrder = p.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer {
                    MaskKernels.systematic(keepProbabilities: pb.baseAddress!, total: k, offset: u, order: order, inverted: true, into: $0.baseAddress!, count: n)
                }
            }
            XCTAssertEqual(keptInOrder, k)
            XCTAssertEqual(out, MaskKernelsReference.systematic(keepProbabilities: p, total: k, offset: u, order: expectedOrder, inverted: true),
                           "trial \(trial), random order")
        }
    }

    /// Exact-k DropConnect (equal p = ½ on 8 entries, so k = 4) is a uniformly random 4-subset:
    /// each of the 28 pairs is kept together with probability k(k−1)/(n(n−1)) = 3/14 ≈ 0.214.
    /// Over 4 000 draws the standard error is 0.0065; the tolerance is 0.03 (4.6σ). Systematic
    /// sampling in storage order would keep neighbours (0, 1) together never and (0, 2) half the time.
    func testExactKDrawsUniformSubsets() {
        let b = ParameterBuilder()
        let w = b.parameter("w", "weight", shape: Shape(8), role: .weight, initializer: .constant(1))
        _ = b.finish()
        var config = MaskConfig(name: "dropconnect", keep: 0.5)
        (config.sampling, config.scaling, config.target) = (.exactK, .none, .gradients)
        let masks = MaskSet(parameters: [w], layout: .perStep, config: config, seed: 5)
        masks.keepProbabilities(0).fill(0.5)
        let trials = 4000
        var together = [[Int]](repeating: [Int](repeating: 0, count: 8), count: 8)
        for _ in 0..<trials {
            masks.draw()
            XCTAssertEqual(masks.keptCounts[0], 4)
            let m = masks.multipliers(0).toArray()
            for i in 0..<8 where m[i] != 0 { for j in (i + 1)..<8 where m[j] != 0 { together[i][j] += 1 } }
        }
        for i in 0..<8 {
            for j in (i + 1)..<8 {
                XCTAssertEqual(Double(together[i][j]) / Double(trials), 3.0 / 14.0, accuracy: 0.03, "pair (\(i), \(j))")
            }
        }
    }

    /// Per-entry keep frequencies over T draws against p: Σ (k_i − T p_i)² / (T p_i (1 − p_i)) is
    /// ≈ χ²(n) for independent entries. Threshold χ²₀.₉₉₉(20) = 45.31, a 0.1% false-failure rate
    /// (the seed is fixed, so the outcome is too). Checked for Bernoulli and for systematic
    /// sampling in index and in random order (whose marginals are p_i·k/Σp).
    func testKeepFrequenciesPassChiSquare() {
        let n = 20, trials = 4000
        let p: [Float] = (0..<n).map { 0.05 + 0.045 * Float($0) }
        let k = Int(p.reduce(0.0) { $0 + Double($1) }.rounded())
        let scaled = p.map { $0 * Float(k) / p.reduce(0, +) }   // systematic keeps marginals p·k/Σp
        let order = UnsafeMutablePointer<Int32>.allocate(capacity: n)
        defer { order.deallocate() }
        for method in ["bernoulli", "systematic", "random-order systematic"] {
            let rng = RandomStream(seed: 2024)
            var counts = [Int](repeating: 0, count: n)
            var out = [Float](repeating: 0, count: n)
            for _ in 0..<trials {
                p.withUnsafeBufferPointer { pb in
                    out.withUnsafeMutableBufferPointer { ob in
                        if method == "bernoulli" {
                            _ = MaskKernels.bernoulli(keepProbabilities: pb.baseAddress!, inverted: false, random: rng, into: ob.baseAddress!, count: n)
                        } else if method == "systematic" {
                            _ = MaskKernels.systematic(keepProbabilities: pb.baseAddress!, total: k, offset: rng.uniform(), inverted: false, into: ob.baseAddress!, count: n)
                        } else {
                            MaskKernels.shuffle(order, count: n, random: rng)
                            _ = MaskKernels.systematic(keepProbabilities: pb.baseAddress!, total: k, offset: rng.uniform(), order: order, inverted: false,
                                                       into: ob.baseAddress!, count: n)
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
