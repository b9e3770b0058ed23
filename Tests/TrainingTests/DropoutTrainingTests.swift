import XCTest
import TestSupport
import TensorCore
import Stats
import Layers
import Models
import Training

/// The trainer tells the dropout layers each step: the mask of iteration t is the stream
/// (seed, dropout, layer, t), a new one every step.
final class DropoutTrainingTests: XCTestCase {
    /// Records the first dropout layer's mask after each training step.
    private final class MaskRecorder: TrainingCallback {
        let layer: Dropout
        let shape: Shape
        var masks: [[Float]] = []
        init(layer: Dropout, shape: Shape) { self.layer = layer; self.shape = shape }
        func batchEnd(_ report: BatchReport) { masks.append(layer.lastMask(shape)) }
    }

    func testEachStepDrawsTheMaskOfItsIteration() throws {
        let network = try ModelRegistry.make("mlp", sampleShape: Shape(1, 8, 8), classes: 4,
                                             options: ModelOptions(hidden: [16], dropout: 0.5))
        var config = Fixtures.config(epochs: 1, seed: 7)
        config.modelOptions = ModelOptions(hidden: [16], dropout: 0.5)
        let recorder = MaskRecorder(layer: try XCTUnwrap(network.dropoutLayers.first), shape: Shape(32, 16))
        _ = try Trainer.run(config: config, splits: Fixtures.splits(), network: network, outputDirectory: nil,
                                     callbacks: [recorder])
        XCTAssertEqual(recorder.masks.count, 8)
        XCTAssertEqual(Set(recorder.masks.map { $0.map { $0 == 0 } }).count, 8, "every step has its own mask")
        // Step 5's mask is the stream (seed 7, dropout, layer 0, iteration 5), drawn afresh.
        let lone = Dropout(probability: 0.5)
        _ = lone.prepare(input: Shape(32, 16))
        let ones = TensorStorage(count: 32 * 16)
        ones.tensor(Shape(32, 16)).fill(1)
        lone.beginStep(streams: RandomStreams(seed: 7), iteration: 5)
        _ = lone.forward(ones.tensor(Shape(32, 16)), mode: .training)
        XCTAssertEqual(lone.lastMask(Shape(32, 16)), recorder.masks[5])
    }
}
