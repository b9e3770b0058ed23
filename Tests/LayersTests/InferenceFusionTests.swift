import XCTest
import TensorCore
import Stats
import Layers
import Models
import TestSupport

/// The inference forward with BatchNorm, residual and ReLU fused into the products' output
/// passes (`OutputEpilogue`): it must write the same bits as the separate passes it replaces
/// (the products, then `Normalization.affine`, then a ReLU layer), on every lowering of the
/// convolution, and match the double-precision definition within float rounding.
final class InferenceFusionTests: XCTestCase {
    override func setUp() { Parallel.setThreads(2) }
    override func tearDown() { Parallel.setThreads(2) }

    /// Random running statistics, γ and β for every BatchNorm of `store` (as after training).
    private func randomiseStatistics(_ layers: [BatchNorm], seed: UInt64) {
        let rng = RandomStream(seed: seed)
        for bn in layers {
            for c in 0..<bn.channels {
                bn.runningMean.value[c] = rng.uniform(-0.5, 0.5)
                bn.runningVar.value[c] = rng.uniform(0.3, 2)
                bn.scale.value[c] = rng.uniform(-1.5, 1.5)
                bn.shift.value[c] = rng.uniform(-0.5, 0.5)
            }
        }
    }

    private func randomInput(_ shape: Shape, seed: UInt64) -> TensorStorage {
        let s = TensorStorage(count: shape.count)
        let rng = RandomStream(seed: seed)
        for i in 0..<s.count { s.base[i] = Float(rng.gaussian()) }
        return s
    }

    private func bits(_ t: Tensor) -> [UInt32] { t.toArray().map(\.bitPattern) }

    /// conv → BatchNorm (running statistics) → ReLU, with and without a residual, fused against
    /// separate: the pointwise, Winograd, per-image im2col and channel-major im2col lowerings, in
    /// one and two lanes, in chunks of one image and whole.
    func testConvolutionEpilogueEqualsSeparatePassesOnEveryLowering() {
        struct Case { let c, o, k, s, p, h: Int; let bias: Bool; let lanes: Int?; let budget: Int; let label: String }
        let cases = [
            Case(c: 4, o: 5, k: 1, s: 1, p: 0, h: 6, bias: true, lanes: nil, budget: 64 << 20, label: "pointwise"),
            Case(c: 8, o: 6, k: 3, s: 1, p: 1, h: 7, bias: false, lanes: nil, budget: 64 << 20, label: "Winograd, odd map"),
            Case(c: 8, o: 6, k: 3, s: 1, p: 1, h: 6, bias: true, lanes: 1, budget: 1024, label: "Winograd, one lane, chunks"),
            Case(c: 3, o: 4, k: 3, s: 1, p: 1, h: 32, bias: false, lanes: nil, budget: 64 << 20, label: "im2col per image"),
            Case(c: 3, o: 4, k: 3, s: 1, p: 1, h: 32, bias: true, lanes: 1, budget: 64 << 20, label: "im2col per image, one lane"),
            Case(c: 4, o: 6, k: 3, s: 2, p: 1, h: 7, bias: true, lanes: nil, budget: 64 << 20, label: "im2col channel-major"),
            Case(c: 4, o: 6, k: 1, s: 2, p: 0, h: 8, bias: false, lanes: 1, budget: 2048, label: "im2col 1×1 stride 2, chunks"),
        ]
        for (index, t) in cases.enumerated() {
            for residual in [false, true] {
                let b = ParameterBuilder()
                let workspace = ConvolutionWorkspace(budgetBytes: t.budget)
                workspace.lanes = t.lanes
                let conv = Conv2d("conv", t.c, t.o, kernel: t.k, stride: t.s, padding: t.p, bias: t.bias, workspace: workspace, builder: b)
                let bn = BatchNorm("bn", channels: t.o, builder: b)
                let rbn = BatchNorm("rbn", channels: t.o, builder: b)
                let store = b.finish()
                store.initialise(streams: RandomStreams(seed: UInt64(30 + index)))
                randomiseStatistics([bn, rbn], seed: UInt64(40 + index))
                let n = 5, shape = Shape(n, t.c, t.h, t.h)
                let out = conv.prepare(input: shape)
                _ = bn.prepare(input: out)
                let xs = randomInput(shape, seed: UInt64(50 + index)), rs = randomInput(out, seed: UInt64(60 + index))
                let x = xs.tensor(shape), r = rs.tensor(out)

                // Separate passes: the product, the affine map (with the residual's own map), the ReLU.
                let h = conv.forward(x, mode: .inference).toArray()
                let hs = TensorStorage(count: h.count)
                hs.tensor(out).copy(from: h)
                bn.fitStatistics(hs.tensor(out), mode: .inference)
                rbn.fitStatistics(r, mode: .inference)
                let separate = TensorStorage(count: h.count)
                let plane = out[2] * out[3]
                Normalization.affine(hs.base, images: n, channels: t.o, plane: plane, scale: bn.affineScale, shift: bn.affineShift,
                                     residual: residual ? UnsafePointer(r.pointer) : nil,
                                     residualScale: residual ? UnsafePointer(rbn.affineScale) : nil,
                                     residualShift: residual ? UnsafePointer(rbn.affineShift) : nil, relu: true, into: separate.base)

                var e = bn.inferenceEpilogue(relu: true)
                if residual { (e.residual, e.residualScale, e.residualShift) = (UnsafePointer(r.pointer), UnsafePointer(rbn.affineScale), UnsafePointer(rbn.affineShift)) }
                let fused = conv.forward(x, epilogue: e)
                XCTAssertEqual(bits(fused), bits(separate.tensor(out)), "\(t.label), residual \(residual): fused differs from separate")

                // The definition in double: relu(γ(conv(x) − μ)/√(σ² + ε) + β (+ γ'(r − μ')/√(σ'² + ε) + β')).
                let params = Dictionary(uniqueKeysWithValues: store.parameters.map { ($0.name, $0.value.toArray().map(Double.init)) })
                let conv64 = ReferenceLayers.conv2d(x.toArray().map(Double.init), weight: params["conv.weight"]!, bias: params["conv.bias"],
                                                    channels: t.c, height: t.h, width: t.h, outChannels: t.o, kernel: t.k, stride: t.s,
                                                    padding: t.p)
                let expected = Reference.batchNormForward(conv64.map { Float($0) }, channels: t.o, plane: plane,
                                                          mean: bn.runningMean.value.toArray(), variance: bn.runningVar.value.toArray(),
                                                          gamma: bn.scale.value.toArray(), beta: bn.shift.value.toArray(), epsilon: 1e-5,
                                                          relu: true, residual: residual ? r.toArray() : nil,
                                                          rMean: rbn.runningMean.value.toArray(), rVariance: rbn.runningVar.value.toArray(),
                                                          rGamma: rbn.scale.value.toArray(), rBeta: rbn.shift.value.toArray())
                let worst = zip(fused.toArray(), expected).map { abs($0 - $1) / (1 + abs($1)) }.max() ?? 0
                print("\(t.label), residual \(residual): largest relative difference from the double definition \(worst)")
                XCTAssertLessThan(worst, 1e-4, "\(t.label), residual \(residual)")
                withExtendedLifetime((xs, rs, hs, separate)) {}
            }
        }
    }

    /// A 3×3 stride-1 layer with 64 input channels runs F(4×4, 3×3) (`WinogradF4`) in inference,
    /// one with 32 F(2×2) as in training (bit for bit): the F(4×4) output is within 3e-5 of
    /// the largest output of the training forward's F(2×2, 3×3), and not the same bits (so the
    /// fast path did run); with `winogradF4` off, the training forward's bits exactly.
    func testInferenceUsesWinogradF4WithinRoundingOfTheTrainingForward() {
        XCTAssertEqual(WinogradF4.Plan.minimumChannels, 64)
        for (channels, f4) in [(64, true), (64, false), (32, true)] {
            let b = ParameterBuilder()
            let workspace = ConvolutionWorkspace()
            workspace.winogradF4 = f4
            let conv = Conv2d("conv", channels, 12, kernel: 3, padding: 1, workspace: workspace, builder: b)
            let store = b.finish()
            store.initialise(streams: RandomStreams(seed: 55))
            let shape = Shape(3, channels, 16, 16)
            _ = conv.prepare(input: shape)
            let xs = randomInput(shape, seed: 56), x = xs.tensor(shape)
            let training = conv.forward(x, mode: .training).toArray()
            let inference = conv.forward(x, mode: .inference).toArray()
            withExtendedLifetime(xs) {}
            if f4 && channels >= 64 {
                let scale = Double(training.map(abs).max()!)
                let worst = largestDifference(training, inference)!
                XCTAssertLessThan(worst.absolute, 3e-5 * scale, "\(worst), largest |y| \(scale)")
                XCTAssertNotEqual(training.map(\.bitPattern), inference.map(\.bitPattern), "the inference forward should use F(4×4)")
            } else {
                XCTAssertEqual(training.map(\.bitPattern), inference.map(\.bitPattern), "\(channels) channels, F(4×4) allowed: \(f4)")
            }
        }
    }

    /// A BasicBlock's inference forward (every BatchNorm, the residual and both ReLUs in the
    /// convolutions' output passes) equals its layers run one by one with a separate affine
    /// pass, bit for bit: identity and projection shortcuts, Winograd and im2col, 1 and 2 threads.
    func testBasicBlockInferenceEqualsSeparatePassesBitForBit() {
        for (inC, outC, stride) in [(8, 8, 1), (8, 16, 2)] {
            for winograd in [true, false] {
                for threads in [1, 2] {
                    Parallel.setThreads(threads)
                    let b = ParameterBuilder()
                    let workspace = ConvolutionWorkspace()
                    workspace.winograd = winograd
                    let block = BasicBlock("block", inC, outC, stride: stride, workspace: workspace, builder: b)
                    let store = b.finish()
                    store.initialise(streams: RandomStreams(seed: 71))
                    randomiseStatistics([block.bn1, block.bn2] + (block.shortcut.map { [$0.bn] } ?? []), seed: 72)
                    let shape = Shape(5, inC, 9, 9)
                    let out = block.prepare(input: shape)
                    let xs = randomInput(shape, seed: 73), x = xs.tensor(shape)

                    let h1 = block.conv1.forward(x, mode: .inference)
                    let a1 = block.bn1.forward(h1, mode: .inference)
                    let h2 = block.conv2.forward(a1, mode: .inference)
                    block.bn2.fitStatistics(h2, mode: .inference)
                    let n = out[0], c = out[1], s = out[2] * out[3]
                    let separate = TensorStorage(count: out.count)
                    if let (conv, bn) = block.shortcut {
                        let hs = conv.forward(x, mode: .inference)
                        bn.fitStatistics(hs, mode: .inference)
                        Normalization.affine(h2.pointer, images: n, channels: c, plane: s, scale: block.bn2.affineScale,
                                             shift: block.bn2.affineShift, residual: hs.pointer, residualScale: bn.affineScale,
                                             residualShift: bn.affineShift, relu: true, into: separate.base)
                    } else {
                        Normalization.affine(h2.pointer, images: n, channels: c, plane: s, scale: block.bn2.affineScale,
                                             shift: block.bn2.affineShift, residual: x.pointer, residualScale: nil, residualShift: nil,
                                             relu: true, into: separate.base)
                    }
                    let expected = bits(separate.tensor(out))
                    let fused = block.forward(x, mode: .inference)
                    withExtendedLifetime(xs) {}
                    XCTAssertEqual(bits(fused), expected, "block \(inC)→\(outC) stride \(stride) winograd \(winograd) threads \(threads)")
                    XCTAssertTrue(expected.contains(0) && expected.contains { Float(bitPattern: $0) > 0 },
                                  "the ReLU should both clip and pass values")
                }
            }
        }
    }

    /// Whole networks: `Sequential`'s fused runs (conv → BatchNorm → ReLU in the ResNet stem,
    /// linear → ReLU and linear → BatchNorm1d → ReLU in MLPs, conv → ReLU in LeNet-5) give the
    /// same logits as the same layers run one at a time.
    func testNetworkInferenceEqualsLayerByLayer() throws {
        let models: [(String, Shape, ModelOptions)] = [
            ("resnet18", Shape(3, 16, 16), ModelOptions(width: 4)),
            ("mlp", Shape(1, 6, 6), ModelOptions(hidden: [20, 12])),
            ("mlp", Shape(1, 6, 6), ModelOptions(hidden: [20, 12], batchNorm: true)),
            ("lenet5", Shape(1, 28, 28), ModelOptions()),
        ]
        for (name, sample, options) in models {
            let net = try ModelRegistry.make(name, sampleShape: sample, classes: 10, options: options)
            net.store.initialise(streams: RandomStreams(seed: 81))
            guard let body = net.body as? Sequential else { return XCTFail("\(name): body is not a Sequential") }
            randomiseStatistics(body.layers.compactMap { $0 as? BatchNorm }, seed: 82)
            net.prepare(batch: 6)
            let shape = Shape([6] + sample.dims)
            let xs = randomInput(shape, seed: 83), x = xs.tensor(shape)
            var h = x
            for layer in body.layers { h = layer.forward(h, mode: .inference) }
            let oneByOne = bits(h)
            XCTAssertEqual(bits(net.forward(x, mode: .inference)), oneByOne, "\(net.name)")
            withExtendedLifetime(xs) {}
        }
    }

    /// `.differentiableInference` computes what `.inference` computes (running statistics; the
    /// same logits up to rounding of the unfused passes) and then supports a backward (SynFlow
    /// needs ∂R/∂w of the evaluation-mode network; the fused `.inference` forward keeps nothing
    /// for a backward and crashed it).
    func testDifferentiableInferenceMatchesInferenceAndHasABackward() throws {
        for (name, sample, options) in [("resnet18", Shape(3, 16, 16), ModelOptions(width: 4)),
                                        ("mlp", Shape(1, 6, 6), ModelOptions(hidden: [20, 12], batchNorm: true))] {
            let net = try ModelRegistry.make(name, sampleShape: sample, classes: 10, options: options)
            net.store.initialise(streams: RandomStreams(seed: 91))
            guard let body = net.body as? Sequential else { return XCTFail("\(name): body is not a Sequential") }
            randomiseStatistics(body.layers.compactMap { $0 as? BatchNorm }, seed: 92)
            net.prepare(batch: 4)
            let shape = Shape([4] + sample.dims)
            let xs = randomInput(shape, seed: 93), x = xs.tensor(shape)
            let fused = net.forward(x, mode: .inference).toArray()
            let logits = net.forward(x, mode: .differentiableInference)
            let plain = logits.toArray()
            let worst = zip(fused, plain).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
            XCTAssertLessThan(worst, 1e-5, "\(name): logits differ by \(worst)")
            net.store.zeroGradients()
            let ones = TensorStorage(count: logits.shape.count)
            ones.tensor(logits.shape).fill(1)
            net.backward(ones.tensor(logits.shape))
            let gradNorm = net.store.grads.tensor(Shape(net.store.count)).toArray().reduce(0) { $0 + abs($1) }
            XCTAssertGreaterThan(gradNorm, 0, "\(name): the backward must produce gradients")
            withExtendedLifetime((xs, ones)) {}
        }
    }
}
