import XCTest
import TensorCore
import Stats
import Layers
import Models

/// Where the chunks of a parallel region run (on the pool or all on the calling thread, as
/// `ParallelCostModel` decides from the measured round trip) never changes a result: with the
/// same thread count, a training step and an inference pass give the same bits whether every
/// region is spread (round trip 0), none is (round trip 1 s), or only the compute-bound ones stay
/// on the calling thread (compute speed-up 1, as on one core's hyperthreads).
final class ThreadPlacementTests: XCTestCase {
    override func setUp() { Parallel.setThreads(2) }
    override func tearDown() {
        Parallel.fixRoundTrip(nanoseconds: nil)
        Parallel.fixComputeSpeedup(nil)
        Parallel.setThreads(1)
    }

    /// Logits, loss, every parameter gradient and the inference logits of one step, as bits,
    /// and the regions spread over the pool meanwhile.
    private func step(_ model: String, _ options: ModelOptions, sample: Shape, batch n: Int,
                      roundTrip: Int, computeSpeedup: Double = 2) throws -> (bits: [UInt32], spread: Int) {
        Parallel.fixRoundTrip(nanoseconds: roundTrip)
        Parallel.fixComputeSpeedup(computeSpeedup)
        let network = try ModelRegistry.make(model, sampleShape: sample, classes: 10, options: options)
        network.store.initialise(streams: RandomStreams(seed: 3))
        network.prepare(batch: n)
        let inputs = TensorStorage(count: n * sample.count)
        let rng = RandomStream(seed: 4)
        for i in 0..<inputs.count { inputs.base[i] = Float(rng.gaussian()) }
        let x = inputs.tensor(Shape([n] + sample.dims))
        let labels = (0..<n).map { Int32($0 % 10) }
        let before = Parallel.regionCounts.spread
        var bits: [UInt32] = []
        network.store.zeroGradients()
        let logits = network.forward(x, mode: .training)
        bits += (0..<logits.count).map { logits.pointer[$0].bitPattern }
        let loss = labels.withUnsafeBufferPointer { network.loss.forward(logits: logits, labels: $0.baseAddress!) }
        bits.append(Float(loss.loss).bitPattern)
        network.backward(network.loss.backward())
        bits += (0..<network.store.count).map { network.store.grads.base[$0].bitPattern }
        let eval = network.forward(x, mode: .inference)
        bits += (0..<eval.count).map { eval.pointer[$0].bitPattern }
        return (bits, Parallel.regionCounts.spread - before)
    }

    private func check(_ model: String, _ options: ModelOptions, sample: Shape, batch: Int) throws {
        let spread = try step(model, options, sample: sample, batch: batch, roundTrip: 0)
        let serial = try step(model, options, sample: sample, batch: batch, roundTrip: 1_000_000_000)
        let hyperthreads = try step(model, options, sample: sample, batch: batch, roundTrip: 0, computeSpeedup: 1)
        XCTAssertGreaterThan(spread.spread, 0, "\(model): no region was spread at round trip 0")
        XCTAssertLessThan(hyperthreads.spread, spread.spread, "\(model): compute-bound regions were spread at speed-up 1")
        XCTAssertEqual(zip(spread.bits, hyperthreads.bits).filter { $0 != $1 }.count, 0, "\(model): results depend on the compute speed-up")
        XCTAssertEqual(serial.spread, 0, "\(model): a region was spread at round trip 1 s")
        XCTAssertEqual(spread.bits.count, serial.bits.count)
        XCTAssertEqual(zip(spread.bits, serial.bits).filter { $0 != $1 }.count, 0, "\(model): results depend on where chunks ran")
    }

    /// LeNet-300-100 at the bench's batch of 60 (its first layer's products are split in two).
    func testMLPStepIsTheSameWhereverChunksRun() throws {
        try check("mlp", ModelOptions(), sample: Shape(1, 28, 28), batch: 60)
    }

    /// A narrow ResNet-18 (Winograd and im2col lanes, BatchNorm, residual blocks).
    func testResNetStepIsTheSameWhereverChunksRun() throws {
        try check("resnet18", ModelOptions(width: 8), sample: Shape(3, 16, 16), batch: 8)
    }
}
