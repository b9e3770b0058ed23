import XCTest
import TensorCore
import Stats
import Layers
import TestSupport

/// A BasicBlock's training step with bn1's forward read by conv2's input transform and the
/// BatchNorms' input gradients read by the convolutions' gradient transforms (`InputPrologue`)
/// against the same layers run one pass at a time, as the block ran them before: output, input
/// gradient, every parameter gradient and the running statistics, bit for bit.
final class TrainingFusionTests: XCTestCase {
    override func setUp() { Parallel.setThreads(2) }
    override func tearDown() { Parallel.setThreads(2) }

    private func bits(_ t: Tensor) -> [UInt32] { t.toArray().map(\.bitPattern) }

    /// Identity and projection shortcuts; conv1 on Winograd (both prologues) and on im2col
    /// (stride 2: only conv2's); odd and even maps; 1 and 2 threads; `.training` and `.frozenStatistics`.
    func testBasicBlockTrainingStepEqualsSeparatePassesBitForBit() {
        for (inC, outC, stride, side) in [(8, 8, 1, 9), (8, 16, 2, 10), (12, 8, 1, 8)] {
            for threads in [1, 2] {
                for mode in [ForwardMode.training, .frozenStatistics] {
                    Parallel.setThreads(threads)
                    let label = "block \(inC)→\(outC) stride \(stride) \(side)×\(side) threads \(threads) \(mode)"
                    let shape = Shape(5, inC, side, side)
                    var blocks: [BasicBlock] = [], stores: [ParameterStore] = []
                    for _ in 0..<2 {
                        let b = ParameterBuilder()
                        let block = BasicBlock("block", inC, outC, stride: stride, workspace: ConvolutionWorkspace(), builder: b)
                        let store = b.finish()
                        store.initialise(streams: RandomStreams(seed: 31))
                        let rng = RandomStream(seed: 32)
                        for p in store.parameters where p.role == .normScale || p.role == .normShift {
                            for i in 0..<p.value.count { p.value[i] = p.role == .normScale ? rng.uniform(-1.5, 1.5) : rng.uniform(-0.5, 0.5) }
                        }
                        let out = block.prepare(input: shape)
                        if !blocks.isEmpty {   // the separate passes write bn1's output
                            block.bn1.writesOutput = true
                            _ = block.bn1.prepare(input: out)
                        }
                        store.zeroGradients()
                        blocks.append(block)
                        stores.append(store)
                    }
                    let (fused, separate) = (blocks[0], blocks[1])
                    XCTAssertTrue(fused.conv2.acceptsPrologues, label)
                    XCTAssertFalse(fused.bn1.writesOutput, label)
                    XCTAssertEqual(fused.conv1.acceptsPrologues, stride == 1, label)
                    let rng = RandomStream(seed: 33)
                    let xs = TensorStorage(count: shape.count)
                    for i in 0..<xs.count { xs.base[i] = rng.uniform(-1, 1) }
                    let x = xs.tensor(shape)

                    let y = fused.forward(x, mode: mode)
                    let expected = separatePasses(separate, x, mode: mode)
                    XCTAssertEqual(bits(y), bits(expected.y), "output, \(label)")
                    XCTAssertTrue(bits(y).contains(0), "the final ReLU clips, \(label)")
                    let dys = TensorStorage(count: y.count)
                    for i in 0..<dys.count { dys.base[i] = rng.uniform(-1, 1) }
                    let dy = dys.tensor(y.shape)
                    XCTAssertEqual(bits(fused.backward(dy)), bits(expected.backward(dy)), "input gradient, \(label)")
                    for (p, q) in zip(stores[0].parameters, stores[1].parameters) {
                        XCTAssertEqual(bits(p.grad), bits(q.grad), "\(p.name) gradient, \(label)")
                    }
                    for (p, q) in zip(stores[0].buffers, stores[1].buffers) {
                        XCTAssertEqual(bits(p.value), bits(q.value), "\(p.name), \(label)")
                    }
                    withExtendedLifetime((xs, dys)) {}
                }
            }
        }
    }

    /// The block's forward as separate passes (conv1, bn1 with its ReLU writing a1, conv2, the
    /// fused bn2 + shortcut + ReLU pass) and a closure for its backward in separate passes (bn2's
    /// input gradient written, then conv2, bn1 in place, conv1).
    private func separatePasses(_ block: BasicBlock, _ x: Tensor, mode: ForwardMode) -> (y: Tensor, backward: (Tensor) -> Tensor) {
        let h1 = block.conv1.forward(x, mode: mode)
        let a1 = block.bn1.forward(h1, mode: mode)
        let h2 = block.conv2.forward(a1, mode: mode)
        block.bn2.fitStatistics(h2, mode: mode)
        let n = h2.shape[0], c = h2.shape[1], s = h2.shape.rowSize / c
        let ys = TensorStorage(count: h2.count), y = ys.tensor(h2.shape)
        let hs = block.shortcut.map { $0.conv.forward(x, mode: mode) }
        if let (_, bn) = block.shortcut, let hs {
            bn.fitStatistics(hs, mode: mode)
            Normalization.affine(h2.pointer, images: n, channels: c, plane: s, scale: block.bn2.affineScale, shift: block.bn2.affineShift,
                                 residual: hs.pointer, residualScale: bn.affineScale, residualShift: bn.affineShift, relu: true, into: y.pointer)
        } else {
            Normalization.affine(h2.pointer, images: n, channels: c, plane: s, scale: block.bn2.affineScale, shift: block.bn2.affineShift,
                                 residual: x.pointer, residualScale: nil, residualShift: nil, relu: true, into: y.pointer)
        }
        return (y, { dy in
            let bn2 = block.bn2
            if let (_, bn) = block.shortcut {
                Normalization.gradientSums(dy.pointer, reluOutput: y.pointer, h2.pointer, mean: bn2.centre, images: n, channels: c,
                                           plane: s, sumG: bn2.sumG, sumGX: bn2.sumGX,
                                           second: bn.lastInput.pointer, mean2: bn.centre, sumGX2: bn.sumGX)
                bn.sumG.update(from: bn2.sumG, count: c)
                bn.finishSums(count: n * s)
            } else {
                Normalization.gradientSums(dy.pointer, reluOutput: y.pointer, h2.pointer, mean: bn2.centre, images: n, channels: c,
                                           plane: s, sumG: bn2.sumG, sumGX: bn2.sumGX)
            }
            bn2.finishSums(count: n * s)
            let dhs = TensorStorage(count: dy.count), dh = dhs.tensor(dy.shape)
            bn2.inputGradient(dy, reluOutput: y, into: dh)
            let dx = block.conv1.backward(block.bn1.backward(block.conv2.backward(dh)))
            if let (conv, bn) = block.shortcut {
                bn.inputGradient(dy, reluOutput: y, into: dh)
                Elementwise.add(dx, conv.backward(dh), into: dx)
            } else {
                Elementwise.addMasked(dy, where: y, into: dx)
            }
            withExtendedLifetime((ys, dhs)) {}
            return dx
        })
    }
}
