import XCTest
import Foundation
import TensorCore
import Layers
import TestSupport
@testable import Training

/// Issue 12 item 7: a run whose weights or optimiser state became NaN or infinite fails,
/// naming the tensor and the first index, writes `summary.json` with status `nonFinite` and
/// never checkpoints the bad weights — even when ReLU hides the NaN from the loss guard.
final class NonFiniteWeightsTests: XCTestCase {
    override func setUp() { Parallel.setThreads(1) }

    /// Writes NaN into one entry of a tensor after the optimiser step of `iteration`.
    final class Poison: TrainingHook {
        let tensor: () -> Tensor
        let iteration: Int, index: Int
        init(iteration: Int, index: Int, _ tensor: @escaping () -> Tensor) {
            self.tensor = tensor
            self.iteration = iteration
            self.index = index
        }
        /// The cause this hook names when the run diverges.
        var hint: String?
        var divergenceHint: String? { hint }
        func afterOptimizerStep(step: TrainingStep) {
            if step.iteration == iteration { tensor()[index] = .nan }
        }
    }

    func testNaNWeightAtTheEndOfAnEpochFailsTheRunNamingTensorAndIndex() throws {
        let dir = TemporaryDirectory()
        let net = Fixtures.network()
        let fc1 = net.store.parameter(named: "fc1.weight")!
        // The epoch's last step (8 batches per epoch): no forward pass sees it before the evaluation.
        let poison = Poison(iteration: 7, index: 5) { fc1.value }
        XCTAssertThrowsError(try Trainer.run(config: Fixtures.config(epochs: 2), splits: Fixtures.splits(), network: net,
                                             outputDirectory: dir.url, hooks: [poison])) { error in
            guard case let TrainingError.nonFiniteWeights(tensor, index, value, step, epoch, last, hint) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(tensor, "fc1.weight")
            XCTAssertEqual(index, 5)
            XCTAssertTrue(value.isNaN)
            XCTAssertEqual(step, 8)
            XCTAssertEqual(epoch, 0)
            XCTAssertNil(last)
            XCTAssertEqual(hint, TrainingError.learningRateHint, "no hook names a cause")
            XCTAssertTrue("\(error)".hasPrefix("fc1.weight[5] became NaN by step 8 (epoch 1)"), "epochs print from 1: \(error)")
        }
        let summary = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: dir.file("summary.json")))
        XCTAssertEqual(summary.status, .nonFinite)
        XCTAssertEqual(summary.epochs, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("last.safetensors").path), "bad weights were checkpointed")
    }

    /// Messages spell NaN as "NaN" whatever its sign bit (C's printf and Swift's description
    /// write "-nan" for a negative one), and infinities with their sign.
    func testNonFiniteValuesAreSpelledAsPeopleWriteThem() {
        let negativeNaN = -Double.nan
        XCTAssertEqual(TrainingError.spelled(negativeNaN), "NaN")
        XCTAssertEqual(TrainingError.spelled(Float.nan), "NaN")
        XCTAssertEqual(TrainingError.spelled(-Float.infinity), "-Inf")
        XCTAssertEqual(TrainingError.spelled(Double.infinity), "+Inf")
        XCTAssertEqual(TrainingError.spelled(2.5), "2.5")
        let e = TrainingError.nonFinite(step: 13, epoch: 0, loss: negativeNaN, lastGoodCheckpoint: nil)
        XCTAssertTrue(e.description.hasPrefix("loss became NaN at step 13 (epoch 1); no checkpoint was written"), e.description)
    }

    /// A hook that names a cause of divergence replaces the learning-rate hint in the error.
    func testTheHintOfAHookThatNamesACauseIsShown() throws {
        let dir = TemporaryDirectory()
        let net = Fixtures.network()
        let fc1 = net.store.parameter(named: "fc1.weight")!
        let poison = Poison(iteration: 2, index: 0) { fc1.value }
        poison.hint = "the test hook's scaling"
        XCTAssertThrowsError(try Trainer.run(config: Fixtures.config(epochs: 1), splits: Fixtures.splits(), network: net,
                                             outputDirectory: dir.url, hooks: [poison])) { error in
            guard case let TrainingError.nonFiniteWeights(_, _, _, _, _, _, hint) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(hint, "the test hook's scaling")
            XCTAssertTrue("\(error)".hasSuffix("(hint: the test hook's scaling)"), "\(error)")
        }
    }

    func testNonFiniteOptimizerStateIsCaughtBeforeAMidEpochCheckpoint() throws {
        let dir = TemporaryDirectory()
        var config = Fixtures.config(epochs: 2)
        config.checkpointEveryIterations = 3
        let net = Fixtures.network()
        var trainer: Trainer?
        let poison = Poison(iteration: 5, index: 0) {
            trainer!.optimizer.stateTensors.first { $0.name == "optimizer.fc2.bias.momentum_buffer" }!.tensor
        }
        trainer = try Trainer(config: config, network: net, splits: Fixtures.splits(), outputDirectory: dir.url, hooks: [poison])
        XCTAssertThrowsError(try trainer!.run()) { error in
            guard case let TrainingError.nonFiniteWeights(tensor, 0, _, 6, 0, last, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(tensor, "optimizer.fc2.bias.momentum_buffer")
            XCTAssertEqual(last, dir.file("last.safetensors").path, "the checkpoint of iteration 3 is the last good one")
        }
        // The checkpoint on disk is still the finite one of iteration 3.
        let file = try SafetensorsFile.read(from: dir.file("last.safetensors"))
        XCTAssertEqual(file.metadata["step"], "3")
        XCTAssertTrue(file.tensors.allSatisfy { $0.firstNonFinite() == nil })
        trainer = nil
    }
}
