import XCTest
import TensorCore
import Stats
import TestSupport

/// The convolution lowering (`Im2Col`) and pooling kernels against their plain twins in
/// `Reference`, on sizes that take the parallel path, plus the adjoint identity
/// ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩ that makes col2im the exact backward of im2col. The
/// lowering is checked with each version of the C gathers this CPU has (`WindowOffsets`:
/// AVX-512, AVX2, scalar): all must give the reference's bits.
final class Im2ColTests: XCTestCase {
    override func setUp() { Parallel.setThreads(2) }

    private func random(_ n: Int, seed: UInt64) -> [Float] {
        let r = RandomStream(seed: seed)
        return (0..<n).map { _ in r.uniform(-2, 2) }
    }

    /// Storages made by a test, kept alive until it ends (a pointer taken from a temporary
    /// storage would dangle as soon as the storage is released).
    private var keep: [TensorStorage] = []

    private func storage(_ values: [Float]) -> TensorStorage {
        let s = TensorStorage(count: values.count)
        keep.append(s)
        s.tensor(Shape(values.count)).copy(from: values)
        return s
    }

    private func array(_ s: TensorStorage, _ count: Int) -> [Float] { s.tensor(Shape(count)).toArray() }

    /// Kernel, stride and padding combinations of the models (3×3 s1 p1, 3×3 s2 p1, 1×1 s2,
    /// 5×5 p0/p2) and odd ones (stride > kernel, non-square images).
    private let geometries: [WindowGeometry] = [
        WindowGeometry(channels: 3, height: 8, width: 8, kernel: 3, stride: 1, padding: 1),
        WindowGeometry(channels: 4, height: 9, width: 7, kernel: 3, stride: 2, padding: 1),
        WindowGeometry(channels: 5, height: 8, width: 8, kernel: 1, stride: 2, padding: 0),
        WindowGeometry(channels: 2, height: 12, width: 12, kernel: 5, stride: 1, padding: 0),
        WindowGeometry(channels: 2, height: 10, width: 10, kernel: 5, stride: 1, padding: 2),
        WindowGeometry(channels: 3, height: 11, width: 6, kernel: 2, stride: 3, padding: 1),
        WindowGeometry(channels: 64, height: 16, width: 16, kernel: 3, stride: 1, padding: 1),  // parallel path
        WindowGeometry(channels: 2, height: 5, width: 7, kernel: 3, stride: 1, padding: 1),   // "same" block copies, not square
        WindowGeometry(channels: 2, height: 2, width: 1, kernel: 5, stride: 1, padding: 2),   // shifts wider than the plane
        // Stride 2 on wide rows: planes of 57 and 32 entries (gathers of 16 or 8 and a masked tail).
        WindowGeometry(channels: 2, height: 6, width: 37, kernel: 3, stride: 2, padding: 1),
        WindowGeometry(channels: 3, height: 4, width: 32, kernel: 1, stride: 2, padding: 0),
        // ResNet-18's stride-2 layers at 16 and 8 pixels: planes of 64 and 16 entries, the last
        // ending at the tensor's end (where a gather reading past its plane would leave the
        // allocation: a memory checker's finding, not one of these assertions).
        WindowGeometry(channels: 2, height: 16, width: 16, kernel: 3, stride: 2, padding: 1),
        WindowGeometry(channels: 3, height: 8, width: 8, kernel: 3, stride: 2, padding: 1),
        WindowGeometry(channels: 2, height: 16, width: 16, kernel: 1, stride: 2, padding: 0),
    ]

    /// The gather widths this CPU has, widest first (each run of a check uses one).
    private var gatherWidths: [Int] {
        var widths: [Int] = []
        for w in [16, 8, 1] {
            let used = WindowOffsets.withVectorWidth(w) {}
            if !widths.contains(used) { widths.append(used) }
        }
        return widths
    }

    func testIm2ColMatchesReference() {
        XCTAssertEqual(gatherWidths.last, 1, "the scalar version always runs")
        for width in gatherWidths { WindowOffsets.withVectorWidth(width) { checkIm2Col(width) } }
    }

    private func checkIm2Col(_ width: Int) {
        for (t, g) in geometries.enumerated() {
            let batch = 3, images = 1..<3
            let x = random(batch * g.channels * g.inputPlane, seed: UInt64(10 + t))
            let xs = storage(x)
            let count = g.columnRows * images.count * g.outputPlane
            let cols = TensorStorage(count: count)
            cols.tensor(Shape(count)).fill(.nan)   // every entry must be written
            Im2Col.im2col(xs.base, WindowOffsets(g), images: images, into: cols.base)
            XCTAssertEqual(array(cols, count), Reference.im2col(x, g, images: images), "\(g), gathers of \(width)")
        }
    }

    func testCol2ImMatchesReferenceAndIsTheAdjoint() {
        for width in gatherWidths { WindowOffsets.withVectorWidth(width) { checkCol2Im(width) } }
    }

    private func checkCol2Im(_ width: Int) {
        for (t, g) in geometries.enumerated() {
            let batch = 3, images = 0..<2
            let count = g.columnRows * images.count * g.outputPlane
            let c = random(count, seed: UInt64(30 + t))
            let x = random(batch * g.channels * g.inputPlane, seed: UInt64(50 + t))
            let dx = storage(Array(repeating: 7, count: x.count))  // images 0..<2 are overwritten, image 2 kept
            Im2Col.col2im(storage(c).base, WindowOffsets(g), images: images, into: dx.base)
            let got = array(dx, x.count)
            var expected = Reference.col2im(c, g, batch: batch, images: images)
            for i in (2 * g.channels * g.inputPlane)..<x.count { expected[i] = 7 }
            // Both add each pixel's entries in kernel-offset order onto zero: the same bits.
            XCTAssertEqual(got, expected, "\(g), scatters of \(width)")

            // ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩ over the images of the chunk.
            let cols = Reference.im2col(x, g, images: images)
            let lhs = zip(cols, c).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let rhs = zip(x.prefix(2 * g.channels * g.inputPlane), got).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            XCTAssertEqual(lhs, rhs, accuracy: 1e-4 * max(1, abs(lhs)), "adjoint identity fails for \(g)")
        }
    }

    func testUnpackAndPackAreTransposesWithBias() {
        let (o, plane, batch) = (40, 300, 4)
        let images = 1..<4
        let ycols = random(o * images.count * plane, seed: 70), bias = random(o, seed: 71)
        let y = storage(Array(repeating: 0, count: batch * o * plane))
        Im2Col.unpack(storage(ycols).base, channels: o, plane: plane, images: images, bias: storage(bias).base, into: y.base)
        let ya = array(y, batch * o * plane)
        for j in 0..<images.count { for ch in 0..<o { for t in 0..<plane {
            let want = ycols[(ch * images.count + j) * plane + t] + bias[ch]
            XCTAssertEqual(ya[((j + 1) * o + ch) * plane + t], want)
        } } }
        XCTAssertEqual(Array(ya[0..<(o * plane)]), Array(repeating: 0, count: o * plane), "image 0 is outside the chunk")

        let packed = TensorStorage(count: ycols.count)
        let db = storage(Array(repeating: 1, count: o))
        let dy = random(batch * o * plane, seed: 72)
        Im2Col.pack(storage(dy).base, channels: o, plane: plane, images: images, into: packed.base, biasGrad: db.base)
        let pa = array(packed, ycols.count), dba = array(db, o)
        for ch in 0..<o {
            var sum = 0.0
            for j in 0..<images.count { for t in 0..<plane {
                let v = dy[((j + 1) * o + ch) * plane + t]
                XCTAssertEqual(pa[(ch * images.count + j) * plane + t], v)
                sum += Double(v)
            } }
            XCTAssertEqual(Double(dba[ch]), 1 + sum, accuracy: 1e-3, "bias gradient of channel \(ch)")
        }
    }

    func testPoolingMatchesReference() {
        let cases = [WindowGeometry(channels: 16, height: 32, width: 32, kernel: 2, stride: 2),
                     WindowGeometry(channels: 5, height: 9, width: 23, kernel: 2, stride: 2),   // 11 outputs a row: a vector block and a tail
                     WindowGeometry(channels: 3, height: 7, width: 9, kernel: 3, stride: 2),
                     WindowGeometry(channels: 2, height: 6, width: 6, kernel: 2, stride: 1)]
        for (t, g) in cases.enumerated() {
            let n = 3
            var x = random(n * g.channels * g.inputPlane, seed: UInt64(90 + t))
            x[5] = x[4]   // a tie: the first index wins, as PyTorch
            let xs = storage(x)
            let out = n * g.channels * g.outputPlane
            let y = TensorStorage(count: out), arg = [Int32](repeating: -1, count: out)
            var argmax = arg
            argmax.withUnsafeMutableBufferPointer { Pooling.maxPool(xs.base, g, images: n, into: y.base, argmax: $0.baseAddress!) }
            let ref = Reference.maxPool(x, g, images: n)
            XCTAssertEqual(array(y, out), ref.values, "max \(g)")
            XCTAssertEqual(argmax, ref.argmax, "argmax \(g)")

            Pooling.avgPool(xs.base, g, images: n, into: y.base)
            let worst = largestDifference(Reference.avgPool(x, g, images: n), array(y, out))!
            XCTAssertLessThan(worst.absolute, 1e-5, "avg \(g): \(worst)")
        }
        let (planes, plane) = (300, 64)
        let x = random(planes * plane, seed: 99)
        let y = TensorStorage(count: planes)
        Pooling.globalAvgPool(storage(x).base, planes: planes, plane: plane, into: y.base)
        let worst = largestDifference(Reference.globalAvgPool(x, plane: plane), array(y, planes))!
        XCTAssertLessThan(worst.absolute, 1e-5, "global average: \(worst)")
    }

    /// The 2×2 stride-2 path of `maxPool` (eight outputs at a time) keeps the general loop's
    /// rules: ties go to the first element in row order, a window with a NaN gives its last NaN
    /// (value and index), in the vector blocks and in the tail.
    func testMaxPool2x2KeepsTheScansTiesAndNaNs() {
        let g = WindowGeometry(channels: 2, height: 4, width: 22, kernel: 2, stride: 2)   // 11 outputs a row
        var x = random(g.channels * g.inputPlane, seed: 97)
        func at(_ c: Int, _ h: Int, _ w: Int) -> Int { c * g.inputPlane + h * g.width + w }
        x[at(0, 0, 1)] = x[at(0, 0, 0)]; x[at(0, 1, 0)] = x[at(0, 0, 0)]                      // three-way tie, vector block
        x[at(0, 0, 21)] = x[at(0, 1, 20)]; x[at(0, 0, 20)] = -5; x[at(0, 1, 21)] = -5       // tie in the tail
        x[at(1, 2, 3)] = .nan; x[at(1, 3, 2)] = .nan                                        // two NaNs, vector block
        x[at(1, 0, 18)] = .nan                                                              // one NaN, tail
        let y = TensorStorage(count: g.channels * g.outputPlane)
        var argmax = [Int32](repeating: -1, count: g.channels * g.outputPlane)
        argmax.withUnsafeMutableBufferPointer { Pooling.maxPool(storage(x).base, g, images: 1, into: y.base, argmax: $0.baseAddress!) }
        for q in 0..<g.channels { for a in 0..<g.outHeight { for b in 0..<g.outWidth {
            var best = x[q * g.inputPlane + 2 * a * g.width + 2 * b], index = 2 * a * g.width + 2 * b
            for (kh, kw) in [(0, 1), (1, 0), (1, 1)] {
                let t = (2 * a + kh) * g.width + 2 * b + kw, v = x[q * g.inputPlane + t]
                if v > best || v.isNaN { (best, index) = (v, t) }
            }
            let o = q * g.outputPlane + a * g.outWidth + b
            XCTAssertEqual(argmax[o], Int32(index), "argmax at plane \(q), output (\(a), \(b))")
            XCTAssertEqual(y.base[o].bitPattern, best.bitPattern, "value at plane \(q), output (\(a), \(b))")
        } } }
        XCTAssertEqual(argmax[0], Int32(0), "the first of three equal elements")
        XCTAssertEqual(argmax[10], Int32(21), "the tail's tie goes to the first in row order (row 0 before row 1)")
        XCTAssertTrue(y.base[g.outputPlane + 1 * g.outWidth + 1].isNaN)
        XCTAssertEqual(argmax[g.outputPlane + 1 * g.outWidth + 1], Int32(3 * 22 + 2), "the last NaN of the window")
        XCTAssertEqual(argmax[g.outputPlane + 9], Int32(18), "a NaN in the tail")
    }

    /// The same input gives bit-identical columns and col2im sums on 1 and 2 threads.
    func testLoweringIsDeterministicAcrossThreadCounts() {
        let g = geometries.last!
        let x = storage(random(2 * g.channels * g.inputPlane, seed: 123))
        let count = g.columnRows * 2 * g.outputPlane
        var results: [[Float]] = []
        for threads in [1, 2] {
            Parallel.setThreads(threads)
            let cols = TensorStorage(count: count), dx = TensorStorage(count: 2 * g.channels * g.inputPlane)
            Im2Col.im2col(x.base, WindowOffsets(g), images: 0..<2, into: cols.base)
            Im2Col.col2im(cols.base, WindowOffsets(g), images: 0..<2, into: dx.base)
            results.append(array(cols, count) + array(dx, dx.count))
        }
        Parallel.setThreads(2)
        XCTAssertEqual(results[0], results[1])
    }
}
