import XCTest
import Foundation
import Masks
@testable import Training
import TestSupport
@testable import Experiments

/// `Evaluation.evaluate` (what `masklab eval` prints) scores a checkpoint exactly as the trainer
/// scored it at the end of its last epoch, per-step masks with `evalMask: expected` included.
final class EvaluationTests: XCTestCase {
    private var data: TemporaryDirectory!

    override func setUpWithError() throws {
        data = TemporaryDirectory("masklab-eval-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
    }

    private func config(evalMask: EvalMask?, sampler: String = "dropconnect") -> RunConfig {
        var t = TrainingConfig(model: "mlp", dataset: "mnist", batchSize: 32, evalBatchSize: 50,
                               optimizer: OptimizerConfig(name: "sgd", learningRate: 0.05), budget: .epochs(2), seed: 4, threads: 1)
        t.modelOptions.hidden = [16]
        var c = RunConfig(training: t)
        if let evalMask {
            var m = MaskConfig(name: sampler, keep: 0.5)
            m.scaling = .none
            m.evalMask = evalMask
            if sampler == "importance" { m.importance.steps = 5 }
            c.masks = m
        }
        return c
    }

    private func trainThenEvaluate(_ c: RunConfig, _ name: String) throws -> (trained: EpochMetrics, evaluated: EvaluationResult) {
        let out = TemporaryDirectory("masklab-eval-\(name)")
        let result = try TrainingRun.run(c, dataRoot: data.url, layout: RunLayout(directory: out.url), commandLine: ["test"])
        let evaluated = try Evaluation.evaluate(c, checkpoint: out.file("last.safetensors"), dataRoot: data.url, includeTrain: false)
        return (try XCTUnwrap(result.history.last), evaluated)
    }

    func testUnmaskedAndExpectedMaskRunsEvaluateAsTheirTrainerDid() throws {
        for (name, c) in [("plain", config(evalMask: nil)), ("dropconnect", config(evalMask: .expected)),
                          ("importance", config(evalMask: .expected, sampler: "importance"))] {
            let (trained, evaluated) = try trainThenEvaluate(c, name)
            XCTAssertEqual(evaluated.testLoss, trained.testLoss, name)
            XCTAssertEqual(evaluated.testAccuracy, trained.testAccuracy, name)
        }
    }

    /// Control: with keep 0.5 and no rescaling the expected mask halves the masked weights, so
    /// scoring the same checkpoint without it gives another loss — the test above is not vacuous.
    func testExpectedMaskChangesTheScore() throws {
        let out = TemporaryDirectory("masklab-eval-control")
        let c = config(evalMask: .expected)
        let result = try TrainingRun.run(c, dataRoot: data.url, layout: RunLayout(directory: out.url), commandLine: ["test"])
        let unmasked = try Evaluation.evaluate(config(evalMask: EvalMask.none), checkpoint: out.file("last.safetensors"),
                                               dataRoot: data.url, includeTrain: false)
        XCTAssertNotEqual(unmasked.testLoss, try XCTUnwrap(result.history.last).testLoss)
    }

    /// A plain state_dict (the checkpoint's tensors without optimiser state, hook tensors or
    /// metadata) scores as its checkpoint does on every path: the test set alone, with the
    /// training set, and under a config with the expected mask (a state_dict has no mask state to
    /// restore: the weights are scored as saved, as the unmasked run's checkpoint is).
    func testAStateDictScoresAsItsCheckpointOnEveryPath() throws {
        let out = TemporaryDirectory("masklab-eval-state-dict")
        let c = config(evalMask: nil)
        _ = try TrainingRun.run(c, dataRoot: data.url, layout: RunLayout(directory: out.url), commandLine: ["test"])
        let checkpoint = out.file("last.safetensors")
        let saved = try SafetensorsFile.read(from: checkpoint)
        let weights = SafetensorsFile(tensors: saved.tensors.filter { t in !StateDict.ignoredPrefixes.contains { t.name.hasPrefix($0) } })
        XCTAssertLessThan(weights.tensors.count, saved.tensors.count, "the optimiser's state was left out")
        let stateDict = out.file("weights.safetensors")
        try weights.write(to: stateDict)

        let reference = try Evaluation.evaluate(c, checkpoint: checkpoint, dataRoot: data.url, includeTrain: true)
        XCTAssertEqual(reference.format, "checkpoint")
        XCTAssertGreaterThan(reference.step, 0)
        let alone = try Evaluation.evaluate(c, checkpoint: stateDict, dataRoot: data.url, includeTrain: false)
        let withTrain = try Evaluation.evaluate(c, checkpoint: stateDict, dataRoot: data.url, includeTrain: true)
        let expected = try Evaluation.evaluate(config(evalMask: .expected), checkpoint: stateDict, dataRoot: data.url, includeTrain: false)
        for (name, r) in [("test alone", alone), ("with train", withTrain), ("expected mask", expected)] {
            XCTAssertEqual(r.format, "state_dict", name)
            XCTAssertEqual(r.step, 0, name)
            XCTAssertEqual(r.testLoss, reference.testLoss, name)
            XCTAssertEqual(r.testAccuracy, reference.testAccuracy, name)
            XCTAssertEqual(r.testSamples, 60, name)
            XCTAssertNil(r.maskIgnored, name)
        }
        XCTAssertNil(alone.trainLoss)
        XCTAssertEqual(withTrain.trainLoss, reference.trainLoss)
        XCTAssertEqual(withTrain.trainAccuracy, reference.trainAccuracy)
        XCTAssertEqual(withTrain.trainSamples, 240)
    }
}
