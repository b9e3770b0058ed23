import XCTest
import TensorCore
import Stats
import TestSupport
import CVectorMath

/// Every kernel against its plain twin in `Reference`, on sizes that take the parallel path.
final class KernelTests: XCTestCase {
    override func setUp() { Parallel.setThreads(2) }

    private func random(_ n: Int, seed: UInt64) -> [Float] {
        let r = RandomStream(seed: seed)
        return (0..<n).map { _ in r.uniform(-2, 2) }
    }

    private func tensor(_ values: [Float], _ keep: inout [TensorStorage]) -> Tensor {
        let s = TensorStorage(count: values.count)
        keep.append(s)
        let t = s.tensor(Shape(values.count))
        t.copy(from: values)
        return t
    }

    func testElementwiseKernelsMatchReference() {
        var keep: [TensorStorage] = []
        let n = 100_003
        let x = random(n, seed: 1), y = random(n, seed: 2)
        let tx = tensor(x, &keep), ty = tensor(y, &keep), out = tensor(Array(repeating: 0, count: n), &keep)

        Elementwise.relu(tx, into: out)
        XCTAssertEqual(out.toArray(), Reference.relu(x))

        Elementwise.reluBackward(output: out, gradOutput: ty, into: out)
        XCTAssertEqual(out.toArray(), Reference.reluBackward(output: Reference.relu(x), gradOutput: y))

        let t2 = tensor(y, &keep)
        Elementwise.axpy(0.25, tx, t2)
        XCTAssertEqual(t2.toArray(), Reference.axpy(0.25, x, y))

        let bias = random(7, seed: 3)
        let rows = tensor(Array(x.prefix(7 * 5000)), &keep)
        Elementwise.addRowBias(rows, bias: tensor(bias, &keep))
        XCTAssertEqual(rows.toArray(), Reference.addRowBias(Array(x.prefix(7 * 5000)), bias: bias))
    }

    func testReductionsMatchReference() {
        var keep: [TensorStorage] = []
        let (rows, cols) = (300, 130)
        let x = random(rows * cols, seed: 4)
        let tx = tensor(x, &keep)
        let out = tensor(Array(repeating: 1, count: cols), &keep)
        Reduce.sumRows(tx, into: out, accumulate: true)
        let expected = Reference.sumRows(x, cols: cols).map { $0 + 1 }
        let worst = largestDifference(expected, out.toArray())!
        XCTAssertLessThan(worst.absolute, 1e-3, "\(worst)")

        var arg = [Int32](repeating: -1, count: rows)
        arg.withUnsafeMutableBufferPointer { Reduce.argmaxRows(tx, rows: rows, into: $0.baseAddress!) }
        XCTAssertEqual(arg, Reference.argmaxRows(x, rows: rows))

        XCTAssertTrue(Reduce.allFinite(tx))
        tx[17] = .nan
        XCTAssertFalse(Reduce.allFinite(tx))
    }

    func testParallelChunksCoverRangeOnce() {
        var hits = [Int](repeating: 0, count: 100_000)
        hits.withUnsafeMutableBufferPointer { h in
            Parallel.forEach(h.count) { i in h[i] += 1 }
        }
        XCTAssertEqual(hits.min(), 1)
        XCTAssertEqual(hits.max(), 1)
    }

    /// Adam and AdamW, with and without weight decay, on a range that starts off the 8-element
    /// grid and ends with a partial vector: bit-identical to the element-by-element reference
    /// (moments include zeros, tiny values and denormals, gradients zeros and denormals, as
    /// parameters whose input is almost always zero have), the denormals flushed to zero, and
    /// the caller's floating-point mode unchanged afterwards.
    func testAdamUpdateMatchesReferenceBitForBit() {
        let n = 1_037, range = 3..<1_030
        var m = random(n, seed: 11).map { $0 * 0.1 }, v = random(n, seed: 12).map { $0 * $0 * 1e-3 }
        var g = random(n, seed: 14).map { $0 * 0.01 }
        for i in stride(from: 0, to: n, by: 7) { (m[i], v[i]) = (0, 0) }
        for i in stride(from: 5, to: n, by: 13) { v[i] = 1e-30 }
        for i in stride(from: 6, to: n, by: 11) { (m[i], g[i]) = (-3e-39, 0) }      // decays to a denormal and below
        for i in stride(from: 9, to: n, by: 17) { (m[i], v[i], g[i]) = (2e-38, 1e-39, 4e-40) }
        for i in stride(from: 10, to: n, by: 19) { (m[i], g[i]) = (1.2e-38, 0) }          // normal in, tiny out: FTZ alone
        for i in stride(from: 12, to: n, by: 23) { (v[i], g[i]) = (1e-39, 1.1e-16) }      // denormal in, normal out: DAZ alone
        let p = random(n, seed: 13)
        XCTAssertEqual(masklab_flushing_denormals(), 0, "the test process must start without the flush")
        for decoupled in [false, true] {
            for wd: Float in [0, 5e-4] {
                let c = AdamUpdate.Coefficients(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, stepSize: 0.0012 / (1 - 0.9 * 0.9 * 0.9),
                                                correction2Sqrt: (1 - 0.999 * 0.999 * 0.999 as Float).squareRoot(),
                                                weightDecay: wd, shrink: 1 - 0.0012 * wd, decoupled: decoupled)
                var (pp, mm, vv) = (p, m, v)
                pp.withUnsafeMutableBufferPointer { pb in
                    mm.withUnsafeMutableBufferPointer { mb in
                        vv.withUnsafeMutableBufferPointer { vb in
                            g.withUnsafeBufferPointer { gb in
                                AdamUpdate.apply(values: pb.baseAddress!, grads: gb.baseAddress!, firstMoment: mb.baseAddress!,
                                                 secondMoment: vb.baseAddress!, range: range, c)
                            }
                        }
                    }
                }
                let slice = { (a: [Float]) in Array(a[range]) }
                let ref = Reference.adamUpdate(values: slice(p), grads: slice(g), firstMoment: slice(m), secondMoment: slice(v), c)
                XCTAssertEqual(slice(pp).map(\.bitPattern), ref.values.map(\.bitPattern), "values, decoupled \(decoupled), wd \(wd)")
                XCTAssertEqual(slice(mm).map(\.bitPattern), ref.firstMoment.map(\.bitPattern), "first moment")
                XCTAssertEqual(slice(vv).map(\.bitPattern), ref.secondMoment.map(\.bitPattern), "second moment")
                XCTAssertEqual(Array(pp[..<3]) + Array(pp[1_030...]), Array(p[..<3]) + Array(p[1_030...]), "outside the range")
                XCTAssertNotEqual(slice(pp), slice(p), "the step changed nothing")
                if wd == 0 || decoupled {   // (Adam's coupled decay makes these gradients normal)
                    XCTAssertEqual(mm[6], 0, "β₁ · (−3e-39) is a denormal: flushed")
                    XCTAssertEqual(vv[9], 0, "a denormal second moment with a denormal gradient: flushed")
                    XCTAssertEqual(mm[10], 0, "β₁ · 1.2e-38 = 1.08e-38 is below 2⁻¹²⁶: flushed on output")
                    let g12: Float = 1.1e-16, daz = Float(0.999) * 0 + (1 - Float(0.999)) * g12 * g12
                    XCTAssertEqual(vv[12], daz, "the denormal v counts as 0 on input")
                    XCTAssertNotEqual(vv[12], Float(0.999) * Float(1e-39) + (1 - Float(0.999)) * g12 * g12,
                                      "without DAZ the denormal would change the last bits")
                }
                XCTAssertEqual(masklab_flushing_denormals(), 0, "the flush must end with the call")
            }
        }
        XCTAssertTrue((Float(-3e-39) * 0.9).isSubnormal, "outside the kernel denormals are kept")

        // A product whose exact value lies just below 2⁻¹²⁶ but rounds up to it: IEEE gives
        // 2⁻¹²⁶, the flush gives 0 (x86 decides tininess after rounding to 24 bits with an
        // unbounded exponent, arm64 before rounding: below 2⁻¹²⁶ either way). Seen by the
        // reference only if it models the processor's tininess rule.
        let beta1: Float = 0.56718212, edge: Float = 2.0725165e-38
        XCTAssertEqual(beta1 * edge, Float.leastNormalMagnitude, "IEEE rounds this product up to the smallest normal")
        let c = AdamUpdate.Coefficients(beta1: beta1, beta2: 0.999, epsilon: 1e-8, stepSize: 1e-3, correction2Sqrt: 1,
                                        weightDecay: 0, shrink: 1, decoupled: false)
        var (pe, me, ve) = ([Float](repeating: 0.5, count: 11), [Float](repeating: edge, count: 11), [Float](repeating: 1e-6, count: 11))
        let ge = [Float](repeating: 0, count: 11)
        pe.withUnsafeMutableBufferPointer { pb in me.withUnsafeMutableBufferPointer { mb in ve.withUnsafeMutableBufferPointer { vb in
            ge.withUnsafeBufferPointer { gb in
                AdamUpdate.apply(values: pb.baseAddress!, grads: gb.baseAddress!, firstMoment: mb.baseAddress!, secondMoment: vb.baseAddress!, range: 0..<11, c)
            }
        } } }
        let ref = Reference.adamUpdate(values: [Float](repeating: 0.5, count: 11), grads: ge, firstMoment: [Float](repeating: edge, count: 11),
                                       secondMoment: [Float](repeating: 1e-6, count: 11), c)
        XCTAssertEqual(me, [Float](repeating: 0, count: 11), "vector lanes and the tail flush the product that IEEE rounds up to 2⁻¹²⁶")
        XCTAssertEqual(ref.firstMoment, me)
        XCTAssertEqual(ref.values.map(\.bitPattern), pe.map(\.bitPattern))
    }
}
