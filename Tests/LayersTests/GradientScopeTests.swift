import XCTest
import TensorCore
import Stats
import Layers
import Models
import TestSupport

/// `ParameterStore.withGradients(only:)`: a backward that accumulates some parameters'
/// gradients only skips the others' weight-gradient products, and must leave every value it
/// does compute — the kept gradients and the logits' path back to the input — bit-identical.
final class GradientScopeTests: XCTestCase {
    override func setUp() { Parallel.setThreads(2) }
    override func tearDown() { Parallel.setThreads(2) }

    /// ResNet-18 at width 4 (Winograd, im2col per image and channel-major, 1×1 stride-2
    /// shortcuts) and an MLP: for several kept tensors, in 1 and 2 threads, the kept gradient
    /// equals the full backward's bit for bit and every other conv/linear gradient stays zero.
    func testScopedBackwardKeepsTheKeptGradientsBitForBit() throws {
        let models: [(String, Shape, ModelOptions)] = [
            ("resnet18", Shape(3, 16, 16), ModelOptions(width: 4)),
            ("resnet18", Shape(3, 32, 32), ModelOptions(width: 8)),
            ("mlp", Shape(1, 6, 6), ModelOptions(hidden: [20, 12], batchNorm: true)),
        ]
        for (name, sample, options) in models {
            for threads in [1, 2] {
                Parallel.setThreads(threads)
                let net = try ModelRegistry.make(name, sampleShape: sample, classes: 10, options: options)
                net.store.initialise(streams: RandomStreams(seed: 91))
                let batch = 5
                net.prepare(batch: batch)
                let shape = Shape([batch] + sample.dims)
                let xs = TensorStorage(count: shape.count)
                let rng = RandomStream(seed: 92)
                for i in 0..<xs.count { xs.base[i] = Float(rng.gaussian()) }
                let labels = (0..<batch).map { Int32($0 % 10) }
                func backward() -> [UInt32] {
                    net.store.zeroGradients()
                    let logits = net.forward(xs.tensor(shape), mode: .frozenStatistics)
                    _ = labels.withUnsafeBufferPointer { net.loss.forward(logits: logits, labels: $0.baseAddress!) }
                    net.backward(net.loss.backward())
                    return net.store.grads.tensor(Shape(net.store.count)).toArray().map(\.bitPattern)
                }
                let full = backward()
                let weights = net.store.parameters.filter { $0.role == .weight || $0.role == .bias }
                for kept in [weights[0], weights[weights.count / 2], weights[weights.count - 1]] {
                    let scoped = net.store.withGradients(only: [kept]) { backward() }
                    let label = "\(net.name), \(threads) threads, kept \(kept.name)"
                    let range = kept.offset..<(kept.offset + kept.shape.count)
                    XCTAssertEqual(Array(scoped[range]), Array(full[range]), "\(label): kept gradient differs")
                    XCTAssertTrue(full[range].contains { $0 != 0 }, "\(label): the kept gradient is zero; the test would be vacuous")
                    for p in weights where p !== kept && p.role == .weight {
                        let r = p.offset..<(p.offset + p.shape.count)
                        XCTAssertTrue(scoped[r].allSatisfy { $0 == 0 }, "\(label): \(p.name) was accumulated")
                    }
                    XCTAssertTrue(net.store.parameters.allSatisfy(\.accumulatesGradient), "\(label): scope not restored")
                }
            }
        }
    }
}
