import XCTest
import TensorCore
import Layers
import TestSupport
@testable import Training

/// Hooks are called in the documented order and can change the computation the way masks will:
/// a fixed mask re-applied after every optimiser step survives momentum and weight decay, and a
/// hook's state travels through checkpoints.
final class TrainingHookTests: XCTestCase {
    override func setUp() { Parallel.setThreads(1) }

    /// Records events; zeroes the gradient of, and re-freezes, the first half of fc1.weight.
    final class FreezeHalf: TrainingHook {
        var events: [String] = []
        var frozen: [Float] = []
        var initial: [Float] = []
        var weight: Parameter!
        var restoredCounter: [Int64] = []
        let network: Network
        init(network: Network) { self.network = network }

        func runStart(_ run: RunStart) {
            weight = network.store.parameter(named: "fc1.weight")
            initial = weight.value.toArray()
            frozen = Array(initial.prefix(initial.count / 2))
            events.append("runStart")
        }
        func beforeForward(step: TrainingStep) {
            events.append("beforeForward \(step.iteration)")
            XCTAssertEqual(step.count, 32)
            XCTAssertGreaterThan(step.learningRate, 0)
        }
        func afterBackward(step: TrainingStep) {
            events.append("afterBackward \(step.iteration)")
            for i in frozen.indices { weight.grad[i] = 0 }
        }
        func afterOptimizerStep(step: TrainingStep) {
            events.append("afterOptimizerStep \(step.iteration)")
            for i in frozen.indices { weight.value[i] = frozen[i] }
        }
        func epochEnd(epoch: Int) { events.append("epochEnd \(epoch)") }
        func evaluationWeights() -> EffectiveWeights {
            events.append("evaluationWeights")
            return .none
        }
        func checkpointState() -> [HookState] { [HookState(name: "hook.freeze.count", .integers([Int64(events.count)]))] }
        func restore(from state: [HookState]) throws(HookError) {
            guard let s = state.first(where: { $0.name == "hook.freeze.count" }), case let .integers(v) = s.payload else {
                throw HookError("hook.freeze.count missing")
            }
            restoredCounter = v
        }
    }

    func testHookOrderFixedMaskAndCheckpointedState() throws {
        let dir = TemporaryDirectory()
        let net = Fixtures.network()
        let hook = FreezeHalf(network: net)
        _ = try Trainer.run(config: Fixtures.config(epochs: 1), splits: Fixtures.splits(), network: net,
                            outputDirectory: dir.url, hooks: [hook])
        XCTAssertEqual(Array(hook.events.prefix(7)), ["runStart", "beforeForward 0", "afterBackward 0", "afterOptimizerStep 0",
                                                      "beforeForward 1", "afterBackward 1", "afterOptimizerStep 1"])
        XCTAssertEqual(Array(hook.events.suffix(2)), ["epochEnd 0", "evaluationWeights"])
        let w = net.store.parameter(named: "fc1.weight")!.value.toArray()
        XCTAssertEqual(Array(w.prefix(hook.frozen.count)), hook.frozen, "frozen half moved despite momentum and weight decay")
        XCTAssertNotEqual(Array(w.suffix(10)), Array(hook.initial.suffix(10)), "the free half trains")

        // The hook's tensor is in the checkpoint and handed back on resume.
        let more = Fixtures.config(epochs: 2)
        let net2 = Fixtures.network()
        let hook2 = FreezeHalf(network: net2)
        _ = try Trainer.run(config: more, splits: Fixtures.splits(), network: net2, outputDirectory: dir.url, hooks: [hook2], resume: true)
        XCTAssertEqual(hook2.restoredCounter, [Int64(hook.events.count)], "state saved at the end of epoch 0")
        XCTAssertEqual(hook2.events.first(where: { $0.hasPrefix("beforeForward") }), "beforeForward 8")
    }
}
