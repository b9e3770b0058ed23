import XCTest
@testable import TensorCore
import Stats
import TestSupport

/// `FusedWinograd` (F(2×2, 3×3) per block of 16 tiles, AVX-512) against its plain twins: the
/// double-precision direct convolution and its gradients written from the definitions, and the
/// unfused `Winograd` path on the same inputs. Skipped, saying so, on a CPU without AVX-512.
final class FusedWinogradTests: XCTestCase {
    override func setUp() { Parallel.setThreads(2) }
    override func tearDown() { Parallel.setThreads(2) }

    private func requireKernel() throws {
        guard FusedWinograd.available else {
            throw XCTSkip("FusedWinograd: this CPU has no AVX-512F, so the fused kernel is never chosen here (the unfused path is tested elsewhere)")
        }
    }

    private struct Inputs { let x, weight, bias, dy: [Float] }

    private func inputs(c: Int, o: Int, h: Int, w: Int, n: Int, seed: UInt64) -> Inputs {
        let rng = RandomStream(seed: seed)
        let bound = 1 / Float(9 * c).squareRoot()
        return Inputs(x: (0..<(n * c * h * w)).map { _ in rng.uniform(-1, 1) },
                      weight: (0..<(o * c * 9)).map { _ in rng.uniform(-bound, bound) },
                      bias: (0..<o).map { _ in rng.uniform(-bound, bound) },
                      dy: (0..<(n * o * h * w)).map { _ in rng.uniform(-1, 1) })
    }

    /// The forward with `plan` (workspace filled with NaN, sentinels after it and after `y`).
    private func forward(_ t: Inputs, plan: Winograd.Plan, n: Int, bias: Bool, epilogue: OutputEpilogue = .none) -> [Float] {
        let workspace = GuardedStorage(count: plan.workspaceCount, filling: .nan)
        let ys = GuardedStorage(count: plan.outChannels * plan.height * plan.width * n, filling: .nan)
        t.x.withUnsafeBufferPointer { x in t.weight.withUnsafeBufferPointer { w in t.bias.withUnsafeBufferPointer { b in
            Winograd.forward(x.baseAddress!, weight: w.baseAddress!, bias: bias ? b.baseAddress! : nil, epilogue: epilogue,
                             plan: plan, batch: n, workspace: workspace.base, into: ys.base)
        } } }
        workspace.assertIntact("the workspace")
        ys.assertIntact("the output")
        return ys.values
    }

    /// The backward with `plan`: weight gradient (accumulated onto 0.25), bias gradient, input
    /// gradient (empty without `inputGradient`: a first layer's backward).
    private func backward(_ t: Inputs, plan: Winograd.Plan, n: Int, inputGradient: Bool = true) -> (dw: [Float], db: [Float], dx: [Float]) {
        let c = plan.channels, o = plan.outChannels
        let workspace = GuardedStorage(count: plan.workspaceCount, filling: .nan)
        let dws = TensorStorage(count: 9 * o * c), dbs = TensorStorage(count: o)
        let dxs = GuardedStorage(count: n * c * plan.height * plan.width, filling: .nan)
        dws.base.update(repeating: 0.25, count: 9 * o * c)
        dbs.base.update(repeating: 0.25, count: o)
        t.x.withUnsafeBufferPointer { x in t.weight.withUnsafeBufferPointer { w in t.dy.withUnsafeBufferPointer { dy in
            Winograd.backward(x.baseAddress!, gradOutput: dy.baseAddress!, weight: w.baseAddress!, weightGrad: dws.base,
                              biasGrad: dbs.base, plan: plan, batch: n, workspace: workspace.base, gradInput: inputGradient ? dxs.base : nil)
        } } }
        workspace.assertIntact("the workspace")
        dxs.assertIntact("dx")
        return (Array(UnsafeBufferPointer(start: dws.base, count: 9 * o * c)).map { $0 - 0.25 },
                Array(UnsafeBufferPointer(start: dbs.base, count: o)).map { $0 - 0.25 },
                inputGradient ? dxs.values : [])
    }

    /// `dx[n,c,p,q] = Σ W[o,c,kh,kw]·dy[n,o,p+1−kh,q+1−kw]` (terms outside the image are 0).
    private func exactInputGradient(_ t: Inputs, n: Int, c: Int, o: Int, h: Int, w: Int) -> [Double] {
        var dx = [Double](repeating: 0, count: n * c * h * w)
        for im in 0..<n { for oc in 0..<o { for i in 0..<h { for j in 0..<w {
            let g = Double(t.dy[((im * o + oc) * h + i) * w + j])
            for ic in 0..<c { for kh in 0..<3 { for kw in 0..<3 {
                let p = i - 1 + kh, q = j - 1 + kw
                guard p >= 0, p < h, q >= 0, q < w else { continue }
                dx[((im * c + ic) * h + p) * w + q] += g * Double(t.weight[(oc * c + ic) * 9 + kh * 3 + kw])
            } } }
        } } } }
        return dx
    }

    /// `dW[o,c,kh,kw] = Σ_{n,i,j} dy[n,o,i,j]·x[n,c,i−1+kh,j−1+kw]` (terms outside the image are 0).
    private func exactWeightGradient(_ t: Inputs, n: Int, c: Int, o: Int, h: Int, w: Int) -> [Double] {
        var dw = [Double](repeating: 0, count: o * c * 9)
        for im in 0..<n { for oc in 0..<o { for i in 0..<h { for j in 0..<w {
            let g = Double(t.dy[((im * o + oc) * h + i) * w + j])
            for ic in 0..<c { for kh in 0..<3 { for kw in 0..<3 {
                let p = i - 1 + kh, q = j - 1 + kw
                guard p >= 0, p < h, q >= 0, q < w else { continue }
                dw[(oc * c + ic) * 9 + kh * 3 + kw] += g * Double(t.x[((im * c + ic) * h + p) * w + q])
            } } }
        } } } }
        return dw
    }

    private struct Case { let c, o, h, w, n: Int }
    /// Every width, one block per image (2×32, 4×16, 8×8) and many, blocks holding several
    /// images (2×16, 4×8, 4×4, 2×4) with a last block short of images, more input than output
    /// channels and the reverse, the widest channels the small maps take, odd image counts over two lanes.
    private let cases = [
        Case(c: 16, o: 16, h: 32, w: 32, n: 3), Case(c: 16, o: 16, h: 2, w: 32, n: 2), Case(c: 32, o: 16, h: 16, w: 16, n: 3),
        Case(c: 16, o: 32, h: 16, w: 16, n: 2), Case(c: 32, o: 32, h: 4, w: 16, n: 5), Case(c: 16, o: 32, h: 6, w: 32, n: 1),
        Case(c: 16, o: 16, h: 2, w: 16, n: 3), Case(c: 64, o: 64, h: 8, w: 8, n: 3), Case(c: 16, o: 32, h: 16, w: 8, n: 2),
        Case(c: 32, o: 16, h: 4, w: 8, n: 3), Case(c: 128, o: 128, h: 4, w: 4, n: 6), Case(c: 32, o: 16, h: 4, w: 4, n: 5),
        Case(c: 16, o: 48, h: 2, w: 4, n: 9),
    ]

    private func plan(_ t: Case, fused: Bool, lanes: Int? = nil) -> Winograd.Plan {
        Winograd.Plan(channels: t.c, outChannels: t.o, height: t.h, width: t.w, batch: t.n, threads: 2, budget: 1 << 20,
                      lanes: lanes, fused: fused)
    }

    /// The forward against the direct convolution in double precision (tolerance 1e-5 of the
    /// largest |y|, as F(2×2)'s transforms scale by at most 4) and against the unfused path (the
    /// same tolerance: the products sum in another order).
    func testForwardMatchesTheDirectConvolutionAndTheUnfusedPath() throws {
        try requireKernel()
        for (index, t) in cases.enumerated() {
            let inputs = inputs(c: t.c, o: t.o, h: t.h, w: t.w, n: t.n, seed: UInt64(300 + index))
            let p = plan(t, fused: true)
            XCTAssertTrue(p.fused)
            let fast = forward(inputs, plan: p, n: t.n, bias: true)
            let unfused = forward(inputs, plan: plan(t, fused: false), n: t.n, bias: true)
            let exact = ReferenceLayers.conv2d(inputs.x.map(Double.init), weight: inputs.weight.map(Double.init),
                                               bias: inputs.bias.map(Double.init), channels: t.c, height: t.h, width: t.w,
                                               outChannels: t.o, kernel: 3, stride: 1, padding: 1)
            let scale = exact.map(abs).max()!
            XCTAssertGreaterThan(scale, 0.1)
            let worst = largestDifference(exact, fast.map(Double.init))!
            XCTAssertLessThan(worst.absolute, 1e-5 * scale, "case \(index) \(t.c)→\(t.o) \(t.h)×\(t.w): \(worst), largest |y| \(scale)")
            let apart = largestDifference(unfused.map(Double.init), fast.map(Double.init))!
            XCTAssertLessThan(apart.absolute, 1e-5 * scale, "case \(index): fused and unfused differ by \(apart)")
        }
    }

    /// The epilogue (affine map, residual with its own affine map, ReLU) applied as each image is
    /// written gives the same bits as the plain forward followed by the separate pass.
    func testEpilogueEqualsTheSeparatePass() throws {
        try requireKernel()
        let t = Case(c: 16, o: 32, h: 16, w: 16, n: 3)
        let inputs = inputs(c: t.c, o: t.o, h: t.h, w: t.w, n: t.n, seed: 41)
        let rng = RandomStream(seed: 42)
        let scale = (0..<t.o).map { _ in rng.uniform(0.5, 1.5) }, shift = (0..<t.o).map { _ in rng.uniform(-0.5, 0.5) }
        let rs = (0..<t.o).map { _ in rng.uniform(0.5, 1.5) }, rb = (0..<t.o).map { _ in rng.uniform(-0.5, 0.5) }
        let residual = (0..<(t.n * t.o * t.h * t.w)).map { _ in rng.uniform(-1, 1) }
        scale.withUnsafeBufferPointer { a in shift.withUnsafeBufferPointer { b in rs.withUnsafeBufferPointer { ra in
            rb.withUnsafeBufferPointer { rbb in residual.withUnsafeBufferPointer { r in
                let e = OutputEpilogue(scale: a.baseAddress!, shift: b.baseAddress!, residual: r.baseAddress!,
                                       residualScale: ra.baseAddress!, residualShift: rbb.baseAddress!, relu: true)
                let fusedEpilogue = forward(inputs, plan: plan(t, fused: true), n: t.n, bias: true, epilogue: e)
                var separate = forward(inputs, plan: plan(t, fused: true), n: t.n, bias: true)
                separate.withUnsafeMutableBufferPointer { e.apply($0.baseAddress!, channels: t.o, plane: t.h * t.w, images: 0..<t.n) }
                XCTAssertEqual(fusedEpilogue.map(\.bitPattern), separate.map(\.bitPattern))
                XCTAssertTrue(fusedEpilogue.contains(0) && fusedEpilogue.contains { $0 > 0 }, "the ReLU should cut some values")
            } }
        } } }
    }

    /// The fused input and weight gradients against `dx` and `dW` from the definitions (tolerance
    /// 1e-5 of the largest |dx|, 2e-5 of the largest |dW|: its sums run over every pixel of the
    /// batch) and against the unfused path (the same tolerances); the bias gradient, the same
    /// per-channel sum either way, has the same bits as the unfused plan's; without the input
    /// gradient (a first layer) `dW` and `db` have the same bits as with it.
    func testBackwardMatchesTheDirectGradients() throws {
        try requireKernel()
        for (index, t) in cases.enumerated() {
            let inputs = inputs(c: t.c, o: t.o, h: t.h, w: t.w, n: t.n, seed: UInt64(400 + index))
            let fast = backward(inputs, plan: plan(t, fused: true), n: t.n)
            let unfused = backward(inputs, plan: plan(t, fused: false), n: t.n)
            let exact = exactInputGradient(inputs, n: t.n, c: t.c, o: t.o, h: t.h, w: t.w)
            let scale = exact.map(abs).max()!
            let worst = largestDifference(exact, fast.dx.map(Double.init))!
            XCTAssertLessThan(worst.absolute, 1e-5 * scale, "case \(index) \(t.c)→\(t.o) \(t.h)×\(t.w): dx \(worst), largest \(scale)")
            let apart = largestDifference(unfused.dx.map(Double.init), fast.dx.map(Double.init))!
            XCTAssertLessThan(apart.absolute, 1e-5 * scale, "case \(index): fused and unfused dx differ by \(apart)")
            let exactW = exactWeightGradient(inputs, n: t.n, c: t.c, o: t.o, h: t.h, w: t.w)
            let scaleW = exactW.map(abs).max()!
            XCTAssertGreaterThan(scaleW, 0.1)
            let worstW = largestDifference(exactW, fast.dw.map(Double.init))!
            XCTAssertLessThan(worstW.absolute, 2e-5 * scaleW, "case \(index) \(t.c)→\(t.o) \(t.h)×\(t.w): dW \(worstW), largest \(scaleW)")
            let apartW = largestDifference(unfused.dw.map(Double.init), fast.dw.map(Double.init))!
            XCTAssertLessThan(apartW.absolute, 2e-5 * scaleW, "case \(index): fused and unfused dW differ by \(apartW)")
            XCTAssertEqual(fast.db.map(\.bitPattern), unfused.db.map(\.bitPattern), "case \(index): bias gradient")
            let weightsOnly = backward(inputs, plan: plan(t, fused: true), n: t.n, inputGradient: false)
            XCTAssertEqual(weightsOnly.dw.map(\.bitPattern), fast.dw.map(\.bitPattern), "case \(index): dW without dx")
            XCTAssertEqual(weightsOnly.db.map(\.bitPattern), fast.db.map(\.bitPattern), "case \(index): db without dx")
        }
    }

    /// One lane or two, one thread or two: the forward and `dx` have the same bits (each image is
    /// computed alone); `dW`, summed per lane and then over the lanes in order, has the same bits
    /// for the same lane count whether one thread or two runs the lanes, and run to run.
    func testLanesAndThreadsDoNotChangeTheBits() throws {
        try requireKernel()
        defer { Parallel.fixRoundTrip(nanoseconds: nil); Parallel.fixComputeSpeedup(nil) }
        // At 4×4 a call takes four images per block, so one lane (blocks of images 0–3, 4) and
        // two (0–1 and 2–4) put other images beside each other.
        for t in [Case(c: 16, o: 16, h: 32, w: 32, n: 5), Case(c: 32, o: 16, h: 4, w: 4, n: 5)] {
            let inputs = inputs(c: t.c, o: t.o, h: t.h, w: t.w, n: t.n, seed: 77)
            let one = forward(inputs, plan: plan(t, fused: true, lanes: 1), n: t.n, bias: true)
            let two = forward(inputs, plan: plan(t, fused: true, lanes: 2), n: t.n, bias: true)
            let g1 = backward(inputs, plan: plan(t, fused: true, lanes: 1), n: t.n)
            // Two lanes on the pool (the cost model told to spread every region), then in order on the calling thread.
            Parallel.fixRoundTrip(nanoseconds: 0)
            Parallel.fixComputeSpeedup(2)
            let g2 = backward(inputs, plan: plan(t, fused: true, lanes: 2), n: t.n)
            let g2again = backward(inputs, plan: plan(t, fused: true, lanes: 2), n: t.n)
            Parallel.fixRoundTrip(nanoseconds: 1_000_000_000)
            let g2single = backward(inputs, plan: plan(t, fused: true, lanes: 2), n: t.n)
            Parallel.fixRoundTrip(nanoseconds: nil)
            Parallel.fixComputeSpeedup(nil)
            Parallel.setThreads(1)
            let single = forward(inputs, plan: plan(t, fused: true, lanes: 1), n: t.n, bias: true)
            Parallel.setThreads(2)
            let label = "\(t.c)→\(t.o) \(t.h)×\(t.w)"
            XCTAssertEqual(one.map(\.bitPattern), two.map(\.bitPattern), label)
            XCTAssertEqual(one.map(\.bitPattern), single.map(\.bitPattern), label)
            XCTAssertEqual(g1.dx.map(\.bitPattern), g2.dx.map(\.bitPattern), label)
            XCTAssertEqual(g2.dw.map(\.bitPattern), g2again.dw.map(\.bitPattern), label)
            XCTAssertEqual(g2.dw.map(\.bitPattern), g2single.dw.map(\.bitPattern), label)
            XCTAssertNotEqual(g1.dw.map(\.bitPattern), g2.dw.map(\.bitPattern), "\(label): two lanes sum their images' dU in another order")
        }
    }

    /// Which shapes the kernel takes, and that plans choose it only when it fits and is enabled.
    func testPlansChooseTheKernelOnlyWhereItFits() {
        XCTAssertTrue(FusedWinograd.fits(channels: 16, outChannels: 16, height: 32, width: 32))
        XCTAssertTrue(FusedWinograd.fits(channels: 32, outChannels: 16, height: 16, width: 16))
        XCTAssertTrue(FusedWinograd.fits(channels: 64, outChannels: 64, height: 8, width: 8))
        XCTAssertTrue(FusedWinograd.fits(channels: 16, outChannels: 16, height: 4, width: 8), "two 4×8 images per block")
        XCTAssertTrue(FusedWinograd.fits(channels: 128, outChannels: 128, height: 4, width: 4))
        XCTAssertTrue(FusedWinograd.fits(channels: 16, outChannels: 16, height: 2, width: 16), "two 2×16 images per block")
        XCTAssertFalse(FusedWinograd.fits(channels: 16, outChannels: 16, height: 6, width: 8), "3 tile rows against a block's 4")
        XCTAssertFalse(FusedWinograd.fits(channels: 16, outChannels: 16, height: 6, width: 4), "3 tile rows against a block's 8")
        XCTAssertFalse(FusedWinograd.fits(channels: 16, outChannels: 16, height: 8, width: 12), "width 12")
        XCTAssertFalse(FusedWinograd.fits(channels: 256, outChannels: 128, height: 4, width: 4), "wider than maximumChannelsOnSmallMaps")
        XCTAssertFalse(FusedWinograd.fits(channels: 64, outChannels: 64, height: 16, width: 16), "wider than maximumChannels at width 16")
        XCTAssertFalse(FusedWinograd.fits(channels: 16, outChannels: 16, height: 31, width: 32), "odd height")
        XCTAssertFalse(FusedWinograd.fits(channels: 16, outChannels: 16, height: 6, width: 16), "width 16 needs heights in fours")
        XCTAssertFalse(FusedWinograd.fits(channels: 8, outChannels: 16, height: 32, width: 32), "8 input channels")
        XCTAssertFalse(FusedWinograd.fits(channels: 16, outChannels: 24, height: 32, width: 32), "24 output channels")
        XCTAssertFalse(FusedWinograd.fits(channels: 64, outChannels: 64, height: 32, width: 32), "wider than maximumChannels")
        let before = FusedWinograd.enabled
        defer { FusedWinograd.enabled = before }
        FusedWinograd.enabled = true
        let p = Winograd.Plan(channels: 16, outChannels: 16, height: 32, width: 32, batch: 4, threads: 2, budget: 1 << 20)
        XCTAssertEqual(p.fused, FusedWinograd.available)
        XCTAssertFalse(Winograd.Plan(channels: 64, outChannels: 64, height: 32, width: 32, batch: 4, threads: 2, budget: 1 << 20).fused)
        XCTAssertEqual(Winograd.Plan(channels: 128, outChannels: 128, height: 4, width: 4, batch: 4, threads: 2, budget: 1 << 20).fused,
                       FusedWinograd.available)
        FusedWinograd.enabled = false
        XCTAssertFalse(Winograd.Plan(channels: 16, outChannels: 16, height: 32, width: 32, batch: 4, threads: 2, budget: 1 << 20).fused)
    }
}
