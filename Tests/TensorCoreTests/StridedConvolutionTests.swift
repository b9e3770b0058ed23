import XCTest
@testable import TensorCore
import Stats
import TestSupport

/// `StridedConvolution` (the direct stride-2 forward and backward, AVX-512) against its plain
/// twins: the double-precision direct convolution and its gradients written from the definition,
/// and the `im2col` lowering on the same inputs. Skipped, saying so, on a CPU without AVX-512.
final class StridedConvolutionTests: XCTestCase {
    private var wasEnabled = true
    override func setUp() {
        Parallel.setThreads(2)
        wasEnabled = StridedConvolution.enabled
    }
    override func tearDown() {
        Parallel.setThreads(2)
        StridedConvolution.enabled = wasEnabled
    }

    private func requireKernel() throws {
        guard FusedWinograd.available else {
            throw XCTSkip("StridedConvolution: this CPU has no AVX-512F, so the direct kernel is never chosen here (the im2col path is tested elsewhere)")
        }
    }

    private struct Case { let c, o, h, w, k, n: Int }
    /// Every output width (16, 8, 4) at 3×3 and 1×1, one block per image and many, channel
    /// counts that are and are not multiples of 16, odd image counts over two lanes (the direct
    /// input gradient too, at widths 8 and 4 with several blocks).
    private let cases = [
        Case(c: 16, o: 32, h: 32, w: 32, k: 3, n: 3), Case(c: 3, o: 16, h: 2, w: 32, k: 3, n: 2),
        Case(c: 32, o: 64, h: 16, w: 16, k: 3, n: 3), Case(c: 5, o: 16, h: 4, w: 16, k: 3, n: 1),
        Case(c: 64, o: 128, h: 8, w: 8, k: 3, n: 2), Case(c: 7, o: 32, h: 16, w: 8, k: 3, n: 5),
        Case(c: 16, o: 32, h: 32, w: 32, k: 1, n: 3), Case(c: 32, o: 64, h: 16, w: 16, k: 1, n: 2),
        Case(c: 64, o: 16, h: 8, w: 8, k: 1, n: 3), Case(c: 16, o: 32, h: 16, w: 16, k: 3, n: 3),
        Case(c: 16, o: 16, h: 16, w: 8, k: 3, n: 3),
    ]

    private struct Inputs { let x, weight, bias: [Float] }

    private func inputs(_ t: Case, seed: UInt64) -> Inputs {
        let rng = RandomStream(seed: seed)
        let bound = 1 / Float(t.k * t.k * t.c).squareRoot()
        return Inputs(x: (0..<(t.n * t.c * t.h * t.w)).map { _ in rng.uniform(-1, 1) },
                      weight: (0..<(t.o * t.c * t.k * t.k)).map { _ in rng.uniform(-bound, bound) },
                      bias: (0..<t.o).map { _ in rng.uniform(-bound, bound) })
    }

    /// The plan for `t` with the direct kernel on or off, on `lanes` lanes (clamped to the batch).
    private func plan(_ t: Case, direct: Bool, lanes: Int? = 2) -> Convolution.Plan {
        let before = StridedConvolution.enabled
        StridedConvolution.enabled = direct
        defer { StridedConvolution.enabled = before }
        let g = WindowGeometry(channels: t.c, height: t.h, width: t.w, kernel: t.k, stride: 2, padding: t.k / 2)
        return Convolution.Plan(geometry: g, outChannels: t.o, batch: t.n, threads: 2, budget: 1 << 20, lanes: lanes)
    }

    /// The forward with `plan` (workspace filled with NaN, sentinels after it and after `y`).
    private func forward(_ t: Inputs, plan: Convolution.Plan, n: Int, bias: Bool, epilogue: OutputEpilogue = .none) -> [Float] {
        let workspace = GuardedStorage(count: plan.workspaceCount, filling: .nan)
        let ys = GuardedStorage(count: plan.outChannels * plan.geometry.outputPlane * n, filling: .nan)
        t.x.withUnsafeBufferPointer { x in t.weight.withUnsafeBufferPointer { w in t.bias.withUnsafeBufferPointer { b in
            Convolution.forward(x.baseAddress!, weight: w.baseAddress!, bias: bias ? b.baseAddress! : nil, epilogue: epilogue,
                                plan: plan, batch: n, workspace: workspace.base, into: ys.base)
        } } }
        workspace.assertIntact("the workspace")
        ys.assertIntact("the output")
        return ys.values
    }

    /// The backward with `plan`: weight gradient (accumulated onto 0.25), bias gradient, input
    /// gradient (workspace NaN-filled, sentinels after it and after `dx`).
    private func backward(_ t: Inputs, dy: [Float], plan: Convolution.Plan, n: Int) -> (dw: [Float], db: [Float], dx: [Float]) {
        let g = plan.geometry, o = plan.outChannels
        let workspace = GuardedStorage(count: plan.workspaceCount, filling: .nan)
        let dws = GuardedStorage(count: o * g.columnRows, filling: 0.25), dbs = GuardedStorage(count: o, filling: 0.25)
        let dxs = GuardedStorage(count: n * g.channels * g.inputPlane, filling: .nan)
        t.x.withUnsafeBufferPointer { x in t.weight.withUnsafeBufferPointer { w in dy.withUnsafeBufferPointer { d in
            Convolution.backward(x.baseAddress!, gradOutput: d.baseAddress!, weight: w.baseAddress!, weightGrad: dws.base,
                                 biasGrad: dbs.base, plan: plan, batch: n, workspace: workspace.base, gradInput: dxs.base)
        } } }
        workspace.assertIntact("the workspace")
        dxs.assertIntact("dx")
        dws.assertIntact("dw")
        dbs.assertIntact("db")
        return (dws.values, dbs.values, dxs.values)
    }

    /// `dx[c][2i + ky − p][2j + kx − p] += Σ_o w[o][c][ky][kx] · dy[o][i][j]`, in double.
    private func referenceInputGradient(_ t: Case, weight: [Float], dy: [Float]) -> [Double] {
        let oh = t.h / 2, ow = t.w / 2, p = t.k / 2
        var dx = [Double](repeating: 0, count: t.n * t.c * t.h * t.w)
        for n in 0..<t.n { for o in 0..<t.o { for i in 0..<oh { for j in 0..<ow {
            let g = Double(dy[((n * t.o + o) * oh + i) * ow + j])
            for c in 0..<t.c { for ky in 0..<t.k { for kx in 0..<t.k {
                let r = 2 * i + ky - p, s = 2 * j + kx - p
                guard r >= 0, r < t.h, s >= 0, s < t.w else { continue }
                dx[((n * t.c + c) * t.h + r) * t.w + s] += Double(weight[((o * t.c + c) * t.k + ky) * t.k + kx]) * g
            } } }
        } } } }
        return dx
    }

    /// `dw[o][c][ky][kx] = Σ_n Σ_ij dy[n][o][i][j] · x[n][c][2i + ky − p][2j + kx − p]` and
    /// `db[o] = Σ dy[n][o]` in double, each with the sum of its terms' magnitudes (the scale of
    /// its rounding error).
    private func referenceParameterGradients(_ t: Case, x: [Float], dy: [Float])
        -> (dw: [Double], dwScale: [Double], db: [Double], dbScale: [Double]) {
        let oh = t.h / 2, ow = t.w / 2, p = t.k / 2, rows = t.c * t.k * t.k
        var dw = [Double](repeating: 0, count: t.o * rows), dwScale = dw
        var db = [Double](repeating: 0, count: t.o), dbScale = db
        for n in 0..<t.n { for o in 0..<t.o { for i in 0..<oh { for j in 0..<ow {
            let g = Double(dy[((n * t.o + o) * oh + i) * ow + j])
            db[o] += g
            dbScale[o] += abs(g)
            for c in 0..<t.c { for ky in 0..<t.k { for kx in 0..<t.k {
                let r = 2 * i + ky - p, s = 2 * j + kx - p
                guard r >= 0, r < t.h, s >= 0, s < t.w else { continue }
                let term = g * Double(x[((n * t.c + c) * t.h + r) * t.w + s])
                dw[o * rows + (c * t.k + ky) * t.k + kx] += term
                dwScale[o * rows + (c * t.k + ky) * t.k + kx] += abs(term)
            } } }
        } } } }
        return (dw, dwScale, db, dbScale)
    }

    /// Asserts `got` is within `1e-6 · (the sum of |terms| + 1)` of `exact` (+ the 0.25 every
    /// gradient started from) at every entry: float sums of at most 768 products per block order.
    private func assertGradient(_ got: [Float], _ exact: [Double], scale: [Double], _ what: String) {
        XCTAssertEqual(got.count, exact.count, what)
        var worst = (index: -1, excess: 0.0)
        for i in got.indices {
            let excess = abs(Double(got[i]) - (exact[i] + 0.25)) / (1e-6 * (scale[i] + 1))
            if excess > worst.excess { worst = (i, excess) }
        }
        XCTAssertLessThan(worst.excess, 1, "\(what): entry \(worst.index) off by \(worst.excess)× the tolerance")
    }

    /// The direct backward against the definition in double precision and the im2col path:
    /// dx to 1e-5 of the largest |dx|, dw and db to 1e-6 of the sum of their terms' magnitudes;
    /// dx the same bits on one lane and two, dw and db the same bits from run to run; a two-lane
    /// plan called with one image; sentinels after every output. Where the
    /// input has fewer than a multiple of 16 channels, only the forward is direct; where the
    /// weight gradient is larger than `maximumWeightGradient` (64→128 at 3×3), it runs on the
    /// im2col path: the gradients are that path's bits then.
    func testBackwardMatchesTheDefinitionAndTheIm2ColPath() throws {
        try requireKernel()
        for (index, t) in cases.enumerated() {
            let x = inputs(t, seed: UInt64(700 + index))
            let rng = RandomStream(seed: UInt64(800 + index))
            let dy = (0..<(t.n * t.o * (t.h / 2) * (t.w / 2))).map { _ in rng.uniform(-1, 1) }
            let p = plan(t, direct: true)
            XCTAssertEqual(p.directInputGradient, t.c % 16 == 0, "case \(index) \(t)")
            XCTAssertEqual(p.directWeightGradient, t.c % 16 == 0 && t.o * t.c * t.k * t.k <= StridedConvolution.maximumWeightGradient,
                           "case \(index) \(t)")
            XCTAssertEqual(p.lanes, min(2, t.n), "case \(index): two lanes where the batch allows")
            let fast = backward(x, dy: dy, plan: p, n: t.n)
            let lowered = backward(x, dy: dy, plan: plan(t, direct: false), n: t.n)
            let exact = referenceInputGradient(t, weight: x.weight, dy: dy)
            let scale = exact.map(abs).max()!
            XCTAssertGreaterThan(scale, 0.1)
            let worst = largestDifference(exact, fast.dx.map(Double.init))!
            XCTAssertLessThan(worst.absolute, 1e-5 * scale, "case \(index) \(t): \(worst), largest |dx| \(scale)")
            let apart = largestDifference(lowered.dx.map(Double.init), fast.dx.map(Double.init))!
            XCTAssertLessThan(apart.absolute, 1e-5 * scale, "case \(index): direct and im2col differ by \(apart)")
            let parameters = referenceParameterGradients(t, x: x.x, dy: dy)
            for (name, result) in [("direct", fast), ("im2col", lowered)] {
                assertGradient(result.dw, parameters.dw, scale: parameters.dwScale, "case \(index) \(t), \(name) dw")
                assertGradient(result.db, parameters.db, scale: parameters.dbScale, "case \(index) \(t), \(name) db")
            }
            if !p.directWeightGradient {
                XCTAssertEqual(fast.dw.map(\.bitPattern), lowered.dw.map(\.bitPattern), "case \(index): weight gradient")
                XCTAssertEqual(fast.db.map(\.bitPattern), lowered.db.map(\.bitPattern), "case \(index): bias gradient")
            }
            let oneLane = backward(x, dy: dy, plan: plan(t, direct: true, lanes: 1), n: t.n)
            XCTAssertEqual(oneLane.dx.map(\.bitPattern), fast.dx.map(\.bitPattern), "case \(index): lanes changed the bits")
            assertGradient(oneLane.dw, parameters.dw, scale: parameters.dwScale, "case \(index) \(t), one lane's dw")
            let again = backward(x, dy: dy, plan: p, n: t.n)
            XCTAssertEqual(again.dw.map(\.bitPattern), fast.dw.map(\.bitPattern), "case \(index): dw changed between runs")
            XCTAssertEqual(again.db.map(\.bitPattern), fast.db.map(\.bitPattern), "case \(index): db changed between runs")
            // A two-lane plan given a smaller batch (one image: the lanes are clamped when called).
            let first = Case(c: t.c, o: t.o, h: t.h, w: t.w, k: t.k, n: 1)
            let firstDy = Array(dy.prefix(t.o * (t.h / 2) * (t.w / 2)))
            let single = backward(x, dy: firstDy, plan: p, n: 1)
            let singleExact = referenceParameterGradients(first, x: Array(x.x.prefix(t.c * t.h * t.w)), dy: firstDy)
            assertGradient(single.dw, singleExact.dw, scale: singleExact.dwScale, "case \(index) \(t), one image on a two-lane plan: dw")
            XCTAssertEqual(single.dx.map(\.bitPattern), Array(fast.dx.prefix(t.c * t.h * t.w)).map(\.bitPattern),
                           "case \(index): one image on a two-lane plan, dx")
        }
    }

    /// Without `dx`, the backward computes the same weight and bias gradients, bit for bit;
    /// without the weight gradient, the same `dx`: with the weight gradient direct (32→64) and
    /// on the im2col path beside a direct input gradient (64→128).
    func testBackwardComputesOnlyWhatIsAskedFor() throws {
        try requireKernel()
        for (t, directWeights) in [(Case(c: 32, o: 64, h: 16, w: 16, k: 3, n: 5), true), (Case(c: 64, o: 128, h: 8, w: 8, k: 3, n: 3), false)] {
            let x = inputs(t, seed: 91)
            let rng = RandomStream(seed: 92)
            let dy = (0..<(t.n * t.o * (t.h / 2) * (t.w / 2))).map { _ in rng.uniform(-1, 1) }
            let p = plan(t, direct: true)
            XCTAssertTrue(p.directInputGradient, "\(t)")
            XCTAssertEqual(p.directWeightGradient, directWeights, "\(t)")
            let both = backward(x, dy: dy, plan: p, n: t.n)
            let g = p.geometry
            let workspace = GuardedStorage(count: p.workspaceCount, filling: .nan)
            let dws = GuardedStorage(count: t.o * g.columnRows, filling: 0.25), dbs = GuardedStorage(count: t.o, filling: 0.25)
            let dxs = GuardedStorage(count: t.n * t.c * g.inputPlane, filling: .nan)
            x.x.withUnsafeBufferPointer { xp in x.weight.withUnsafeBufferPointer { w in dy.withUnsafeBufferPointer { d in
                Convolution.backward(xp.baseAddress!, gradOutput: d.baseAddress!, weight: w.baseAddress!, weightGrad: dws.base,
                                     biasGrad: dbs.base, plan: p, batch: t.n, workspace: workspace.base, gradInput: nil)
                Convolution.backward(xp.baseAddress!, gradOutput: d.baseAddress!, weight: w.baseAddress!, weightGrad: nil,
                                     biasGrad: nil, plan: p, batch: t.n, workspace: workspace.base, gradInput: dxs.base)
            } } }
            workspace.assertIntact("the workspace")
            dxs.assertIntact("dx")
            dws.assertIntact("dw")
            dbs.assertIntact("db")
            XCTAssertEqual(dws.values.map(\.bitPattern), both.dw.map(\.bitPattern), "\(t)")
            XCTAssertEqual(dbs.values.map(\.bitPattern), both.db.map(\.bitPattern), "\(t)")
            XCTAssertEqual(dxs.values.map(\.bitPattern), both.dx.map(\.bitPattern), "\(t)")
        }
    }

    /// Which shapes the kernel takes: stride 2 only, 3×3 with padding 1 or 1×1 without, output
    /// widths 16, 8, 4, output channels a multiple of 16.
    func testFitsOnlyTheShapesItComputes() {
        func fits(_ c: Int, _ o: Int, _ h: Int, _ w: Int, k: Int, s: Int = 2, p: Int? = nil) -> Bool {
            StridedConvolution.fits(WindowGeometry(channels: c, height: h, width: w, kernel: k, stride: s, padding: p ?? k / 2), outChannels: o)
        }
        XCTAssertTrue(fits(16, 32, 32, 32, k: 3))
        XCTAssertTrue(fits(64, 128, 8, 8, k: 3))
        XCTAssertTrue(fits(16, 32, 32, 32, k: 1))
        XCTAssertFalse(fits(16, 32, 32, 32, k: 3, s: 1), "stride 1")
        XCTAssertFalse(fits(16, 32, 32, 32, k: 3, p: 0), "3×3 without padding")
        XCTAssertFalse(fits(16, 24, 32, 32, k: 3), "24 output channels")
        XCTAssertFalse(fits(16, 32, 64, 64, k: 3), "output 32 wide")
        XCTAssertFalse(fits(16, 32, 4, 4, k: 3), "output 2 wide")
        XCTAssertFalse(fits(16, 32, 2, 16, k: 3), "one output row of 8: half a block")
        XCTAssertFalse(fits(16, 32, 32, 32, k: 5, p: 2), "5×5")
    }

    /// The forward against the direct convolution in double precision (tolerance 1e-5 of the
    /// largest |y|: float sums of at most 576 products) and against the im2col path (the same
    /// tolerance: GEMM sums in another order); the direct result is the same bits on one lane
    /// and two.
    func testForwardMatchesTheDefinitionAndTheIm2ColPath() throws {
        try requireKernel()
        for (index, t) in cases.enumerated() {
            let x = inputs(t, seed: UInt64(500 + index))
            let p = plan(t, direct: true)
            XCTAssertTrue(p.direct, "case \(index)")
            XCTAssertFalse(plan(t, direct: false).direct)
            let fast = forward(x, plan: p, n: t.n, bias: true)
            let lowered = forward(x, plan: plan(t, direct: false), n: t.n, bias: true)
            let exact = ReferenceLayers.conv2d(x.x.map(Double.init), weight: x.weight.map(Double.init), bias: x.bias.map(Double.init),
                                               channels: t.c, height: t.h, width: t.w, outChannels: t.o, kernel: t.k,
                                               stride: 2, padding: t.k / 2)
            let scale = exact.map(abs).max()!
            XCTAssertGreaterThan(scale, 0.1)
            let worst = largestDifference(exact, fast.map(Double.init))!
            XCTAssertLessThan(worst.absolute, 1e-5 * scale, "case \(index) \(t): \(worst), largest |y| \(scale)")
            let apart = largestDifference(lowered.map(Double.init), fast.map(Double.init))!
            XCTAssertLessThan(apart.absolute, 1e-5 * scale, "case \(index): direct and im2col differ by \(apart)")
            let oneLane = forward(x, plan: plan(t, direct: true, lanes: 1), n: t.n, bias: true)
            XCTAssertEqual(oneLane.map(\.bitPattern), fast.map(\.bitPattern), "case \(index): lanes changed the bits")
            let noBias = forward(x, plan: p, n: t.n, bias: false)
            let plane = (t.h / 2) * (t.w / 2)
            for i in stride(from: 0, to: noBias.count, by: 97) {
                let o = (i / plane) % t.o
                XCTAssertEqual(noBias[i] + x.bias[o], fast[i], accuracy: 1e-6, "case \(index): bias at \(i)")
            }
        }
    }

    /// The epilogue applied as each image is written gives the same bits as the plain forward
    /// followed by the separate pass.
    func testEpilogueEqualsTheSeparatePass() throws {
        try requireKernel()
        let t = Case(c: 16, o: 32, h: 16, w: 16, k: 3, n: 3)
        let x = inputs(t, seed: 61)
        let rng = RandomStream(seed: 62)
        let scale = (0..<t.o).map { _ in rng.uniform(0.5, 1.5) }, shift = (0..<t.o).map { _ in rng.uniform(-0.5, 0.5) }
        let p = plan(t, direct: true)
        XCTAssertTrue(p.direct)
        let plain = forward(x, plan: p, n: t.n, bias: false)
        scale.withUnsafeBufferPointer { a in shift.withUnsafeBufferPointer { b in
            let e = OutputEpilogue(scale: a.baseAddress!, shift: b.baseAddress!, relu: true)
            var expected = plain
            expected.withUnsafeMutableBufferPointer { e.apply($0.baseAddress!, channels: t.o, plane: 64, images: 0..<t.n) }
            XCTAssertGreaterThan(expected.filter { $0 == 0 }.count, 0, "the ReLU clips some values")
            let fused = forward(x, plan: p, n: t.n, bias: false, epilogue: e)
            XCTAssertEqual(fused.map(\.bitPattern), expected.map(\.bitPattern))
        } }
    }
}
