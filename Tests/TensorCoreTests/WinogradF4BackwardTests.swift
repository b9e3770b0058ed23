import XCTest
@testable import TensorCore
import Stats
import TestSupport

/// `WinogradF4.backward` (F(4×4, 3×3) training) against its plain twins: the weight, bias and
/// input gradients of the direct convolution in double precision, written from the definitions.
final class WinogradF4BackwardTests: XCTestCase {
    override func setUp() { Parallel.setThreads(2) }
    override func tearDown() { Parallel.setThreads(2) }

    /// The exact gradients of `y = conv3x3(x, W) + b` (stride 1, padding 1) for upstream `dy`:
    /// `dW[o,c,kh,kw] = Σ dy[n,o,i,j]·x[n,c,i−1+kh,j−1+kw]`, `db[o] = Σ dy[n,o,·,·]`,
    /// `dx[n,c,p,q] = Σ W[o,c,kh,kw]·dy[n,o,p+1−kh,q+1−kw]` (terms outside the image are 0).
    private func exactGradients(x: [Double], weight: [Double], dy: [Double], n: Int, c: Int, o: Int, h: Int, w: Int)
        -> (dw: [Double], db: [Double], dx: [Double]) {
        var dw = [Double](repeating: 0, count: o * c * 9), db = [Double](repeating: 0, count: o)
        var dx = [Double](repeating: 0, count: n * c * h * w)
        for im in 0..<n { for oc in 0..<o { for i in 0..<h { for j in 0..<w {
            let g = dy[((im * o + oc) * h + i) * w + j]
            db[oc] += g
            for ic in 0..<c { for kh in 0..<3 { for kw in 0..<3 {
                let p = i - 1 + kh, q = j - 1 + kw
                guard p >= 0, p < h, q >= 0, q < w else { continue }
                dw[(oc * c + ic) * 9 + kh * 3 + kw] += g * x[((im * c + ic) * h + p) * w + q]
                dx[((im * c + ic) * h + p) * w + q] += g * weight[(oc * c + ic) * 9 + kh * 3 + kw]
            } } }
        } } } }
        return (dw, db, dx)
    }

    private struct Result { let dw: [Float], db: [Float], dx: [Float]; let exact: (dw: [Double], db: [Double], dx: [Double]) }

    /// One backward of `n` random images with gradients pre-filled with `prefill` (they must be
    /// accumulated into), the workspace filled with NaN (a read of unwritten scratch would show)
    /// and sentinels after the workspace and `dx` that must survive.
    private func run(c: Int, o: Int, h: Int, w: Int, n: Int, lanes: Int?, budget: Int, seed: UInt64,
                     weightGradient: Bool = true, inputGradient: Bool = true, prefill: Float = 0.25) -> Result {
        let rng = RandomStream(seed: seed)
        let bound = 1 / Float(9 * c).squareRoot()
        let x = (0..<(n * c * h * w)).map { _ in rng.uniform(-1, 1) }
        let weight = (0..<(o * c * 9)).map { _ in rng.uniform(-bound, bound) }
        let dy = (0..<(n * o * h * w)).map { _ in rng.uniform(-1, 1) }
        let plan = WinogradF4.Plan(channels: c, outChannels: o, height: h, width: w, batch: n, threads: 2, budget: budget, lanes: lanes)
        let gplan = plan.inputGradientPlan(batch: n, threads: 2, budget: budget)
        let count = plan.backwardWorkspaceCount(inputGradientPlan: gplan)
        let guardFloats = 256, sentinel = Float(bitPattern: 0x7fc0_1234)
        let workspace = TensorStorage(count: count + guardFloats)
        workspace.base.update(repeating: .nan, count: count)
        (workspace.base + count).update(repeating: sentinel, count: guardFloats)
        let xs = TensorStorage(count: x.count), ws = TensorStorage(count: weight.count), dys = TensorStorage(count: dy.count)
        xs.tensor(Shape(x.count)).copy(from: x)
        ws.tensor(Shape(weight.count)).copy(from: weight)
        dys.tensor(Shape(dy.count)).copy(from: dy)
        let dws = TensorStorage(count: weight.count), dbs = TensorStorage(count: o)
        dws.base.update(repeating: prefill, count: weight.count)
        dbs.base.update(repeating: prefill, count: o)
        let dxs = TensorStorage(count: x.count + guardFloats)
        dxs.base.update(repeating: .nan, count: x.count)
        (dxs.base + x.count).update(repeating: sentinel, count: guardFloats)
        WinogradF4.backward(xs.base, gradOutput: dys.base, weight: ws.base, weightGrad: weightGradient ? dws.base : nil,
                            biasGrad: weightGradient ? dbs.base : nil, plan: plan, inputGradientPlan: gplan, batch: n,
                            workspace: workspace.base, gradInput: inputGradient ? dxs.base : nil)
        for i in 0..<guardFloats {
            XCTAssertEqual(workspace.base[count + i].bitPattern, sentinel.bitPattern, "wrote past the workspace at +\(i)")
            XCTAssertEqual(dxs.base[x.count + i].bitPattern, sentinel.bitPattern, "wrote past dx at +\(i)")
        }
        let exact = exactGradients(x: x.map(Double.init), weight: weight.map(Double.init), dy: dy.map(Double.init),
                                   n: n, c: c, o: o, h: h, w: w)
        return Result(dw: dws.tensor(Shape(weight.count)).toArray().map { $0 - prefill },
                      db: dbs.tensor(Shape(o)).toArray().map { $0 - prefill },
                      dx: dxs.tensor(Shape(x.count)).toArray(), exact: exact)
    }

    /// Every shape class of the forward's test (one tile per image, partial tiles at the bottom
    /// and right, 8- and 9-tile rows, 1×1, one and two lanes, several chunks per lane with a short
    /// last one, channel counts that are not multiples of 8) against the exact gradients.
    ///
    /// Tolerance: 5e-5 of the largest exact magnitude of each gradient (F(4×4)'s transforms scale
    /// by up to 8 and 1/24; the weight gradient sums `n·H·W` products in the transformed domain).
    /// The largest relative errors seen are printed.
    func testBackwardMatchesTheDirectGradients() {
        struct Case { let c, o, h, w, n: Int; let lanes: Int?; let budget: Int }
        let cases = [
            Case(c: 8, o: 5, h: 4, w: 4, n: 3, lanes: nil, budget: 1 << 20),
            Case(c: 8, o: 6, h: 7, w: 6, n: 3, lanes: 1, budget: 1 << 20),
            Case(c: 9, o: 3, h: 17, w: 17, n: 2, lanes: 2, budget: 1 << 20),
            Case(c: 16, o: 8, h: 32, w: 32, n: 4, lanes: 2, budget: 1 << 20),
            Case(c: 8, o: 4, h: 1, w: 1, n: 2, lanes: nil, budget: 1 << 20),
            Case(c: 8, o: 3, h: 36, w: 35, n: 2, lanes: 1, budget: 1 << 20),
            Case(c: 8, o: 3, h: 21, w: 19, n: 3, lanes: 1, budget: 256),
            Case(c: 64, o: 16, h: 8, w: 8, n: 5, lanes: 2, budget: 1 << 20),
            Case(c: 13, o: 70, h: 6, w: 10, n: 3, lanes: 2, budget: 256),
            // Several chunks in a lane (dU summed over chunks with beta 1, row buffers reused, a
            // short last chunk): 64×61 maps fill a chunk with one image; 32×32, 9 images, chunks of 4.
            Case(c: 8, o: 3, h: 64, w: 61, n: 3, lanes: 1, budget: 256),
            Case(c: 8, o: 5, h: 64, w: 61, n: 5, lanes: 2, budget: 256),
            Case(c: 8, o: 3, h: 32, w: 32, n: 9, lanes: 1, budget: 256),
        ]
        var worst = (dw: 0.0, db: 0.0, dx: 0.0)
        for (index, t) in cases.enumerated() {
            let r = run(c: t.c, o: t.o, h: t.h, w: t.w, n: t.n, lanes: t.lanes, budget: t.budget, seed: UInt64(300 + index))
            let label = "case \(index) \(t.c)→\(t.o) \(t.h)×\(t.w) n \(t.n)"
            if t.h * t.w >= 1024 && t.budget == 256 {
                let plan = WinogradF4.Plan(channels: t.c, outChannels: t.o, height: t.h, width: t.w, batch: t.n, threads: 2,
                                           budget: t.budget, lanes: t.lanes)
                XCTAssertLessThan(plan.imagesPerChunk, (t.n + plan.lanes - 1) / plan.lanes, "\(label) should run in chunks")
            }
            func check(_ exact: [Double], _ fast: [Float], _ name: String) -> Double {
                let scale = exact.map(abs).max()!
                let d = largestDifference(exact, fast.map(Double.init))!
                XCTAssertGreaterThan(scale, 0.05, "\(label) \(name)")
                XCTAssertLessThan(d.absolute, 5e-5 * scale, "\(label) \(name): \(d), largest |exact| \(scale)")
                return d.absolute / scale
            }
            worst.dw = max(worst.dw, check(r.exact.dw, r.dw, "dW"))
            worst.db = max(worst.db, check(r.exact.db, r.db, "db"))
            worst.dx = max(worst.dx, check(r.exact.dx, r.dx, "dx"))
        }
        print("WinogradF4 backward: largest error / largest |exact| over the cases: dW \(worst.dw), db \(worst.db), dx \(worst.dx)")
    }

    /// The weight gradient alone, the input gradient alone and both give the same bits for what
    /// they compute; two runs give the same bits (the split depends only on the sizes).
    func testPartsAndRepeatsAreBitIdentical() {
        let both = run(c: 16, o: 9, h: 12, w: 11, n: 4, lanes: 2, budget: 256, seed: 5)
        let again = run(c: 16, o: 9, h: 12, w: 11, n: 4, lanes: 2, budget: 256, seed: 5)
        let weightsOnly = run(c: 16, o: 9, h: 12, w: 11, n: 4, lanes: 2, budget: 256, seed: 5, inputGradient: false)
        let inputOnly = run(c: 16, o: 9, h: 12, w: 11, n: 4, lanes: 2, budget: 256, seed: 5, weightGradient: false)
        XCTAssertEqual(both.dw.map(\.bitPattern), again.dw.map(\.bitPattern))
        XCTAssertEqual(both.dx.map(\.bitPattern), again.dx.map(\.bitPattern))
        XCTAssertEqual(both.dw.map(\.bitPattern), weightsOnly.dw.map(\.bitPattern))
        XCTAssertEqual(both.db.map(\.bitPattern), weightsOnly.db.map(\.bitPattern))
        XCTAssertEqual(both.dx.map(\.bitPattern), inputOnly.dx.map(\.bitPattern))
        XCTAssertTrue(inputOnly.dw.allSatisfy { $0 == 0 }, "no weight gradient asked for, none accumulated")
    }

    /// `flipFilters` against its definition `W′[c, o, a, b] = W[o, c, 2 − a, 2 − b]`.
    func testFlipFilters() {
        let o = 3, c = 5
        let weight = (0..<(o * c * 9)).map { Float($0) }
        var flipped = [Float](repeating: -1, count: weight.count)
        weight.withUnsafeBufferPointer { src in
            flipped.withUnsafeMutableBufferPointer { WinogradF4.flipFilters(src.baseAddress!, outChannels: o, channels: c, into: $0.baseAddress!) }
        }
        for oi in 0..<o { for ci in 0..<c { for a in 0..<3 { for b in 0..<3 {
            XCTAssertEqual(flipped[((ci * o + oi) * 3 + a) * 3 + b], weight[((oi * c + ci) * 3 + (2 - a)) * 3 + (2 - b)])
        } } } }
    }

    /// The AVX-512 output-gradient transform (`masklab_f4_output_gradient_transform`, what
    /// `transformOutputGradient` runs on this CPU) gives exactly the bits of its Swift twin
    /// `transformOutputGradientPortable` on `F4TransformCheck.cases`; `dM` and the row buffers
    /// start as NaN.
    func testVectorOutputGradientTransformGivesThePortableBits() throws {
        guard WinogradF4.vectorTransforms else {
            throw XCTSkip("transformOutputGradient runs the portable version only here (no AVX-512, or MASKLAB_F4_VECTOR_TRANSFORMS=0)")
        }
        for (index, k) in F4TransformCheck.cases.enumerated() {
            let rng = RandomStream(seed: 70 + UInt64(index))
            let dy = (0..<(k.n * k.channels * k.h * k.w)).map { _ in rng.uniform(-1, 1) }
            let plan = WinogradF4.Plan(channels: 1, outChannels: k.channels, height: k.h, width: k.w, batch: k.n, threads: 1,
                                       budget: 1 << 20, lanes: 1)
            let tiles = k.images.count * plan.tilesPerImage, count = 36 * k.channels * tiles
            func transform(scratch: Int, offset: Int,
                           _ f: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> [Float] {
                F4TransformCheck.run("case \(index)", scratchCount: scratch, offset: offset, outputCount: count) { rows, dm in
                    dy.withUnsafeBufferPointer { f($0.baseAddress!, rows, dm) }
                }
            }
            let vector = transform(scratch: F4TransformCheck.vectorScratch(tiles: tiles), offset: index % 16) {
                WinogradF4.transformOutputGradient($0, plan: plan, images: k.images, rows: $1, into: $2)
            }
            let portable = transform(scratch: plan.inputBuffers, offset: 0) {
                WinogradF4.transformOutputGradientPortable($0, plan: plan, images: k.images, rows: $1, into: $2)
            }
            XCTAssertFalse(portable.contains { $0.isNaN }, "case \(index): the portable transform left dM entries unwritten")
            let differing = F4TransformCheck.differing(vector, portable)
            XCTAssertEqual(differing, 0, "case \(index) (\(k.channels) channels, \(k.h)×\(k.w), images \(k.images)): \(differing) of \(count) dM entries differ")
        }
    }
}
