import XCTest
import TensorCore
import Stats
import Layers
import TestSupport

/// Finite-difference checks of the convolutional layers against double-precision references
/// (`ReferenceLayers.conv2d`, …; tolerance |analytic − numeric| ≤ 1e-4 + 1e-3·|numeric| unless
/// stated, see `GradCheck`). Every report prints its largest difference.
final class ConvolutionGradientTests: XCTestCase {
    override func setUp() { Parallel.setThreads(2) }

    private func assertPassed(_ reports: [GradCheck.Report], _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(reports.isEmpty, file: file, line: line)
        for r in reports {
            print("\(label) — \(r)")
            XCTAssertTrue(r.passed, "\(label): \(r)", file: file, line: line)
        }
    }

    /// One Conv2d on `[n, c, h, w]`; `budgetBytes` small enough forces several chunks of images.
    private func checkConv(c: Int, o: Int, k: Int, s: Int, p: Int, bias: Bool, n: Int = 3, h: Int = 7, w: Int = 6,
                           budgetBytes: Int = 64 << 20, lanes: Int? = nil, inputGradient: Bool = true, maxEntries: Int = 60,
                           expect lowering: Conv2d.Lowering? = nil, seed: UInt64) {
        let b = ParameterBuilder()
        let workspace = ConvolutionWorkspace(budgetBytes: budgetBytes)
        workspace.lanes = lanes
        let conv = Conv2d("conv", c, o, kernel: k, stride: s, padding: p, bias: bias, workspace: workspace, builder: b)
        let store = b.finish()
        store.initialise(streams: RandomStreams(seed: seed))
        conv.computesInputGradient = inputGradient
        let shape = Shape(n, c, h, w)
        let out = conv.prepare(input: shape)
        XCTAssertEqual(out, Shape(n, o, (h + 2 * p - k) / s + 1, (w + 2 * p - k) / s + 1))
        if let lowering { XCTAssertEqual(conv.lowering, lowering, "conv \(c)→\(o) on \(h)×\(w)") }
        let reports = GradCheck.check(layer: conv, inputShape: shape, parameters: store.parameters, store: store, seed: seed,
                                      maxEntries: maxEntries) { x, ps in
            ReferenceLayers.conv2d(x, weight: ps["conv.weight"]!, bias: ps["conv.bias"], channels: c, height: h, width: w,
                                   outChannels: o, kernel: k, stride: s, padding: p)
        }
        XCTAssertEqual(reports.map(\.tensor), ["output"] + (inputGradient ? ["input"] : []) + (bias ? ["conv.weight", "conv.bias"] : ["conv.weight"]))
        assertPassed(reports, "conv \(c)→\(o) k\(k) s\(s) p\(p) bias \(bias) lanes \(lanes.map(String.init) ?? "auto")")
    }

    func testConv3x3Stride1Padding1WithBias() { checkConv(c: 3, o: 4, k: 3, s: 1, p: 1, bias: true, seed: 11) }
    func testConv3x3Stride2Padding1NoBias() { checkConv(c: 3, o: 5, k: 3, s: 2, p: 1, bias: false, seed: 12) }
    func testConv3x3Stride1Padding0() { checkConv(c: 2, o: 3, k: 3, s: 1, p: 0, bias: true, seed: 13) }
    func testConv5x5Stride2Padding0() { checkConv(c: 2, o: 3, k: 5, s: 2, p: 0, bias: true, h: 9, w: 9, seed: 14) }
    func testConv1x1Pointwise() { checkConv(c: 4, o: 3, k: 1, s: 1, p: 0, bias: true, seed: 15) }
    func testConv1x1Stride2NoBias() { checkConv(c: 4, o: 6, k: 1, s: 2, p: 0, bias: false, seed: 16) }
    func testConvWithoutInputGradient() { checkConv(c: 3, o: 4, k: 3, s: 1, p: 1, bias: true, inputGradient: false, seed: 17) }

    /// Stride-2 layers that `StridedConvolution` computes directly where the CPU has AVX-512 (a
    /// 4-wide output, 16 channels in and out, so the input gradient is direct too), 3×3 with bias
    /// and 1×1 without, and one on two lanes.
    func testConvStride2Direct() {
        let direct: Conv2d.Lowering = FusedWinograd.available && StridedConvolution.enabled ? .stride2Direct : .im2col
        checkConv(c: 16, o: 16, k: 3, s: 2, p: 1, bias: true, n: 2, h: 8, w: 8, maxEntries: 40, expect: direct, seed: 21)
        checkConv(c: 16, o: 16, k: 1, s: 2, p: 0, bias: false, n: 2, h: 8, w: 8, maxEntries: 40, expect: direct, seed: 22)
        checkConv(c: 16, o: 32, k: 3, s: 2, p: 1, bias: false, n: 4, h: 16, w: 16, lanes: 2, maxEntries: 40, expect: direct, seed: 23)
    }

    /// A 1-KiB workspace holds one image's columns at most: the batch runs in chunks of one.
    func testConvInChunksOfOneImage() { checkConv(c: 2, o: 3, k: 3, s: 1, p: 1, bias: true, n: 3, h: 5, w: 5, budgetBytes: 1024, seed: 18) }

    /// Two lanes (each with its own chunks, single-threaded GEMMs and partial gradients), with
    /// and without bias, with and without chunking inside the lanes.
    func testConvInTwoLanes() {
        checkConv(c: 3, o: 4, k: 3, s: 1, p: 1, bias: true, n: 5, lanes: 2, seed: 19)
        checkConv(c: 3, o: 5, k: 3, s: 2, p: 1, bias: false, n: 4, lanes: 2, seed: 20)
        checkConv(c: 2, o: 3, k: 3, s: 1, p: 1, bias: true, n: 5, h: 5, w: 5, budgetBytes: 2048, lanes: 2, seed: 21)
    }

    /// 32×32 maps (≥ `Convolution.Plan.minimumColumns` pixels) take the per-image GEMMs that
    /// write NCHW directly: one lane with a two-image chunk, and two lanes of one-image chunks.
    func testConvPerImageProductsOn32x32Maps() {
        checkConv(c: 2, o: 3, k: 3, s: 1, p: 1, bias: true, n: 2, h: 32, w: 32, lanes: 1, maxEntries: 15, seed: 22)
        checkConv(c: 2, o: 3, k: 3, s: 1, p: 1, bias: true, n: 4, h: 32, w: 32, budgetBytes: 1 << 10, lanes: 2,
                  maxEntries: 15, seed: 23)
    }

    /// Winograd F(2×2, 3×3) (3×3, stride 1, padding 1, ≥ 8 input channels): odd and even map
    /// sizes (partial tiles at the bottom and right edges), bias or not, no input gradient, one
    /// lane, two lanes, and chunks of one image in two lanes.
    func testWinogradConvolution() {
        XCTAssertTrue(Winograd.Plan.applies(kernel: 3, stride: 1, padding: 1, inChannels: 8))
        checkConv(c: 8, o: 5, k: 3, s: 1, p: 1, bias: true, n: 3, h: 7, w: 6, lanes: 1, seed: 61)
        checkConv(c: 8, o: 4, k: 3, s: 1, p: 1, bias: false, n: 5, h: 5, w: 5, lanes: 2, seed: 62)
        checkConv(c: 9, o: 3, k: 3, s: 1, p: 1, bias: true, n: 4, h: 4, w: 3, budgetBytes: 1024, lanes: 2, seed: 63)
        checkConv(c: 8, o: 6, k: 3, s: 1, p: 1, bias: true, n: 2, h: 6, w: 6, inputGradient: false, seed: 64)
        // Odd height and width: 17-wide rows (two 8-wide blocks and a scalar tail), 2 × 81 tiles.
        checkConv(c: 8, o: 3, k: 3, s: 1, p: 1, bias: true, n: 2, h: 17, w: 17, maxEntries: 20, seed: 65)
        // One tile per tile row (the first and last tile of a row coincide), 4-wide rows (the SIMD4
        // step), and 1×1 maps (every patch entry but the centre in the padding).
        checkConv(c: 8, o: 3, k: 3, s: 1, p: 1, bias: true, n: 3, h: 3, w: 2, seed: 66)
        checkConv(c: 8, o: 2, k: 3, s: 1, p: 1, bias: true, n: 5, h: 4, w: 4, lanes: 2, seed: 67)
        checkConv(c: 8, o: 2, k: 3, s: 1, p: 1, bias: false, n: 2, h: 1, w: 1, seed: 68)
    }

    /// Narrow layers whose forward and input gradient run `FusedWinograd` on a CPU with AVX-512
    /// (elsewhere they take `Winograd`'s chunk path, which the same checks then cover): widths 16
    /// and 32, more output channels than input and the reverse, two lanes and one; and small maps
    /// (8×8 with 64 channels, 4×4 with four images per block and a last block short of images).
    func testFusedWinogradConvolution() {
        let expected: Conv2d.Lowering = FusedWinograd.available && FusedWinograd.enabled ? .winogradF2Fused : .winogradF2
        if expected == .winogradF2 { print("testFusedWinogradConvolution: no AVX-512 here, the layers take the unfused F(2×2)") }
        checkConv(c: 16, o: 32, k: 3, s: 1, p: 1, bias: true, n: 2, h: 4, w: 16, lanes: 2, maxEntries: 40, expect: expected, seed: 81)
        checkConv(c: 32, o: 16, k: 3, s: 1, p: 1, bias: false, n: 3, h: 2, w: 32, lanes: 1, maxEntries: 40, expect: expected, seed: 82)
        checkConv(c: 16, o: 16, k: 3, s: 1, p: 1, bias: true, n: 2, h: 6, w: 32, inputGradient: false, maxEntries: 40,
                  expect: expected, seed: 83)
        checkConv(c: 64, o: 64, k: 3, s: 1, p: 1, bias: true, n: 3, h: 8, w: 8, lanes: 2, maxEntries: 40, expect: expected, seed: 84)
        checkConv(c: 16, o: 32, k: 3, s: 1, p: 1, bias: false, n: 5, h: 4, w: 4, lanes: 2, maxEntries: 40, expect: expected, seed: 85)
    }

    /// Winograd F(4×4, 3×3) in training (both channel counts ≥ 64): the layer reports the
    /// lowering, and its forward, input, weight and bias gradients pass the finite-difference
    /// check with partial tiles (7×14, 5×13), four tiles across, one tile per image (256 channels
    /// on 4×4), two lanes, and without the input gradient (several chunks per lane are covered by
    /// `WinogradF4BackwardTests`). With
    /// `winogradF4Training` off the same layer takes F(2×2).
    func testWinogradF4Training() {
        func lowering(_ c: Int, _ o: Int, width: Int = 16, f4: Bool = true) -> Conv2d.Lowering {
            let workspace = ConvolutionWorkspace()
            workspace.winogradF4Training = f4
            let conv = Conv2d("conv", c, o, kernel: 3, padding: 1, workspace: workspace, builder: ParameterBuilder())
            _ = conv.prepare(input: Shape(2, c, 8, width))
            return conv.lowering
        }
        XCTAssertEqual(lowering(64, 64), .winogradF4)
        XCTAssertEqual(lowering(64, 64, f4: false), .winogradF2)
        XCTAssertEqual(lowering(64, 32), .winogradF2, "the input gradient's forward needs ≥ 64 output channels too")
        XCTAssertEqual(lowering(32, 64), .winogradF2)
        XCTAssertEqual(lowering(64, 64, width: 13), .winogradF4, "four tiles across")
        XCTAssertEqual(lowering(128, 128, width: 12), .winogradF2, "three tiles across: narrow layers stay on F(2×2)")
        XCTAssertEqual(lowering(256, 512, width: 4), .winogradF4, "very wide layers take F(4×4) on any map")
        let noWinograd = ConvolutionWorkspace()
        noWinograd.winograd = false
        let lowered = Conv2d("conv", 64, 64, kernel: 3, padding: 1, workspace: noWinograd, builder: ParameterBuilder())
        _ = lowered.prepare(input: Shape(2, 64, 16, 16))
        XCTAssertEqual(lowered.lowering, .im2col, "winograd = false turns F(4×4) off as well")
        checkConv(c: 64, o: 64, k: 3, s: 1, p: 1, bias: true, n: 2, h: 7, w: 14, lanes: 1, maxEntries: 40, expect: .winogradF4, seed: 71)
        checkConv(c: 64, o: 72, k: 3, s: 1, p: 1, bias: false, n: 3, h: 4, w: 16, budgetBytes: 64 << 10, lanes: 2,
                  maxEntries: 40, expect: .winogradF4, seed: 72)
        checkConv(c: 256, o: 256, k: 3, s: 1, p: 1, bias: true, n: 2, h: 4, w: 4, maxEntries: 30, expect: .winogradF4, seed: 74)
        checkConv(c: 65, o: 64, k: 3, s: 1, p: 1, bias: true, n: 2, h: 5, w: 13, inputGradient: false, maxEntries: 40, expect: .winogradF4, seed: 73)
    }

    /// The Winograd and the im2col paths compute the same forward and gradients up to float
    /// rounding, on a ResNet-like layer (16 → 16 channels, two lanes) with 4×4 maps (as in
    /// ResNet-18's last stage), 8×8 maps, 32×32 maps (several images per chunk) and 18×17 maps
    /// (vector blocks, scalar tails, an odd width).
    func testWinogradAgreesWithTheLowering() {
        for (h, w) in [(4, 4), (8, 8), (32, 32), (18, 17)] {
        var results: [[[Float]]] = []
        for winograd in [true, false] {
            let b = ParameterBuilder()
            let workspace = ConvolutionWorkspace()
            workspace.winograd = winograd
            let conv = Conv2d("conv", 16, 16, kernel: 3, padding: 1, bias: false, workspace: workspace, builder: b)
            let store = b.finish()
            store.initialise(streams: RandomStreams(seed: 7))
            let shape = Shape(4, 16, h, w)
            _ = conv.prepare(input: shape)
            let xs = TensorStorage(count: shape.count), gs = TensorStorage(count: shape.count)
            let rng = RandomStream(seed: 8)
            for i in 0..<xs.count { xs.base[i] = rng.uniform(-1, 1); gs.base[i] = rng.uniform(-1, 1) }
            let y = conv.forward(xs.tensor(shape), mode: .training).toArray()
            store.zeroGradients()
            let dx = conv.backward(gs.tensor(shape)).toArray()
            results.append([y, dx, conv.weight.grad.toArray()])
        }
        for (k, name) in ["output", "input gradient", "weight gradient"].enumerated() {
            let worst = largestDifference(results[1][k], results[0][k])!
            let scale = Double(results[1][k].map(abs).max()!)
            XCTAssertGreaterThan(scale, 0.1, name)
            XCTAssertLessThan(worst.absolute, 1e-5 * scale, "\(h)×\(w) \(name) (largest magnitude \(scale)): \(worst)")
        }
        }
    }

    /// The identity shortcut's gradient added by the input-gradient epilogue (`BasicBlock`) gives
    /// the same bits as the separate `Elementwise.addMasked` pass after the backward, for every
    /// training lowering: fused F(2×2) (16 channels, 32×32; 64 channels, 8×8), unfused F(2×2)
    /// (the same two with the fused kernel off), F(4×4) (64 channels, 16×16) and im2col
    /// (F(2×2) off), each on 2 threads (lanes) and 1.
    func testInputGradientEpilogueEqualsTheSeparateMaskedAdd() {
        struct Case { let c: Int, h: Int, winograd: Bool, f4: Bool, fused: Bool, expected: Conv2d.Lowering? }
        let cases = [Case(c: 16, h: 32, winograd: true, f4: true, fused: true, expected: FusedWinograd.available ? .winogradF2Fused : .winogradF2),
                     Case(c: 64, h: 8, winograd: true, f4: false, fused: true, expected: FusedWinograd.available ? .winogradF2Fused : .winogradF2),
                     Case(c: 64, h: 8, winograd: true, f4: false, fused: false, expected: .winogradF2),
                     Case(c: 16, h: 16, winograd: true, f4: true, fused: false, expected: .winogradF2),
                     Case(c: 64, h: 16, winograd: true, f4: true, fused: true, expected: .winogradF4),
                     Case(c: 16, h: 8, winograd: false, f4: false, fused: true, expected: .im2col)]
        let wasFused = FusedWinograd.enabled
        defer { FusedWinograd.enabled = wasFused; Parallel.setThreads(2) }
        for threads in [2, 1] {
            Parallel.setThreads(threads)
            for t in cases {
                FusedWinograd.enabled = t.fused
                let b = ParameterBuilder()
                let workspace = ConvolutionWorkspace()
                workspace.winograd = t.winograd
                workspace.winogradF4Training = t.f4
                let conv = Conv2d("conv", t.c, t.c, kernel: 3, padding: 1, bias: false, workspace: workspace, builder: b)
                let store = b.finish()
                store.initialise(streams: RandomStreams(seed: 21))
                let shape = Shape(4, t.c, t.h, t.h)
                _ = conv.prepare(input: shape)
                XCTAssertEqual(conv.lowering, t.expected, "\(t.c) channels at \(t.h)×\(t.h)")
                let xs = TensorStorage(count: shape.count), gs = TensorStorage(count: shape.count)
                let ys = TensorStorage(count: shape.count), shortcut = TensorStorage(count: shape.count)
                let rng = RandomStream(seed: 22)
                for i in 0..<xs.count {
                    xs.base[i] = rng.uniform(-1, 1); gs.base[i] = rng.uniform(-1, 1)
                    ys.base[i] = rng.uniform(-1, 1) < 0 ? 0 : rng.uniform(0, 1); shortcut.base[i] = rng.uniform(-1, 1)
                }
                _ = conv.forward(xs.tensor(shape), mode: .training)
                store.zeroGradients()
                let plain = conv.backward(gs.tensor(shape))
                Elementwise.addMasked(shortcut.tensor(shape), where: ys.tensor(shape), into: plain)
                let expected = plain.toArray(), expectedDW = conv.weight.grad.toArray()
                store.zeroGradients()
                let epilogue = OutputEpilogue(residual: UnsafePointer(shortcut.base), residualMask: UnsafePointer(ys.base))
                let fused = conv.backward(gs.tensor(shape), inputGradientEpilogue: epilogue).toArray()
                XCTAssertEqual(fused.map(\.bitPattern), expected.map(\.bitPattern), "\(conv.lowering), \(threads) threads: dx")
                XCTAssertEqual(conv.weight.grad.toArray().map(\.bitPattern), expectedDW.map(\.bitPattern), "\(conv.lowering): dw")
                XCTAssertGreaterThan(ys.tensor(shape).toArray().filter { $0 <= 0 }.count, shape.count / 4, "a quarter or more of the positions are masked out")
            }
        }
    }

    /// Two runs of the same Winograd layer on 2 threads (two lanes of four one-image chunks — a
    /// 32×32 map fills a chunk — with the weight transforms and the lane sum spread over the threads) give bit-identical outputs and
    /// gradients: the split depends only on the sizes, never on timing.
    func testWinogradIsBitIdenticalRunToRun() {
        Parallel.setThreads(2)
        let plan = Winograd.Plan(channels: 16, outChannels: 24, height: 32, width: 32, batch: 8, threads: 2, budget: (256 << 10) / 4)
        XCTAssertEqual(plan.lanes, 2)
        XCTAssertEqual(plan.imagesPerChunk, 1)
        var runs: [[Float]] = []
        for _ in 0..<2 {
            let b = ParameterBuilder()
            let workspace = ConvolutionWorkspace(budgetBytes: 256 << 10)
            let conv = Conv2d("conv", 16, 24, kernel: 3, padding: 1, workspace: workspace, builder: b)
            let store = b.finish()
            store.initialise(streams: RandomStreams(seed: 21))
            let shape = Shape(8, 16, 32, 32)
            _ = conv.prepare(input: shape)
            let xs = TensorStorage(count: shape.count), gs = TensorStorage(count: 8 * 24 * 32 * 32)
            let rng = RandomStream(seed: 22)
            for i in 0..<xs.count { xs.base[i] = rng.uniform(-1, 1) }
            for i in 0..<gs.count { gs.base[i] = rng.uniform(-1, 1) }
            let y = conv.forward(xs.tensor(shape), mode: .training).toArray()
            store.zeroGradients()
            let dx = conv.backward(gs.tensor(Shape(8, 24, 32, 32))).toArray()
            runs.append(y + dx + conv.weight.grad.toArray() + conv.bias!.grad.toArray())
        }
        XCTAssertEqual(runs[0].count, 8 * 24 * 1024 + 8 * 16 * 1024 + 24 * 16 * 9 + 24)
        XCTAssertEqual(runs[0], runs[1])
    }

    /// Chunked, laned and whole-batch lowering agree in the forward pass (each output element
    /// is the same dot product; only the GEMM's blocking may differ, hence the tolerance).
    func testChunkingAndLanesDoNotChangeTheForward() {
        var outputs: [[Float]] = []
        for (budget, lanes) in [(1 << 10, 1), (64 << 20, 1), (64 << 20, 2), (4 << 10, 2)] {
            let b = ParameterBuilder()
            let workspace = ConvolutionWorkspace(budgetBytes: budget)
            workspace.lanes = lanes
            let conv = Conv2d("conv", 3, 8, kernel: 3, padding: 1, workspace: workspace, builder: b)
            let store = b.finish()
            store.initialise(streams: RandomStreams(seed: 5))
            _ = conv.prepare(input: Shape(4, 3, 6, 6))
            let xs = TensorStorage(count: 4 * 3 * 36)
            let rng = RandomStream(seed: 6)
            for i in 0..<xs.count { xs.base[i] = rng.uniform(-1, 1) }
            outputs.append(conv.forward(xs.tensor(Shape(4, 3, 6, 6)), mode: .training).toArray())
        }
        for o in outputs.dropFirst() {
            let worst = largestDifference(outputs[0], o)!
            XCTAssertLessThan(worst.absolute, 1e-5, "\(worst)")
        }
    }

    func testMaxPool2d() {
        for (k, s, h) in [(2, 2, 6), (3, 2, 7), (2, 1, 5)] {
            let pool = MaxPool2d(kernel: k, stride: s)
            let shape = Shape(2, 3, h, h)
            _ = pool.prepare(input: shape)
            let store = ParameterBuilder().finish()
            let reports = GradCheck.check(layer: pool, inputShape: shape, parameters: [], store: store, seed: UInt64(20 + k)) { x, _ in
                ReferenceLayers.pool2d(x, channels: 3, height: h, width: h, kernel: k, stride: s, average: false)
            }
            assertPassed(reports, "maxpool k\(k) s\(s)")
        }
    }

    func testAvgPool2d() {
        for (k, s, h) in [(2, 2, 6), (3, 2, 7), (2, 1, 5)] {
            let pool = AvgPool2d(kernel: k, stride: s)
            let shape = Shape(2, 3, h, h)
            _ = pool.prepare(input: shape)
            let store = ParameterBuilder().finish()
            let reports = GradCheck.check(layer: pool, inputShape: shape, parameters: [], store: store, seed: UInt64(30 + k)) { x, _ in
                ReferenceLayers.pool2d(x, channels: 3, height: h, width: h, kernel: k, stride: s, average: true)
            }
            assertPassed(reports, "avgpool k\(k) s\(s)")
        }
    }

    func testGlobalAvgPool2d() {
        let pool = GlobalAvgPool2d()
        let shape = Shape(3, 4, 5, 3)
        XCTAssertEqual(pool.prepare(input: shape), Shape(3, 4))
        let store = ParameterBuilder().finish()
        let reports = GradCheck.check(layer: pool, inputShape: shape, parameters: [], store: store, seed: 40) { x, _ in
            ReferenceLayers.globalAvgPool(x, plane: 15)
        }
        assertPassed(reports, "global average pool")
    }

    /// BasicBlock with the identity shortcut and with the 1×1 projection (stride 2, channels
    /// 3 → 6), in batch-statistics mode, all parameters checked; with 8 channels the 3×3
    /// stride-1 convolutions run Winograd (8 → 8: both, 4 → 8 stride 2: conv2 only). (Seed 52
    /// puts a ReLU input of the 8 → 8 block within the finite-difference step of its kink —
    /// one conv1 entry 1.4 % off — hence 53 there.)
    func testBasicBlock() {
        for (ic, oc, s, seed) in [(4, 4, 1, 52), (3, 6, 2, 52), (8, 8, 1, 53), (4, 8, 2, 53)] as [(Int, Int, Int, UInt64)] {
            let b = ParameterBuilder()
            let block = BasicBlock("layer1.0", ic, oc, stride: s, workspace: ConvolutionWorkspace(), builder: b)
            let store = b.finish()
            store.initialise(streams: RandomStreams(seed: 50))
            // Non-trivial γ, β so that their gradients and the normalisation are exercised.
            let rng = RandomStream(seed: 51)
            for p in store.parameters where p.role == .normScale || p.role == .normShift {
                for i in 0..<p.value.count { p.value[i] = rng.uniform(0.5, 1.5) * (p.role == .normShift ? 0.3 : 1) }
            }
            let (n, h) = (3, 6)
            let shape = Shape(n, ic, h, h)
            XCTAssertEqual(block.prepare(input: shape), Shape(n, oc, h / s, h / s))
            let names = store.parameters.map(\.name)
            XCTAssertEqual(names.contains("layer1.0.shortcut.0.weight"), s != 1)
            let reports = GradCheck.check(layer: block, inputShape: shape, parameters: store.parameters, store: store,
                                          seed: seed, maxEntries: 25) { x, ps in
                ReferenceLayers.basicBlock(x, ps, "layer1.0", inChannels: ic, outChannels: oc, height: h, width: h, stride: s).y
            }
            assertPassed(reports, "BasicBlock \(ic)→\(oc) stride \(s)")
        }
    }
}
