import XCTest
import TensorCore
import Stats
import Layers
import TestSupport
@testable import Training

/// Checkpoints restore weights, buffers, counters and optimiser state exactly, and reject
/// files that do not match the model with the names or shapes at fault.
final class CheckpointTests: XCTestCase {
    override func setUp() { Parallel.setThreads(1) }

    /// A network and optimiser with non-trivial state: a few training-mode forwards (running
    /// statistics, counters) and steps with random gradients (momentum).
    private func trained(seed: UInt64, optimizer name: String = "sgd") throws -> (Network, any Optimizer) {
        let net = Fixtures.network()
        net.store.initialise(streams: RandomStreams(seed: seed))
        net.prepare(batch: 5)
        let opt = try OptimizerRegistry.make(OptimizerConfig(name: name, momentum: 0.9), store: net.store)
        let x = TensorStorage(count: 5 * 64)
        let rng = RandomStream(seed: seed)
        for _ in 0..<3 {
            for i in 0..<x.count { x.base[i] = rng.uniform(-1, 1) }
            _ = net.forward(x.tensor(Shape(5, 1, 8, 8)), mode: .training)
            for i in 0..<net.store.count { net.store.grads.base[i] = rng.uniform(-1, 1) }
            opt.step(learningRate: 0.1)
        }
        return (net, opt)
    }

    private func snapshot(_ net: Network, _ opt: (any Optimizer)?) -> [String: [UInt32]] {
        var out: [String: [UInt32]] = [:]
        for p in net.store.parameters { out[p.name] = p.value.toArray().map(\.bitPattern) }
        for b in net.store.buffers { out[b.name] = b.value.toArray().map(\.bitPattern) }
        for c in net.store.counters { out[c.name] = [UInt32(truncatingIfNeeded: c.value), UInt32(truncatingIfNeeded: c.value >> 32)] }
        for (n, t) in opt?.stateTensors ?? [] { out[n] = t.toArray().map(\.bitPattern) }
        return out
    }

    func testRoundTripRestoresEverythingExactly() throws {
        for name in ["sgd", "adam"] {
            let dir = TemporaryDirectory()
            let (net, opt) = try trained(seed: 1, optimizer: name)
            var progress = TrainingProgress()
            progress.iteration = 13
            progress.epoch = 1
            progress.batchInEpoch = 5
            progress.epochLossSum = 1.0 / 3.0 + 1e-17
            progress.epochCorrect = 77
            progress.epochSamples = 160
            progress.history = [EpochMetrics(epoch: 0, iterations: 8, samples: 256, trainLoss: 0.1 + 0.2, trainAccuracy: 2.0 / 3.0,
                                             testLoss: .pi, testAccuracy: 0.123456789012345678, validationLoss: 1e-300,
                                             learningRate: 0.1 / 3, imagesPerSecond: 1234.5, trainSeconds: 0.25, wallSeconds: 0.5)]
            let url = dir.file("last.safetensors")
            try Checkpoint.save(to: url, network: net, optimizer: opt, progress: progress, seed: 99,
                                hookState: [HookState(name: "hook.rng", .bytes(RandomStream(seed: 3).state))])

            let (net2, opt2) = try trained(seed: 2, optimizer: name)
            XCTAssertNotEqual(snapshot(net, opt), snapshot(net2, opt2))
            let contents = try Checkpoint.load(from: url, into: net2, optimizer: opt2)
            XCTAssertEqual(snapshot(net, opt), snapshot(net2, opt2), name)
            XCTAssertEqual(net.store.counters.first?.value, 3)
            XCTAssertEqual(opt2.stepCount, 3)
            XCTAssertEqual(contents.progress, progress)
            XCTAssertEqual(contents.seed, 99)
            XCTAssertEqual(contents.hookState, [HookState(name: "hook.rng", .bytes(RandomStream(seed: 3).state))])
            XCTAssertEqual(contents.metadata["format_version"], "1")

            let file = try SafetensorsFile.read(from: url)
            XCTAssertEqual(file["bn1.num_batches_tracked"]?.shape, [])
            XCTAssertEqual(file["bn1.num_batches_tracked"]?.dtype, .i64)
            XCTAssertEqual(file["fc1.weight"]?.shape, [16, 64])
            XCTAssertNotNil(file[name == "sgd" ? "optimizer.fc1.weight.momentum_buffer" : "optimizer.fc2.bias.exp_avg_sq"])
        }
    }

    func testLoadWithoutOptimizerIgnoresOptimizerState() throws {
        let dir = TemporaryDirectory()
        let (net, opt) = try trained(seed: 1)
        try Checkpoint.save(to: dir.file("c.safetensors"), network: net, optimizer: opt, progress: TrainingProgress(), seed: 1)
        let (net2, _) = try trained(seed: 2)
        try Checkpoint.load(from: dir.file("c.safetensors"), into: net2, optimizer: nil)
        XCTAssertEqual(snapshot(net, nil), snapshot(net2, nil))
    }

    func testMismatchesNameWhatIsMissingOrUnexpected() throws {
        let dir = TemporaryDirectory()
        let url = dir.file("c.safetensors")
        let (net, opt) = try trained(seed: 1)
        try Checkpoint.save(to: url, network: net, optimizer: opt, progress: TrainingProgress(), seed: 1)

        // No BatchNorm: bn1.* are unexpected.
        let plain = Fixtures.network(batchNorm: false)
        let before = snapshot(plain, nil)
        XCTAssertThrowsError(try Checkpoint.load(from: url, into: plain, optimizer: nil)) { error in
            XCTAssertEqual(error as? CheckpointError, .names(path: url.path, missing: [], unexpected: [
                "bn1.bias", "bn1.num_batches_tracked", "bn1.running_mean", "bn1.running_var", "bn1.weight"], optimizer: false))
            XCTAssertTrue("\(error)".contains("does not match the model; ") && "\(error)".contains("(hint: same model and options as"), "\(error)")
        }
        XCTAssertEqual(snapshot(plain, nil), before, "a failed load changes nothing")

        // Names and widths both differ: the tensors in both with other shapes are named too.
        let narrowPlain = Fixtures.network(hidden: [8], batchNorm: false)
        XCTAssertThrowsError(try Checkpoint.load(from: url, into: narrowPlain, optimizer: nil)) { error in
            guard case let CheckpointError.names(_, _, unexpected, shapes, _) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(unexpected.contains("bn1.bias"), "\(unexpected)")
            XCTAssertTrue(shapes.contains { $0.hasPrefix("fc1.weight (model [8, ") && $0.contains("file [16, ") }, "\(shapes)")
            XCTAssertTrue("\(error)".contains("other shapes"), "\(error)")
        }

        // Other widths: shapes differ.
        let wide = Fixtures.network(hidden: [8])
        XCTAssertThrowsError(try Checkpoint.load(from: url, into: wide, optimizer: nil)) { error in
            XCTAssertEqual(error as? CheckpointError, .tensor(path: url.path, name: "bn1.bias", expected: "F32 [8]", got: "F32 [16]"))
        }

        // Another optimiser: its slots are missing, SGD's are unexpected.
        let net3 = Fixtures.network()
        let adam = try OptimizerRegistry.make(OptimizerConfig(name: "adam"), store: net3.store)
        XCTAssertThrowsError(try Checkpoint.load(from: url, into: net3, optimizer: adam)) { error in
            guard case let CheckpointError.names(_, missing, unexpected, _, _) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(missing.contains("optimizer.fc1.weight.exp_avg"))
            XCTAssertTrue(unexpected.contains("optimizer.fc1.weight.momentum_buffer"))
            XCTAssertTrue("\(error)".contains("missing"))
        }

        // A truncated file surfaces the safetensors error, naming the tensor that no longer fits.
        let bytes = try Data(contentsOf: url)
        try bytes.prefix(bytes.count - 10).write(to: url)
        XCTAssertThrowsError(try Checkpoint.load(from: url, into: net, optimizer: opt)) { error in
            guard case CheckpointError.file(.invalidTensor(_, _, _, let expected, _)) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(expected.contains("cut short"), expected)
        }
    }
}
