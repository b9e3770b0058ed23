import XCTest
import Foundation
import Stats
import Layers
import Datasets
import Masks
import Training
import Experiments
import TestSupport

/// The comparison config: arms as mask overrides, and the guarantee that within a seed every arm
/// starts from the same weights and sees the same batches (checked by training through the real
/// `Trainer` on a tiny generated MNIST).
final class CompareConfigTests: XCTestCase {
    private func base(hidden: Int = 8) -> [String: Any] {
        ["model": "mlp", "modelOptions": ["hidden": [hidden]], "dataset": "mnist", "batchSize": 16, "budget": ["iterations": 2],
         "masks": ["keep": 0.3, "target": "gradients", "scaling": "none", "importance": ["steps": 2, "eta": 0.5, "refreshIterations": 1]]]
    }

    func testDefaultArmsMergeIntoTheBaseMasks() throws {
        let c = try CompareConfig.parse(["name": "t", "seeds": [3, 4], "base": base()], path: "test")
        XCTAssertEqual(c.arms.map(\.name), ["baseline", "dropconnect", "impacts", "impacts+reg"])
        XCTAssertNil(c.arm("baseline")?.config.masks, "baseline has no mask")
        let dc = try XCTUnwrap(c.arm("dropconnect")?.config.masks)
        XCTAssertEqual(dc.name, "dropconnect")
        XCTAssertEqual(dc.keep, 0.3)
        XCTAssertEqual(dc.target, .gradients)
        let imp = try XCTUnwrap(c.arm("impacts")?.config.masks), reg = try XCTUnwrap(c.arm("impacts+reg")?.config.masks)
        XCTAssertEqual(imp.importance.lambda, 0)
        XCTAssertEqual(reg.importance.lambda, 1)
        XCTAssertEqual(reg.importance.steps, 2, "nested importance options merge, not replace")
        XCTAssertEqual(reg.importance.refreshIterations, 1)
        let run = c.runConfig(try XCTUnwrap(c.arm("impacts")), seed: 4)
        XCTAssertEqual(run.training.seed, 4)
        XCTAssertEqual(run.training.threads, 1)
    }

    func testSmokeShrinksTheBudgetButKeepsTheProtocol() throws {
        var b = base()
        b["modelOptions"] = ["width": 64]
        b["model"] = "resnet18"
        b["masks"] = ["keep": 0.2, "target": "gradients", "importance": ["solve": "perLayer", "steps": 400, "lambda": 4e-4]]
        let full = try CompareConfig.parse(["name": "p", "seeds": [7, 8, 9], "base": b], path: "test")
        let smoke = full.smoke()
        XCTAssertEqual(smoke.name, "p-smoke")
        XCTAssertEqual(smoke.seeds, [7])
        for (a, s) in zip(full.arms, smoke.arms) {
            XCTAssertEqual(s.config.training.budget, .epochs(1))
            XCTAssertEqual(s.config.trainSubset, 256)
            XCTAssertEqual(s.config.training.modelOptions.width, 8)
            XCTAssertEqual(s.config.masks?.importance.steps, a.config.masks.map { _ in 2 })
            XCTAssertEqual(s.config.masks?.importance.solve, a.config.masks?.importance.solve)
            XCTAssertEqual(s.config.masks?.keep, a.config.masks?.keep)
            XCTAssertEqual(s.config.training.optimizer, a.config.training.optimizer)
        }
        // An MLP's hidden layers shrink too, and the jobs run on one thread each.
        var mlp = base()
        mlp.removeValue(forKey: "modelOptions")   // LeNet-300-100
        let wide = try CompareConfig.parse(["name": "m", "seeds": [1], "base": mlp, "threadsPerJob": 8], path: "test").smoke()
        XCTAssertEqual(wide.threadsPerJob, 1)
        XCTAssertTrue(wide.shrunk?.contains("1 thread per job (was 8)") == true, wide.shrunk ?? "")
        for arm in wide.arms { XCTAssertEqual(arm.config.training.modelOptions.hidden, [32, 32], "LeNet-300-100's 300, 100 capped at 32") }
    }

    func testCustomArmsAndErrors() throws {
        let c = try CompareConfig.parse(["name": "t", "seeds": [0], "base": base(),
                                         "arms": [["name": "dc50", "masks": ["name": "dropconnect", "keep": 0.5]], ["name": "none", "masks": NSNull()]]], path: "test")
        XCTAssertEqual(c.arm("dc50")?.config.masks?.keep, 0.5)
        XCTAssertNil(c.arm("none")?.config.masks)
        func message(_ dict: [String: Any]) -> String {
            do { _ = try CompareConfig.parse(dict, path: "x.json"); return "" } catch { return error.description }
        }
        XCTAssertTrue(message(["name": "t", "seeds": [0], "base": base(), "sedes": 1]).contains("unknown key sedes"))
        XCTAssertTrue(message(["name": "t", "seeds": [], "base": base()]).contains("seeds"))
        XCTAssertTrue(message(["name": "t", "seeds": [0], "base": base(), "arms": [["name": "a", "masks": ["name": "dropconnect", "kep": 1]]]]).contains("kep"))
        XCTAssertTrue(message(["name": "t", "seeds": [0], "base": base(), "arms": [["name": "a", "masks": ["keep": 2.0]]]]).contains("keep"))
        XCTAssertTrue(message(["name": "a/b", "seeds": [0], "base": base()]).contains("name"))
        var threaded = base()
        threaded["threads"] = 2
        XCTAssertTrue(message(["name": "t", "seeds": [0], "base": threaded]).contains("\"base.threads\" is 2, but \"threadsPerJob\" (1)"),
                      "a base threads that threadsPerJob would replace is refused")
        XCTAssertEqual(message(["name": "t", "seeds": [0], "base": threaded, "threadsPerJob": 2]), "")
        // A bad key of the base is the base's, not the first arm's.
        var bad = base()
        bad["batchSise"] = 8
        let text = message(["name": "t", "seeds": [0], "base": bad])
        XCTAssertTrue(text.contains("\"base\"") && text.contains("batchSise"), text)
        XCTAssertFalse(text.contains("arm baseline"), text)
        // A bad key inside an arm's masks still names the arm.
        XCTAssertTrue(message(["name": "t", "seeds": [0], "base": base(), "arms": [["name": "a1", "masks": ["kep": 1]]]]).contains("arm a1"))
    }

    /// Records the parameter values and the batch seen at the first step (before any update).
    final class FirstStepRecorder: TrainingHook {
        let network: Network
        var weights: [Float] = [], inputs: [Float] = [], labels: [Int32] = []
        init(network: Network) { self.network = network }
        func beforeForward(step: TrainingStep) {
            guard step.iteration == 0 else { return }
            weights = network.store.values.tensor(.init(network.store.count)).toArray()
            inputs = step.inputs.toArray()
            labels = Array(UnsafeBufferPointer(start: step.labels, count: step.count))
        }
    }

    func testArmsOfASeedShareInitialWeightsAndDataOrder() throws {
        let data = TemporaryDirectory("masklab-compare-init")
        try DatasetFixtures.writeMNIST(to: data.url, train: 96, test: 20, gzipped: false)
        let c = try CompareConfig.parse(["name": "t", "seeds": [5, 6], "base": base()], path: "test")
        var seen: [UInt64: [(arm: String, recorder: FirstStepRecorder)]] = [:]
        for seed in c.seeds {
            for arm in c.arms {
                let config = c.runConfig(arm, seed: seed)
                let (network, splits, augmentation) = try TrainingRun.materialise(config, dataRoot: data.url)
                let recorder = FirstStepRecorder(network: network)
                let hooks = try TrainingRun.maskingHooks(config, network: network, splits: splits)
                let trainer = try Trainer(config: config.training, network: network, splits: splits, outputDirectory: nil,
                                          hooks: [recorder] + hooks, augmentation: augmentation)
                _ = try trainer.run(resume: false)
                XCTAssertFalse(recorder.weights.isEmpty, "\(arm.name) seed \(seed) recorded nothing")
                seen[seed, default: []].append((arm.name, recorder))
            }
        }
        for (seed, arms) in seen {
            let first = arms[0].recorder
            for (name, r) in arms.dropFirst() {
                XCTAssertEqual(r.weights, first.weights, "seed \(seed): \(name) starts from other weights than \(arms[0].arm)")
                XCTAssertEqual(r.inputs, first.inputs, "seed \(seed): \(name) sees another first batch")
                XCTAssertEqual(r.labels, first.labels, "seed \(seed): \(name) sees other labels")
            }
        }
        let a = try XCTUnwrap(seen[5]?[0].recorder), b = try XCTUnwrap(seen[6]?[0].recorder)
        XCTAssertNotEqual(a.weights, b.weights, "another seed must give other initial weights")
        XCTAssertNotEqual(a.labels, b.labels, "another seed must give another data order")
    }

    func testSubsetsAreSeededAndKeyedOnlyWhenSet() throws {
        let data = TemporaryDirectory("masklab-compare-subset")
        try DatasetFixtures.writeMNIST(to: data.url, train: 100, test: 10, gzipped: false)
        var config = RunConfig()
        config.trainSubset = 30
        let a = try TrainingRun.materialise(config, dataRoot: data.url).splits.train
        let b = try TrainingRun.materialise(config, dataRoot: data.url).splits.train
        XCTAssertEqual(a.count, 30)
        XCTAssertEqual(a.labels, b.labels)
        XCTAssertEqual(a.pixels, b.pixels)
        config.training.seed = 1
        XCTAssertNotEqual(try TrainingRun.materialise(config, dataRoot: data.url).splits.train.pixels, a.pixels)
        XCTAssertTrue(config.jsonText().contains("\"trainSubset\": 30"))
        config.testSubset = 4
        let test1 = try TrainingRun.materialise(config, dataRoot: data.url).splits.test
        config.training.seed = 2
        let test2 = try TrainingRun.materialise(config, dataRoot: data.url).splits.test
        XCTAssertEqual(test1.count, 4)
        XCTAssertEqual(test1.pixels, test2.pixels, "every run, whatever its seed, is scored on the same test images")
        XCTAssertTrue(RunConfig().jsonText().contains("\"trainSubset\": 0"), "every key is written; 0 = all")
    }
}
