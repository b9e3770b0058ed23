import XCTest
import TensorCore
import Stats
import Layers
import Models

/// `LayerClock` (`masklab bench --layers`): which slots a ResNet's training passes fill, in what
/// order and with what labels, and that timing them changes no result.
final class LayerClockTests: XCTestCase {
    override func setUp() { Parallel.setThreads(2) }

    /// One training forward and backward of `net` on `x`; returns the logits and the gradients.
    private func step(_ net: Network, _ x: Tensor) -> (logits: [Float], grads: [Float]) {
        let labels: [Int32] = [3, 7, 1]
        let logits = net.forward(x, mode: .training)
        let values = Array(UnsafeBufferPointer(start: logits.pointer, count: logits.shape.count))
        _ = labels.withUnsafeBufferPointer { net.loss.forward(logits: logits, labels: $0.baseAddress!) }
        net.store.zeroGradients()
        net.backward(net.loss.backward())
        return (values, Array(UnsafeBufferPointer(start: net.store.grads.base, count: net.parameterCount)))
    }

    func testResNetSlotsFollowTheForwardOrderAndTimingChangesNoBit() throws {
        // Another network made "linear" first in this process: the report still follows the calls.
        _ = LayerClock.slot("linear", kind: "another network's", group: "Linear", macsPerSample: 1)
        let net = try ModelRegistry.make("resnet18", sampleShape: Shape(3, 16, 16), classes: 10, options: ModelOptions(width: 4))
        net.store.initialise(streams: RandomStreams(seed: 5))
        net.prepare(batch: 3)
        net.prepare(batch: 2)   // preparing again reuses the slots
        net.prepare(batch: 3)
        let xs = TensorStorage(count: 3 * 3 * 16 * 16)
        let rng = RandomStream(seed: 6)
        for i in 0..<xs.count { xs.base[i] = rng.uniform(-1, 1) }
        let x = xs.tensor(Shape(3, 3, 16, 16))

        XCTAssertFalse(LayerClock.isRunning)
        let plain = step(net, x)
        LayerClock.start()
        XCTAssertTrue(LayerClock.isRunning)
        let timed = step(net, x)
        _ = step(net, x)
        let entries = LayerClock.stop()
        XCTAssertFalse(LayerClock.isRunning)
        // Training uses the batch statistics, so the second forward computes the same function.
        XCTAssertEqual(plain.logits, timed.logits, "timing changed the forward")
        XCTAssertEqual(plain.grads, timed.grads, "timing changed the gradients")

        let names = entries.map(\.name)
        // Stem 3, 8 blocks × (conv1, bn1, conv2, output pass), 3 projections, pool, linear: a name
        // shared by two layers would show as one entry with 4 forward calls per 2 steps.
        XCTAssertEqual(names.count, 3 + 8 * 4 + 3 + 2, "\(names)")
        let expectedStart = ["conv1", "bn1", "bn1+ReLU", "layer1.0.conv1", "layer1.0.bn1", "layer1.0.conv2", "layer1.0.bn2"]
        XCTAssertEqual(Array(names.prefix(expectedStart.count)), expectedStart)
        XCTAssertEqual(names.last, "linear")
        let projection = try XCTUnwrap(names.firstIndex(of: "layer2.0.shortcut.0"), "\(names)")
        XCTAssertEqual(names[projection + 1], "layer2.0.bn2", "the output pass runs after the projection")
        XCTAssertEqual(entries.last?.kind, "Linear 32→10", "prepare replaced the other network's kind")
        XCTAssertTrue(names.contains("layer4.1+GlobalAvgPool2d"), "\(names)")
        XCTAssertFalse(names.contains { $0.hasPrefix("layer1.0.shortcut") }, "identity shortcuts take no slot")

        for e in entries {
            XCTAssertEqual(e.forwardCalls, 2, "\(e.name): one forward call per step")
            XCTAssertGreaterThanOrEqual(e.backwardCalls, 2, "\(e.name): at least one backward call per step")
            XCTAssertGreaterThan(e.forwardNanoseconds, 0, e.name)
            XCTAssertGreaterThan(e.backwardNanoseconds, 0, e.name)
        }
        // The identity block's output pass times bn2's backward only (one call per step): the
        // shortcut's gradient is added by conv1's input-gradient epilogue, inside conv1's slot.
        let output = try XCTUnwrap(entries.first { $0.name == "layer1.0.bn2" })
        XCTAssertEqual(output.backwardCalls, 2)
        // With a projection: bn2's backward, the projection BatchNorm's input gradient, the add.
        XCTAssertEqual(entries.first { $0.name == "layer2.0.bn2" }?.backwardCalls, 6)
        XCTAssertEqual(entries.first { $0.name == "conv1" }?.inputGradient, false, "the stem computes no input gradient")
        XCTAssertEqual(entries.first { $0.name == "layer1.0.conv1" }?.inputGradient, true)
        XCTAssertEqual(output.group, "BatchNorm")
        XCTAssertTrue(output.kind.contains("add + ReLU"), output.kind)

        // The convolutions' multiply-accumulates add up to the network's, and their groups name the lowering.
        let convolutions = entries.filter { $0.kind.hasPrefix("Conv2d") }
        XCTAssertEqual(convolutions.count, 1 + 8 * 2 + 3)
        XCTAssertEqual(entries.reduce(0) { $0 + $1.macsPerSample }, net.forwardMACsPerSample)
        let block = try XCTUnwrap(net.body as? Sequential).layers.compactMap { $0 as? BasicBlock }[0]
        let conv = try XCTUnwrap(entries.first { $0.name == "layer1.0.conv1" })
        XCTAssertEqual(conv.macsPerSample, block.conv1.forwardMACsPerSample)
        XCTAssertEqual(conv.group, "Conv2d " + block.conv1.lowering.rawValue)
        XCTAssertTrue(conv.kind.hasPrefix("Conv2d 3×3/1 4→4 at 16×16, "), conv.kind)

        // Stopped, nothing is recorded; a new start clears the totals.
        _ = step(net, x)
        LayerClock.start()
        let cleared = LayerClock.stop()
        XCTAssertEqual(cleared, [], "no call since start()")
    }

    /// Inference passes are never timed: their layers are fused differently.
    func testInferenceIsNotTimed() throws {
        let net = try ModelRegistry.make("mlp", sampleShape: Shape(1, 28, 28), classes: 10, options: ModelOptions())
        net.store.initialise(streams: RandomStreams(seed: 1))
        net.prepare(batch: 2)
        let xs = TensorStorage(count: 2 * 784)
        for i in 0..<xs.count { xs.base[i] = Float(i % 13) / 13 }
        LayerClock.start()
        _ = net.forward(xs.tensor(Shape(2, 1, 28, 28)), mode: .inference)
        XCTAssertEqual(LayerClock.stop(), [])
        LayerClock.start()
        _ = net.forward(xs.tensor(Shape(2, 1, 28, 28)), mode: .training)
        XCTAssertEqual(LayerClock.stop().map(\.name), ["input+Flatten", "fc1", "fc1+ReLU", "fc2", "fc2+ReLU", "fc3"])
    }
}
