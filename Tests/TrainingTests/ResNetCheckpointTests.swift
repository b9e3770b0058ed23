import XCTest
import Foundation
import TensorCore
import Stats
import Layers
import Models
import TestSupport
import Training

/// A ResNet-18 checkpoint round-trips: every tensor under its PyTorch name, bit for bit, and the
/// reloaded network computes the same logits in both modes.
final class ResNetCheckpointTests: XCTestCase {
    override func setUp() { Parallel.setThreads(1) }

    func testResNet18CheckpointRoundTripsBitExactly() throws {
        let shape = Shape(3, 16, 16)
        let a = try ModelRegistry.make("resnet18", sampleShape: shape, classes: 10, options: ModelOptions(width: 4))
        a.store.initialise(streams: RandomStreams(seed: 21))
        a.prepare(batch: 4)
        let opt = try OptimizerRegistry.make(OptimizerConfig(name: "sgd", momentum: 0.9, weightDecay: 5e-4), store: a.store)
        let xs = TensorStorage(count: 4 * shape.count)
        let x = xs.tensor(Shape(4, 3, 16, 16))
        let rng = RandomStream(seed: 22)
        let labels: [Int32] = [0, 3, 7, 9]
        // Two real SGD steps: weights, momentum, running statistics and counters all move.
        for _ in 0..<2 {
            for i in 0..<x.count { x[i] = rng.uniform(-1, 1) }
            a.store.zeroGradients()
            let logits = a.forward(x, mode: .training)
            _ = labels.withUnsafeBufferPointer { a.loss.forward(logits: logits, labels: $0.baseAddress!) }
            a.backward(a.loss.backward())
            opt.step(learningRate: 0.05)
        }
        let dir = TemporaryDirectory("resnet-ckpt")
        let url = dir.file("last.safetensors")
        var progress = TrainingProgress()
        progress.iteration = 2
        try Checkpoint.save(to: url, network: a, optimizer: opt, progress: progress, seed: 21)

        let b = try ModelRegistry.make("resnet18", sampleShape: shape, classes: 10, options: ModelOptions(width: 4))
        b.prepare(batch: 4)
        let optB = try OptimizerRegistry.make(OptimizerConfig(name: "sgd", momentum: 0.9, weightDecay: 5e-4), store: b.store)
        let contents = try Checkpoint.load(from: url, into: b, optimizer: optB)
        XCTAssertEqual(contents.progress.iteration, 2)
        XCTAssertEqual(contents.modelName, a.name)

        for (p, q) in zip(a.store.parameters, b.store.parameters) {
            XCTAssertEqual(p.value.toArray().map(\.bitPattern), q.value.toArray().map(\.bitPattern), p.name)
        }
        for (p, q) in zip(a.store.buffers, b.store.buffers) {
            XCTAssertEqual(p.value.toArray().map(\.bitPattern), q.value.toArray().map(\.bitPattern), p.name)
        }
        XCTAssertEqual(a.store.counters.map(\.value), b.store.counters.map(\.value))
        XCTAssertTrue(a.store.counters.allSatisfy { $0.value == 2 }, "two training forwards → num_batches_tracked 2")
        for ((n, s), (_, t)) in zip(opt.stateTensors, optB.stateTensors) {
            XCTAssertEqual(s.toArray().map(\.bitPattern), t.toArray().map(\.bitPattern), n)
        }
        for mode in [ForwardMode.inference, .frozenStatistics] {
            let la = a.forward(x, mode: mode).toArray()
            let lb = b.forward(x, mode: mode).toArray()
            XCTAssertEqual(la.map(\.bitPattern), lb.map(\.bitPattern), "logits differ in \(mode)")
        }
        // The file holds exactly the PyTorch state_dict names (plus optimiser state).
        let file = try SafetensorsFile.read(from: url)
        let names = Set(file.tensors.map(\.name)).filter { !$0.hasPrefix("optimizer.") }
        XCTAssertEqual(names, Set(a.store.shapes.map(\.name)))
        XCTAssertTrue(names.contains("layer2.0.shortcut.1.num_batches_tracked"))
    }
}
