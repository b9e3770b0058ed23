import XCTest
import TensorCore
import Stats
import TestSupport

/// The fused batch-normalisation kernels against their plain twins (`Reference.batchNorm…`), on
/// sizes that take the parallel path and planes that are not multiples of the SIMD width.
final class NormalizationTests: XCTestCase {
    override func setUp() { Parallel.setThreads(2) }

    private func random(_ n: Int, seed: UInt64, _ lo: Float = -2, _ hi: Float = 2) -> [Float] {
        let r = RandomStream(seed: seed)
        return (0..<n).map { _ in r.uniform(lo, hi) }
    }

    private func assertClose(_ expected: [Float], _ got: [Float], _ tol: Double, _ what: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        let worst = largestDifference(expected, got)!
        XCTAssertLessThan(worst.absolute, tol, "\(what): \(worst)", file: file, line: line)
    }

    /// Statistics, the fused forward (plain, ReLU, identity and normalised residual) and the backward
    /// (sums, input gradient with and without ReLU, batch and running statistics).
    func testFusedBatchNormMatchesReference() {
        for (n, c, s) in [(6, 5, 67), (4, 3, 1024), (9, 4, 1), (3, 2, 16)] {
            let count = n * c * s, eps: Float = 1e-5
            let x = random(count, seed: 1), r = random(count, seed: 2), dyv = random(count, seed: 3)
            let gamma = random(c, seed: 4, 0.5, 1.5), beta = random(c, seed: 5, -0.5, 0.5)
            let rGamma = random(c, seed: 6, 0.5, 1.5), rBeta = random(c, seed: 7, -0.5, 0.5)
            let st = TensorStorage(count: 4 * count + 16 * c)
            let xp = st.base, rp = st.base + count, dyp = st.base + 2 * count, out = st.base + 3 * count
            let pc = st.base + 4 * count
            let mean = pc, variance = pc + c, a = pc + 2 * c, b = pc + 3 * c, ra = pc + 4 * c, rb = pc + 5 * c
            let sg = pc + 6 * c, sgx = pc + 7 * c, sgx2 = pc + 8 * c, k = pc + 9 * c, p = pc + 10 * c, q = pc + 11 * c
            let rMean = pc + 12 * c, rVar = pc + 13 * c
            xp.update(from: x, count: count); rp.update(from: r, count: count); dyp.update(from: dyv, count: count)

            Normalization.statistics(xp, images: n, channels: c, plane: s, mean: mean, variance: variance)
            let ref = Reference.batchStatistics(x, channels: c, plane: s)
            assertClose(ref.mean, Array(UnsafeBufferPointer(start: mean, count: c)), 1e-5, "mean \(n)×\(c)×\(s)")
            assertClose(ref.variance, Array(UnsafeBufferPointer(start: variance, count: c)), 1e-5, "variance")
            Normalization.statistics(rp, images: n, channels: c, plane: s, mean: rMean, variance: rVar)
            let rRef = Reference.batchStatistics(r, channels: c, plane: s)
            func coefficients(_ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>, _ g: [Float], _ bt: [Float],
                              _ sa: UnsafeMutablePointer<Float>, _ sb: UnsafeMutablePointer<Float>) {
                for ch in 0..<c {
                    let inv = 1 / (v[ch] + eps).squareRoot()
                    sa[ch] = g[ch] * inv; sb[ch] = bt[ch] - g[ch] * m[ch] * inv
                }
            }
            coefficients(mean, variance, gamma, beta, a, b)
            coefficients(rMean, rVar, rGamma, rBeta, ra, rb)

            for relu in [false, true] {
                Normalization.affine(xp, images: n, channels: c, plane: s, scale: a, shift: b, residual: nil,
                                     residualScale: nil, residualShift: nil, relu: relu, into: out)
                assertClose(Reference.batchNormForward(x, channels: c, plane: s, mean: ref.mean, variance: ref.variance,
                                                       gamma: gamma, beta: beta, epsilon: eps, relu: relu),
                            Array(UnsafeBufferPointer(start: out, count: count)), 1e-4, "forward relu \(relu)")
            }
            Normalization.affine(xp, images: n, channels: c, plane: s, scale: a, shift: b, residual: rp,
                                 residualScale: nil, residualShift: nil, relu: true, into: out)
            assertClose(Reference.batchNormForward(x, channels: c, plane: s, mean: ref.mean, variance: ref.variance,
                                                   gamma: gamma, beta: beta, epsilon: eps, relu: true, residual: r),
                        Array(UnsafeBufferPointer(start: out, count: count)), 1e-4, "forward + identity residual")
            Normalization.affine(xp, images: n, channels: c, plane: s, scale: a, shift: b, residual: rp,
                                 residualScale: ra, residualShift: rb, relu: true, into: out)
            let y = Reference.batchNormForward(x, channels: c, plane: s, mean: ref.mean, variance: ref.variance,
                                               gamma: gamma, beta: beta, epsilon: eps, relu: true, residual: r,
                                               rMean: rRef.mean, rVariance: rRef.variance, rGamma: rGamma, rBeta: rBeta)
            assertClose(y, Array(UnsafeBufferPointer(start: out, count: count)), 1e-4, "forward + normalised residual")

            // Backward through the ReLU output `out` (= y), both inputs in one pass.
            Normalization.gradientSums(dyp, reluOutput: out, xp, mean: mean, images: n, channels: c, plane: s,
                                       sumG: sg, sumGX: sgx, second: rp, mean2: rMean, sumGX2: sgx2)
            for batch in [true, false] {
                let want = Reference.batchNormBackward(dyv, output: y, input: x, channels: c, plane: s, mean: ref.mean,
                                                       variance: ref.variance, gamma: gamma, epsilon: eps, batchStatistics: batch)
                let wantR = Reference.batchNormBackward(dyv, output: y, input: r, channels: c, plane: s, mean: rRef.mean,
                                                        variance: rRef.variance, gamma: rGamma, epsilon: eps, batchStatistics: batch)
                for ch in 0..<c {
                    let inv = 1 / (variance[ch] + eps).squareRoot(), m = Float(n * s)
                    k[ch] = gamma[ch] * inv
                    p[ch] = batch ? -k[ch] * inv * inv * sgx[ch] / m : 0
                    q[ch] = batch ? -k[ch] * sg[ch] / m : 0
                    XCTAssertEqual(Double(sg[ch]), Double(want.dbeta[ch]), accuracy: 1e-3, "Σg")
                    XCTAssertEqual(Double(inv * sgx[ch]), Double(want.dgamma[ch]), accuracy: 1e-3, "Σg·x̂")
                    let rinv = 1 / (rVar[ch] + eps).squareRoot()
                    XCTAssertEqual(Double(rinv * sgx2[ch]), Double(wantR.dgamma[ch]), accuracy: 1e-3, "Σg·r̂")
                }
                Normalization.inputGradient(dyp, reluOutput: out, xp, mean: mean, images: n, channels: c, plane: s,
                                            k: k, p: p, q: q, into: rp)
                assertClose(want.dx, Array(UnsafeBufferPointer(start: rp, count: count)), 1e-4, "dx batch \(batch)")
                rp.update(from: r, count: count)
            }
            // Without a ReLU, accumulating, in place over dy.
            Normalization.gradientSums(dyp, reluOutput: nil, xp, mean: mean, images: n, channels: c, plane: s, sumG: sg, sumGX: sgx)
            let plain = Reference.batchNormBackward(dyv, output: nil, input: x, channels: c, plane: s, mean: ref.mean,
                                                    variance: ref.variance, gamma: gamma, epsilon: eps, batchStatistics: true)
            for ch in 0..<c {
                let inv = 1 / (variance[ch] + eps).squareRoot(), m = Float(n * s)
                k[ch] = gamma[ch] * inv; p[ch] = -k[ch] * inv * inv * sgx[ch] / m; q[ch] = -k[ch] * sg[ch] / m
            }
            Normalization.inputGradient(dyp, reluOutput: nil, xp, mean: mean, images: n, channels: c, plane: s,
                                        k: k, p: p, q: q, into: dyp)
            assertClose(plain.dx, Array(UnsafeBufferPointer(start: dyp, count: count)), 1e-4, "dx in place")
            Normalization.inputGradient(dyp, reluOutput: nil, xp, mean: mean, images: n, channels: c, plane: s,
                                        k: k, p: p, q: q, accumulate: true, into: rp)
            // p, q were fitted to dyv, not to the new dy: check the accumulation against the affine map itself.
            let direct = (0..<count).map { i -> Float in
                let ch = (i / s) % c
                return r[i] + k[ch] * plain.dx[i] + p[ch] * (x[i] - mean[ch]) + q[ch]
            }
            assertClose(direct, Array(UnsafeBufferPointer(start: rp, count: count)), 1e-4, "dx accumulate")
        }
    }

    /// The backward with the ReLU's mask recomputed from `x` (`reluOf`, as `BatchNorm.backward`
    /// uses it) gives the same bits as the backward reading the forward's output `y`: sums and
    /// input gradient, on planes with SIMD blocks and scalar tails, with entries exactly at the
    /// kink (`a·x + b = 0`, masked both ways) and a negative scale.
    func testRecomputedReluMaskMatchesTheStoredOutputBitForBit() {
        for (n, c, s) in [(6, 5, 67), (4, 3, 1024), (9, 4, 1), (3, 2, 16)] {
            let count = n * c * s
            var x = random(count, seed: 31)
            for i in stride(from: 0, to: count, by: 7) { x[i] = 0 }   // with b[ch] = 0 below: exactly at the kink
            let dyv = random(count, seed: 32)
            let st = TensorStorage(count: 5 * count + 9 * c)
            let xp = st.base, dyp = xp + count, y = dyp + count, dxStored = y + count, dxRecomputed = dxStored + count
            let pc = dxRecomputed + count
            let mean = pc, variance = pc + c, a = pc + 2 * c, b = pc + 3 * c, k = pc + 4 * c, p = pc + 5 * c, q = pc + 6 * c
            let sums = pc + 7 * c
            xp.update(from: x, count: count); dyp.update(from: dyv, count: count)
            Normalization.statistics(xp, images: n, channels: c, plane: s, mean: mean, variance: variance)
            for ch in 0..<c {
                a[ch] = ch == 1 ? -0.75 : 1.25
                b[ch] = ch == 0 ? 0 : 0.3
                k[ch] = a[ch]; p[ch] = 0.01 * Float(ch + 1); q[ch] = -0.02
            }
            Normalization.affine(xp, images: n, channels: c, plane: s, scale: a, shift: b, residual: nil,
                                 residualScale: nil, residualShift: nil, relu: true, into: y)
            let mask = Normalization.ReluOfAffine(scale: a, shift: b)
            var stored: [Float] = [], recomputed: [Float] = []
            let passes: [(UnsafePointer<Float>?, UnsafeMutablePointer<Float>)] = [(UnsafePointer(y), dxStored), (nil, dxRecomputed)]
            for (relu, dx) in passes {
                let sg = sums, sgx = sums + c
                Normalization.gradientSums(dyp, reluOutput: relu, reluOf: relu == nil ? mask : nil, xp, mean: mean,
                                           images: n, channels: c, plane: s, sumG: sg, sumGX: sgx)
                Normalization.inputGradient(dyp, reluOutput: relu, reluOf: relu == nil ? mask : nil, xp, mean: mean,
                                            images: n, channels: c, plane: s, k: k, p: p, q: q, into: dx)
                let out = Array(UnsafeBufferPointer(start: sums, count: 2 * c)) + Array(UnsafeBufferPointer(start: dx, count: count))
                if relu != nil { stored = out } else { recomputed = out }
            }
            XCTAssertEqual(stored.count, 2 * c + count)
            XCTAssertEqual(stored.map(\.bitPattern), recomputed.map(\.bitPattern), "\(n)×\(c)×\(s)")
            XCTAssertTrue(UnsafeBufferPointer(start: y, count: count).contains(0), "some outputs at or below the kink")
        }
    }

    /// `Normalization.backward` (sums, coefficients and input gradient channel by channel) gives
    /// the bits of `gradientSums`, then the coefficients for every channel, then `inputGradient`:
    /// with a stored ReLU output, a recomputed ReLU, no ReLU with a second input and accumulation,
    /// and with `dx` aliasing `dy`; on 1 and 2 threads.
    func testChannelByChannelBackwardGivesTheSeparateCallsBits() {
        Parallel.fixRoundTrip(nanoseconds: 0)   // the cost model spreads every region large enough
        defer { Parallel.fixRoundTrip(nanoseconds: nil); Parallel.setThreads(2) }
        for threads in [1, 2] {
            Parallel.setThreads(threads)
            for (n, c, s) in [(6, 5, 67), (4, 3, 1024), (9, 4, 1), (16, 8, 256)] {
                let count = n * c * s
                let x = random(count, seed: 41), x2 = random(count, seed: 42), dyv = random(count, seed: 43)
                let dxStart = random(count, seed: 44)
                let st = TensorStorage(count: 6 * count + 16 * c)
                let xp = st.base, x2p = xp + count, y = x2p + count, dyp = y + count, dx = dyp + count, pc = dx + count + count
                let mean = pc, mean2 = pc + c, a = pc + 2 * c, b = pc + 3 * c, k = pc + 4 * c, p = pc + 5 * c, q = pc + 6 * c
                let sums = pc + 7 * c   // sumG, sumGX, sumGX2
                xp.update(from: x, count: count); x2p.update(from: x2, count: count)
                Normalization.statistics(xp, images: n, channels: c, plane: s, mean: mean, variance: pc + 10 * c)
                Normalization.statistics(x2p, images: n, channels: c, plane: s, mean: mean2, variance: pc + 10 * c)
                for ch in 0..<c { a[ch] = ch == 1 ? -0.75 : 1.25; b[ch] = 0.1 * Float(ch); k[ch] = 0.5 + Float(ch) }
                Normalization.affine(xp, images: n, channels: c, plane: s, scale: a, shift: b, residual: nil,
                                     residualScale: nil, residualShift: nil, relu: true, into: y)
                let m = Float(n * s)
                let coefficients = { (ch: Int) in
                    p[ch] = -0.3 * sums[c + ch] / m
                    q[ch] = -0.7 * sums[ch] / m
                }
                let mask = Normalization.ReluOfAffine(scale: a, shift: b)
                // (stored ReLU output, recomputed ReLU, second input, accumulate, dx aliases dy)
                let cases: [(UnsafePointer<Float>?, Normalization.ReluOfAffine?, Bool, Bool, Bool)] = [
                    (UnsafePointer(y), nil, false, false, false), (nil, mask, false, false, false),
                    (nil, nil, true, true, false), (nil, mask, false, false, true), (UnsafePointer(y), nil, true, false, true)]
                for (index, (relu, recompute, second, accumulate, alias)) in cases.enumerated() {
                    var results: [[Float]] = []
                    for fused in [false, true] {
                        dyp.update(from: dyv, count: count)
                        dx.update(from: dxStart, count: count)
                        sums.update(repeating: .nan, count: 3 * c); p.update(repeating: .nan, count: c); q.update(repeating: .nan, count: c)
                        let out = alias ? dyp : dx
                        if fused {
                            let before = Parallel.regionCounts.spread
                            Normalization.backward(dyp, reluOutput: relu, reluOf: recompute, xp, mean: mean, images: n, channels: c, plane: s,
                                                   sumG: sums, sumGX: sums + c, second: second ? x2p : nil, mean2: second ? mean2 : nil,
                                                   sumGX2: second ? sums + 2 * c : nil, finish: coefficients,
                                                   k: k, p: p, q: q, accumulate: accumulate, into: out)
                            if threads == 2 && c >= 2 && 5 * count >= 32_768 {
                                XCTAssertEqual(Parallel.regionCounts.spread - before, 1, "\(n)×\(c)×\(s): the channels ran on both threads")
                            }
                        } else {
                            Normalization.gradientSums(dyp, reluOutput: relu, reluOf: recompute, xp, mean: mean, images: n, channels: c, plane: s,
                                                       sumG: sums, sumGX: sums + c, second: second ? x2p : nil, mean2: second ? mean2 : nil,
                                                       sumGX2: second ? sums + 2 * c : nil)
                            for ch in 0..<c { coefficients(ch) }
                            Normalization.inputGradient(dyp, reluOutput: relu, reluOf: recompute, xp, mean: mean, images: n, channels: c,
                                                        plane: s, k: k, p: p, q: q, accumulate: accumulate, into: out)
                        }
                        results.append(Array(UnsafeBufferPointer(start: sums, count: second ? 3 * c : 2 * c))
                                       + Array(UnsafeBufferPointer(start: p, count: c)) + Array(UnsafeBufferPointer(start: q, count: c))
                                       + Array(UnsafeBufferPointer(start: out, count: count)))
                    }
                    XCTAssertFalse(results[0].contains { $0.isNaN }, "case \(index), \(n)×\(c)×\(s): every sum and coefficient written")
                    XCTAssertEqual(results[0].map(\.bitPattern), results[1].map(\.bitPattern),
                                   "case \(index), \(n)×\(c)×\(s), \(threads) thread(s)")
                }
            }
        }
    }

    /// The fused kernels give bit-identical results run to run and on 1 and 2 threads.
    func testFusedBatchNormIsDeterministic() {
        let (n, c, s) = (16, 8, 256), count = n * c * s
        let x = random(count, seed: 9)
        var results: [[Float]] = []
        for threads in [1, 2, 2] {
            Parallel.setThreads(threads)
            let st = TensorStorage(count: count + 2 * c)
            st.base.update(from: x, count: count)
            Normalization.statistics(st.base, images: n, channels: c, plane: s, mean: st.base + count, variance: st.base + count + c)
            results.append(Array(UnsafeBufferPointer(start: st.base + count, count: 2 * c)))
        }
        XCTAssertEqual(results[0], results[1])
        XCTAssertEqual(results[1], results[2])
    }

    func testAddMaskedMatchesReference() {
        let n = 100_003
        let dy = random(n, seed: 10), y = random(n, seed: 11), dx = random(n, seed: 12)
        let st = TensorStorage(count: 3 * n)
        let t = { (i: Int, v: [Float]) -> Tensor in let tt = st.tensor(Shape(n), offset: i * n); tt.copy(from: v); return tt }
        let tdy = t(0, dy), ty = t(1, y), tdx = t(2, dx)
        Elementwise.addMasked(tdy, where: ty, into: tdx)
        XCTAssertEqual(tdx.toArray(), Reference.addMasked(dy, where: y, into: dx))
    }
}
