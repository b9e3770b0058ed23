import XCTest
@testable import TensorCore
import Stats
import TestSupport

/// `WinogradF4` (the inference forward's F(4×4, 3×3)) against its plain twin, the
/// double-precision direct convolution `ReferenceLayers.conv2d`, and the stride-4 lane helpers
/// its transforms use against scalar loops.
final class WinogradF4Tests: XCTestCase {
    override func setUp() { Parallel.setThreads(2) }
    override func tearDown() { Parallel.setThreads(2) }

    /// The F(4×4, 3×3) output of `n` random images, with the workspace filled with NaN first (a
    /// read of scratch that was not written would show), and the exact output.
    private func run(c: Int, o: Int, h: Int, w: Int, n: Int, bias: Bool, lanes: Int?, budget: Int, seed: UInt64,
                     epilogue: OutputEpilogue = .none) -> (fast: [Float], exact: [Double], plan: WinogradF4.Plan) {
        let rng = RandomStream(seed: seed)
        let bound = 1 / Float(9 * c).squareRoot()
        let x = (0..<(n * c * h * w)).map { _ in rng.uniform(-1, 1) }
        let weight = (0..<(o * c * 9)).map { _ in rng.uniform(-bound, bound) }
        let b: [Float]? = bias ? (0..<o).map { _ in rng.uniform(-bound, bound) } : nil
        let plan = WinogradF4.Plan(channels: c, outChannels: o, height: h, width: w, batch: n, threads: 2, budget: budget,
                                   lanes: lanes)
        // The workspace and the output are followed by `guardFloats` sentinels that must survive.
        let guardFloats = 256, sentinel = Float(bitPattern: 0x7fc0_1234)
        let workspace = TensorStorage(count: plan.workspaceCount + guardFloats)
        workspace.base.update(repeating: .nan, count: plan.workspaceCount)
        (workspace.base + plan.workspaceCount).update(repeating: sentinel, count: guardFloats)
        let xs = TensorStorage(count: x.count), ws = TensorStorage(count: weight.count), bs = TensorStorage(count: o)
        let ys = TensorStorage(count: n * o * h * w + guardFloats)
        (ys.base + n * o * h * w).update(repeating: sentinel, count: guardFloats)
        xs.tensor(Shape(x.count)).copy(from: x)
        ws.tensor(Shape(weight.count)).copy(from: weight)
        if let b { bs.tensor(Shape(o)).copy(from: b) }
        WinogradF4.forward(xs.base, weight: ws.base, bias: bias ? UnsafePointer(bs.base) : nil, epilogue: epilogue, plan: plan,
                           batch: n, workspace: workspace.base, into: ys.base)
        for i in 0..<guardFloats {
            XCTAssertEqual(workspace.base[plan.workspaceCount + i].bitPattern, sentinel.bitPattern, "wrote past the workspace at +\(i)")
            XCTAssertEqual(ys.base[n * o * h * w + i].bitPattern, sentinel.bitPattern, "wrote past the output at +\(i)")
        }
        let exact = ReferenceLayers.conv2d(x.map(Double.init), weight: weight.map(Double.init), bias: b?.map(Double.init),
                                           channels: c, height: h, width: w, outChannels: o, kernel: 3, stride: 1, padding: 1)
        return (ys.tensor(Shape(n * o * h * w)).toArray(), exact, plan)
    }

    /// Every shape class against the direct convolution in double precision: one tile per image
    /// (4×4, ResNet-18's last stage), partial tiles at the bottom and right (7×6, 17×17, 1×1),
    /// 8-tile rows (32×32: the `SIMD8` sweeps), 9-tile rows (`SIMD8` and a scalar tail), one and
    /// two lanes, several chunks of one image in a lane (64×61), bias or not.
    ///
    /// Tolerance: 3e-5 of the largest output magnitude. F(4×4)'s transforms scale by up to 8 and
    /// 1/24, so its float error is ≈ 10× F(2×2)'s; the largest relative error seen here is printed.
    func testForwardMatchesTheDirectConvolution() {
        struct Case { let c, o, h, w, n: Int; let bias: Bool; let lanes: Int?; let budget: Int }
        let cases = [
            Case(c: 8, o: 5, h: 4, w: 4, n: 3, bias: true, lanes: nil, budget: 1 << 20),
            Case(c: 8, o: 6, h: 7, w: 6, n: 3, bias: false, lanes: 1, budget: 1 << 20),
            Case(c: 9, o: 3, h: 17, w: 17, n: 2, bias: true, lanes: 2, budget: 1 << 20),
            Case(c: 16, o: 8, h: 32, w: 32, n: 4, bias: true, lanes: 2, budget: 1 << 20),
            Case(c: 8, o: 4, h: 1, w: 1, n: 2, bias: true, lanes: nil, budget: 1 << 20),
            Case(c: 8, o: 3, h: 36, w: 35, n: 2, bias: false, lanes: 1, budget: 1 << 20),
            Case(c: 8, o: 3, h: 64, w: 61, n: 3, bias: true, lanes: 1, budget: 256),
            Case(c: 64, o: 16, h: 8, w: 8, n: 5, bias: false, lanes: 2, budget: 1 << 20),
        ]
        var worstRelative = 0.0
        for (index, t) in cases.enumerated() {
            let (fast, exact, plan) = run(c: t.c, o: t.o, h: t.h, w: t.w, n: t.n, bias: t.bias, lanes: t.lanes, budget: t.budget,
                                          seed: UInt64(100 + index))
            if t.budget == 256 {
                XCTAssertLessThan(plan.imagesPerChunk, (t.n + plan.lanes - 1) / plan.lanes, "case \(index) should run in chunks")
            }
            let scale = exact.map(abs).max()!
            let worst = largestDifference(exact, fast.map(Double.init))!
            XCTAssertGreaterThan(scale, 0.1)
            XCTAssertLessThan(worst.absolute, 3e-5 * scale, "case \(index) \(t.c)→\(t.o) \(t.h)×\(t.w): \(worst), largest |y| \(scale)")
            worstRelative = max(worstRelative, worst.absolute / scale)
        }
        print("WinogradF4: largest error / largest |y| over the cases: \(worstRelative)")
    }

    /// The epilogue (affine map, residual with its own map, ReLU) gives the same bits as the
    /// plain forward followed by `OutputEpilogue.apply` on the same values (on 32×32 and 7×6 maps).
    func testEpilogueEqualsTheSeparatePass() {
        for (h, w) in [(32, 32), (7, 6)] {
            let o = 6, n = 3
            let rng = RandomStream(seed: 7)
            let coefficients = TensorStorage(count: 4 * o)
            for i in 0..<(4 * o) { coefficients.base[i] = rng.uniform(-1.5, 1.5) }
            let residual = TensorStorage(count: n * o * h * w)
            for i in 0..<residual.count { residual.base[i] = rng.uniform(-1, 1) }
            let epilogue = OutputEpilogue(scale: coefficients.base, shift: coefficients.base + o, residual: residual.base,
                                          residualScale: coefficients.base + 2 * o, residualShift: coefficients.base + 3 * o, relu: true)
            let fused = run(c: 8, o: o, h: h, w: w, n: n, bias: true, lanes: 2, budget: 1 << 20, seed: 9, epilogue: epilogue).fast
            let plain = run(c: 8, o: o, h: h, w: w, n: n, bias: true, lanes: 2, budget: 1 << 20, seed: 9).fast
            let separate = TensorStorage(count: plain.count)
            separate.tensor(Shape(plain.count)).copy(from: plain)
            epilogue.apply(separate.base, channels: o, plane: h * w, images: 0..<n)
            XCTAssertEqual(fused.map(\.bitPattern), separate.tensor(Shape(plain.count)).toArray().map(\.bitPattern), "\(h)×\(w)")
            XCTAssertTrue(fused.contains(0) && fused.contains { $0 > 0 }, "the ReLU should clip some values")
        }
    }

    /// The AVX-512 input transform (`masklab_f4_input_transform`, what `transformInput` runs on
    /// this CPU) gives exactly the bits of its Swift twin `transformInputPortable` on
    /// `F4TransformCheck.cases`. Scratch and `V` start as NaN, so a lane that read padding it did
    /// not zero, or an entry left unwritten, would show.
    func testVectorInputTransformGivesThePortableBits() throws {
        guard WinogradF4.vectorTransforms else {
            throw XCTSkip("transformInput runs the portable version only here (no AVX-512, or MASKLAB_F4_VECTOR_TRANSFORMS=0)")
        }
        for (index, k) in F4TransformCheck.cases.enumerated() {
            let rng = RandomStream(seed: 40 + UInt64(index))
            let x = (0..<(k.n * k.channels * k.h * k.w)).map { _ in rng.uniform(-1, 1) }
            let plan = WinogradF4.Plan(channels: k.channels, outChannels: 1, height: k.h, width: k.w, batch: k.n, threads: 1,
                                       budget: 1 << 20, lanes: 1)
            let tiles = k.images.count * plan.tilesPerImage, count = 36 * k.channels * tiles
            func transform(scratch: Int, offset: Int,
                           _ f: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> [Float] {
                F4TransformCheck.run("case \(index)", scratchCount: scratch, offset: offset, outputCount: count) { rows, v in
                    x.withUnsafeBufferPointer { f($0.baseAddress!, rows, v) }
                }
            }
            let vector = transform(scratch: F4TransformCheck.vectorScratch(tiles: tiles), offset: index % 16) {
                WinogradF4.transformInput($0, plan: plan, images: k.images, rows: $1, into: $2)
            }
            let portable = transform(scratch: plan.inputBuffers, offset: 0) {
                WinogradF4.transformInputPortable($0, plan: plan, images: k.images, rows: $1, into: $2)
            }
            XCTAssertFalse(portable.contains { $0.isNaN }, "case \(index): the portable transform left V entries unwritten")
            let differing = F4TransformCheck.differing(vector, portable)
            XCTAssertEqual(differing, 0, "case \(index) (\(k.channels) channels, \(k.h)×\(k.w), images \(k.images)): \(differing) of \(count) V entries differ")
        }
    }

    /// The AVX-512 output transform (`masklab_f4_output_transform_channel` per channel, then the
    /// epilogue on the channel's planes: what `transformOutput` runs on this CPU) gives exactly the
    /// bits of its Swift twin `transformOutputPortable` on `F4TransformCheck.cases`, with a bias
    /// and an epilogue (affine map, residual, ReLU) and without. Outside the call's images `y` must
    /// keep its NaN.
    func testVectorOutputTransformGivesThePortableBits() throws {
        guard WinogradF4.vectorTransforms else {
            throw XCTSkip("transformOutput runs the portable version only here (no AVX-512, or MASKLAB_F4_VECTOR_TRANSFORMS=0)")
        }
        for (index, k) in F4TransformCheck.cases.enumerated() {
            let rng = RandomStream(seed: 90 + UInt64(index)), o = k.channels
            let plan = WinogradF4.Plan(channels: 1, outChannels: o, height: k.h, width: k.w, batch: k.n, threads: 1,
                                       budget: 1 << 20, lanes: 1)
            let yCount = k.n * o * k.h * k.w, tiles = k.images.count * plan.tilesPerImage
            let m = (0..<(36 * o * tiles)).map { _ in rng.uniform(-1, 1) }
            let bias = (0..<o).map { _ in rng.uniform(-0.5, 0.5) }
            let coefficients = TensorStorage(count: 4 * o), residual = TensorStorage(count: yCount)
            for i in 0..<(4 * o) { coefficients.base[i] = rng.uniform(-1.5, 1.5) }
            for i in 0..<yCount { residual.base[i] = rng.uniform(-1, 1) }
            let epilogue = OutputEpilogue(scale: coefficients.base, shift: coefficients.base + o, residual: residual.base,
                                          residualScale: coefficients.base + 2 * o, residualShift: coefficients.base + 3 * o, relu: true)
            for (withBias, withEpilogue) in [(true, true), (false, false)] {
                let e: OutputEpilogue = withEpilogue ? epilogue : .none
                func transform(scratch: Int, offset: Int, _ f: (UnsafePointer<Float>, UnsafePointer<Float>?, UnsafeMutablePointer<Float>,
                                                                  UnsafeMutablePointer<Float>) -> Void) -> [Float] {
                    F4TransformCheck.run("case \(index)", scratchCount: scratch, offset: offset, outputCount: yCount) { rows, y in
                        m.withUnsafeBufferPointer { mp in
                            bias.withUnsafeBufferPointer { bp in f(mp.baseAddress!, withBias ? bp.baseAddress! : nil, rows, y) }
                        }
                    }
                }
                let vector = transform(scratch: F4TransformCheck.vectorScratch(tiles: tiles), offset: index % 16) {
                    WinogradF4.transformOutput($0, plan: plan, images: k.images, bias: $1, epilogue: e, rows: $2, into: $3)
                }
                let portable = transform(scratch: plan.outputBuffers, offset: 0) {
                    WinogradF4.transformOutputPortable($0, plan: plan, images: k.images, bias: $1, epilogue: e, rows: $2, into: $3)
                }
                let plane = o * k.h * k.w, inside = (k.images.lowerBound * plane)..<(k.images.upperBound * plane)
                XCTAssertFalse(portable[inside].contains { $0.isNaN }, "case \(index): the portable transform left outputs unwritten")
                XCTAssertTrue(portable.indices.filter { !inside.contains($0) }.allSatisfy { portable[$0].isNaN && vector[$0].isNaN },
                              "case \(index): an image outside the call was written")
                let differing = F4TransformCheck.differing(vector[inside], portable[inside])
                XCTAssertEqual(differing, 0, "case \(index) (\(o) channels, \(k.h)×\(k.w), bias \(withBias), epilogue \(withEpilogue)): \(differing) outputs differ")
            }
        }
    }

    /// Two runs on two lanes give the same bits (the split depends only on the sizes).
    func testBitIdenticalRunToRun() {
        let a = run(c: 16, o: 8, h: 32, w: 32, n: 4, bias: true, lanes: 2, budget: 256, seed: 3).fast
        let b = run(c: 16, o: 8, h: 32, w: 32, n: 4, bias: true, lanes: 2, budget: 256, seed: 3).fast
        XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern))
    }

    /// `loadQuarters` splits `4·width` floats by index mod 4 and `storeQuarters` puts them back,
    /// for `SIMD8`, `SIMD4` and `Float`, against the scalar definition.
    func testQuarterLoadsAndStores() {
        let values = (0..<32).map { Float($0) * 1.5 - 7 }
        func check<V: LaneValue & Equatable>(_: V.Type, _ lane: (V, Int) -> Float) {
            values.withUnsafeBufferPointer { p in
                let q = V.loadQuarters(p.baseAddress!)
                for k in 0..<V.width {
                    XCTAssertEqual([lane(q.0, k), lane(q.1, k), lane(q.2, k), lane(q.3, k)], Array(values[(4 * k)..<(4 * k + 4)]))
                }
                var back = [Float](repeating: 0, count: 32)
                back.withUnsafeMutableBufferPointer { V.storeQuarters(q.0, q.1, q.2, q.3, $0.baseAddress!) }
                XCTAssertEqual(Array(back[0..<(4 * V.width)]), Array(values[0..<(4 * V.width)]))
                XCTAssertEqual(back[(4 * V.width)...].filter { $0 != 0 }.count, 0, "stored past 4 × width")
            }
        }
        check(SIMD8<Float>.self) { $0[$1] }
        check(SIMD4<Float>.self) { $0[$1] }
        check(Float.self) { v, _ in v }
    }
}
