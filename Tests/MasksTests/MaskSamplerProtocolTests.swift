import XCTest
import Foundation
import TensorCore
import Layers
import TestSupport
@testable import Masks
@testable import Training

/// The masking hook drives a sampler only through `MaskSampler`'s step points: a sampler made in
/// a test (no registry line, no family) sees every point in the documented order, and one that
/// overrides nothing but `start` gets the defaults (gradients masked, nothing else touched).
final class MaskSamplerProtocolTests: XCTestCase {
    override func setUp() { Parallel.setThreads(1) }

    /// Records each step point it is called at.
    final class Recorder: MaskSampler {
        let name = "recorder"
        var calls: [String] = []
        func start(_ run: MaskRun, restored: [HookState]?) throws(MaskError) { calls.append("start") }
        func forwardWeights(_ run: MaskRun) -> EffectiveWeights { calls.append("forwardWeights"); return .none }
        func beforeForward(_ step: TrainingStep, run: MaskRun) { calls.append("beforeForward \(step.iteration)") }
        func observeGradients(_ step: TrainingStep, run: MaskRun) { calls.append("observeGradients \(step.iteration)") }
        func afterBackward(_ step: TrainingStep, run: MaskRun) { calls.append("afterBackward \(step.iteration)") }
        func afterOptimizerStep(_ step: TrainingStep, run: MaskRun) { calls.append("afterOptimizerStep \(step.iteration)") }
        func updateMask(_ step: TrainingStep, run: MaskRun) { calls.append("updateMask \(step.iteration)") }
        func epochEnd(_ epoch: Int, iteration: Int, last: Bool, run: MaskRun) { calls.append("epochEnd \(epoch) \(iteration) \(last)") }
        func evaluationWeights(_ run: MaskRun) -> EffectiveWeights { calls.append("evaluationWeights"); return .none }
        func state(_ run: MaskRun) -> [HookState] { calls.append("state"); return [] }
    }

    func testTheHookCallsEveryStepPointInOrder() throws {
        let recorder = Recorder()
        let net = MaskFixtures.network()
        let hook = MaskingHook(sampler: recorder, config: MaskConfig(name: "recorder"), network: net, trainingSet: nil)
        var config = MaskFixtures.config(epochs: 1)
        config.budget = .iterations(2)
        _ = try Trainer.run(config: config, splits: MaskFixtures.splits(), network: net, outputDirectory: nil, hooks: [hook])
        let step = { (t: Int) in ["beforeForward \(t)", "observeGradients \(t)", "afterBackward \(t)", "afterOptimizerStep \(t)", "updateMask \(t)"] }
        XCTAssertEqual(recorder.calls, ["start", "forwardWeights"] + step(0) + step(1) + ["epochEnd 0 1 true", "evaluationWeights"])
        XCTAssertEqual(hook.checkpointState().map(\.name), [MaskingHook.prefix + "rng", MaskingHook.prefix + "epoch_counts"])
        XCTAssertEqual(recorder.calls.last, "state")
    }

    /// Overrides only `start` (a mask that drops the first entry of every tensor).
    final class DropFirst: MaskSampler {
        let name = "drop-first"
        func start(_ run: MaskRun, restored: [HookState]?) throws(MaskError) {
            for i in run.parameters.indices { run.masks.multipliers(i).pointer[0] = 0 }
        }
    }

    func testDefaultsMaskTheGradientsAndNothingElse() throws {
        let (sampler, net) = (DropFirst(), MaskFixtures.network())
        net.prepare(batch: 32)
        let hook = MaskingHook(sampler: sampler, config: MaskConfig(name: "drop-first"), network: net, trainingSet: nil)
        try hook.runStart(RunStart(seed: 7, batchSize: 32, iterationsPerEpoch: 8, totalIterations: 16, startIteration: 0, outputDirectory: nil))
        let masks = try XCTUnwrap(hook.masks)
        XCTAssertEqual(masks.keepProbabilities.count, 0, "layout .multipliers: no keep probabilities")
        let batch = MaskFixtures.Batch(seed: 4)
        let before = hook.parameters.map { $0.value.toArray() }
        hook.beforeForward(step: batch.step(0))
        for p in hook.parameters { p.grad.fill(1) }
        hook.afterBackward(step: batch.step(0))
        hook.afterOptimizerStep(step: batch.step(0))
        for (i, p) in hook.parameters.enumerated() {
            XCTAssertEqual(p.grad[0], 0, "\(p.name): the dropped entry's gradient is masked")
            XCTAssertEqual(p.grad[1], 1, "\(p.name): a kept entry's gradient is untouched")
            XCTAssertEqual(p.value.toArray(), before[i], "\(p.name): the default prunes nothing")
        }
        XCTAssertTrue(hook.forwardWeights.isEmpty && hook.evaluationWeights().isEmpty, "no forward or evaluation weights by default")
    }
}
