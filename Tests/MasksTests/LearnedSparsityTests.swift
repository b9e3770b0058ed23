import XCTest
import Foundation
import TensorCore
import Stats
import Layers
import Options
import TestSupport
@testable import Masks
@testable import Training

/// The learned-sparsity samplers (l1, l0, vd): gradients of their own parameters and of the
/// weights through the gates / noise against central differences with the noise fixed, the
/// proximal step's exact values, the final sparsity, bit-exact resume, and refused options.
final class LearnedSparsityTests: XCTestCase {
    override func setUp() { Parallel.setThreads(1) }

    /// `config` with the sampler option `key` set from its text, as a flag would set it.
    static func set(_ config: inout MaskConfig, _ key: String, _ text: String) throws {
        guard let o = MaskConfig.options.first(where: { $0.key == key }) else { throw XCTSkip("no option \(key)") }
        try o.writeText(&config, text)
    }

    // MARK: - Finite differences

    /// A linear 8 → 6 → 3 network (no nonlinearity, so the objective is smooth in the weights)
    /// and one batch of 4 Gaussian samples.
    final class Problem {
        let net = TinyNets.twoLayer(inputs: 8, hidden: 6, classes: 3)
        let inputs = TensorStorage(count: 4 * 8)
        let labels = UnsafeMutablePointer<Int32>.allocate(capacity: 4)
        let hook: MaskingHook
        init(_ config: MaskConfig) throws {
            TinyNets.initialise(net, seed: 5)
            net.prepare(batch: 4)
            let rng = RandomStream(seed: 9)
            for i in 0..<inputs.count { inputs.base[i] = Float(rng.gaussian()) }
            for i in 0..<4 { labels[i] = Int32(rng.integer(below: 3)) }
            hook = try MaskingHook(config: config, network: net, trainingSet: nil)
            // N = iterations per epoch × batch = 4, so the penalty weighs as much as the data.
            try hook.runStart(RunStart(seed: 3, batchSize: 4, iterationsPerEpoch: 1, totalIterations: 10, startIteration: 0, outputDirectory: nil))
        }
        deinit { labels.deallocate() }
        var step: TrainingStep {
            TrainingStep(iteration: 0, epoch: 0, batchInEpoch: 0, learningRate: 0.1, inputs: inputs.tensor(Shape(4, 8)), labels: labels, count: 4)
        }
        var masks: MaskSet { hook.masks! }
        var own: [Parameter] { hook.trainableParameters!.parameters }

        /// Objective (mean CE + the sampler's scaled penalty) with the noise drawn from `noise`
        /// (the mask stream's state); with `gradients`, also runs backward and the hook's rule.
        func objective(noise: [UInt8], penalty: () -> Double, gradients: Bool = false) -> Double {
            try! masks.random.restore(state: noise)
            hook.beforeForward(step: step)
            net.store.zeroGradients()
            hook.trainableParameters!.zeroGradients()
            let loss = net.withEffectiveWeights(hook.forwardWeights) { () -> Double in
                let logits = net.forward(inputs.tensor(Shape(4, 8)), mode: .training)
                let (l, _) = net.loss.forward(logits: logits, labels: labels)
                if gradients { net.backward(net.loss.backward()) }
                return l
            }
            if gradients { hook.afterBackward(step: step) }
            return loss + penalty()
        }

        /// Central differences of the objective in `tensors` against the analytic gradients;
        /// `skip(t, j)` leaves out entries next to a kink. Returns the number of entries checked.
        @discardableResult
        func check(_ tensors: [Parameter], name: String, h: Float = 1e-2, penalty: () -> Double,
                   skip: (Int, Int) -> Bool = { _, _ in false }) -> Int {
            let noise = masks.random.state
            _ = objective(noise: noise, penalty: penalty, gradients: true)
            let analytic = tensors.map { $0.grad.toArray() }
            var checked = 0, worst = 0.0
            for (t, p) in tensors.enumerated() {
                for j in 0..<p.value.count where !skip(t, j) {
                    let x = p.value[j]
                    p.value[j] = x + h
                    let up = objective(noise: noise, penalty: penalty)
                    p.value[j] = x - h
                    let down = objective(noise: noise, penalty: penalty)
                    p.value[j] = x
                    let numeric = (up - down) / (2 * Double(h))
                    let a = Double(analytic[t][j])
                    let excess = abs(a - numeric) - (2e-3 + 2e-2 * abs(numeric))
                    worst = max(worst, abs(a - numeric))
                    XCTAssertLessThanOrEqual(excess, 0, "\(name) \(p.name)[\(j)]: analytic \(a), numeric \(numeric)")
                    checked += 1
                }
            }
            print("\(name): \(checked) entries, largest |analytic − numeric| = \(worst)")
            return checked
        }
    }

    func testL0GradientsMatchFiniteDifferencesWithTheNoiseFixed() throws {
        var config = MaskConfig(name: "l0")
        try Self.set(&config, "l0.lambda", "1")
        let problem = try Problem(config)
        let sampler = try XCTUnwrap(problem.hook.sampler as? L0Gates)
        // log α spread over [−2, 3] so that gates are closed, open and in between.
        let rng = RandomStream(seed: 21)
        for a in problem.own { for j in 0..<a.value.count { a.value[j] = rng.uniform(-2, 3) } }
        let h: Float = 1e-2
        // Gate z(log α ± h) on different sides of a clamp (0 or 1) is a kink: left out.
        let noise = problem.masks.random.state
        func regions(_ t: Int, _ j: Int) -> Set<Int> {
            var out = Set<Int>()
            let a = problem.own[t]
            let x = a.value[j]
            for d in [-h, h] {
                a.value[j] = x + d
                _ = problem.objective(noise: noise, penalty: sampler.penalty)
                let z = sampler.gate(t, j)
                out.insert(z <= 0 ? 0 : z >= 1 ? 2 : 1)
            }
            a.value[j] = x
            return out
        }
        let kinks = problem.own.indices.flatMap { t in (0..<problem.own[t].value.count).filter { regions(t, $0).count > 1 }.map { (t, $0) } }
        let checked = problem.check(problem.own, name: "l0 log α", h: h, penalty: sampler.penalty) { t, j in kinks.contains { $0 == (t, j) } }
        XCTAssertGreaterThan(checked, 60, "most gates are away from a clamp")
        problem.check(problem.masks.parameters, name: "l0 W through the gates", h: h, penalty: sampler.penalty)
        // Some gates are exactly closed and some exactly open in this draw: both clamps are exercised.
        _ = problem.objective(noise: noise, penalty: sampler.penalty)
        let zs = problem.own.indices.flatMap { t in (0..<problem.own[t].value.count).map { sampler.gate(t, $0) } }
        XCTAssertTrue(zs.contains(0) && zs.contains(1) && zs.contains { $0 > 0 && $0 < 1 }, "gates: \(zs.prefix(12))")
    }

    func testVDGradientsMatchFiniteDifferencesWithTheNoiseFixed() throws {
        for clip in ["true", "false"] {
            var config = MaskConfig(name: "vd")
            try Self.set(&config, "vd.klStart", "0")
            try Self.set(&config, "vd.klFull", "0")
            try Self.set(&config, "vd.trainClip", clip)
            let problem = try Problem(config)
            let sampler = try XCTUnwrap(problem.hook.sampler as? VariationalDropout)
            // log σ² in [−6, 1] against θ ~ U(−1, 1): log α covers both clips and the threshold.
            let rng = RandomStream(seed: 22)
            for s in problem.own { for j in 0..<s.value.count { s.value[j] = rng.uniform(-6, 1) } }
            let h: Float = 1e-3
            let theta = problem.masks.parameters
            // log α within reach of a clip (±8) or of the pruning threshold (3) is a kink: left out.
            func nearKink(_ t: Int, _ j: Int) -> Bool {
                let w = theta[t].value[j], s = problem.own[t].value[j]
                let as_ = [VariationalDropout.logAlpha(theta: w - h, logSigma2: s - h).value,
                           VariationalDropout.logAlpha(theta: w + h, logSigma2: s + h).value,
                           VariationalDropout.logAlpha(theta: w - h, logSigma2: s + h).value,
                           VariationalDropout.logAlpha(theta: w + h, logSigma2: s - h).value]
                return as_.contains { abs($0 - 8) < 0.5 || abs($0 + 8) < 0.5 || abs($0 - 3) < 0.5 }   // Float log α
            }
            let penalty = { sampler.penalty(masks: problem.masks) }
            let n1 = problem.check(problem.own, name: "vd log σ² (trainClip \(clip))", h: h, penalty: penalty, skip: nearKink)
            let n2 = problem.check(theta, name: "vd θ (trainClip \(clip))", h: h, penalty: penalty, skip: nearKink)
            XCTAssertGreaterThan(n1, 50)
            XCTAssertGreaterThan(n2, 50)
            let alphas = theta.indices.flatMap { t in (0..<theta[t].value.count).map {
                VariationalDropout.logAlpha(theta: theta[t].value[$0], logSigma2: problem.own[t].value[$0]) } }
            XCTAssertTrue(alphas.contains { $0.clipped } && alphas.contains { !$0.clipped && $0.value >= 3 } && alphas.contains { $0.value < 3 },
                          "log α must cover the clip, the pruned and the kept ranges")
        }
    }

    func testVDKLApproximationAndItsDerivative() {
        // The paper's fit: −KL → 0 as α → ∞ (log α = 8: ≈ k1·(σ(…) − 1) ≈ −4e-6) and KL grows as α → 0.
        XCTAssertEqual(VariationalDropout.kl(8), 0, accuracy: 1e-3)
        XCTAssertGreaterThan(VariationalDropout.kl(-8), VariationalDropout.kl(0))
        for a in stride(from: -7.5, through: 7.5, by: 0.5) {
            let h = 1e-5
            let numeric = (VariationalDropout.kl(a + h) - VariationalDropout.kl(a - h)) / (2 * h)
            XCTAssertEqual(Double(VariationalDropout.klDerivative(Float(a), alpha: Float(exp(a)))), numeric, accuracy: 1e-6, "log α = \(a)")
        }
    }

    // MARK: - L1

    func testL1ProximalStepIsTheSoftThreshold() throws {
        var config = MaskConfig(name: "l1")
        try Self.set(&config, "l1.lambda", "0.5")
        let problem = try Problem(config)
        let p = problem.masks.parameters[0]
        p.value.copy(from: (0..<p.value.count).map { Float($0 % 7) * 0.02 - 0.06 })
        let before = p.value.toArray()
        problem.hook.afterOptimizerStep(step: problem.step)   // lr 0.1 · λ 0.5 = threshold 0.05
        for (j, w) in before.enumerated() {
            let expected: Float = abs(w) > 0.05 ? (w > 0 ? w - 0.05 : w + 0.05) : 0
            XCTAssertEqual(p.value[j], expected, accuracy: 1e-7, "entry \(j): \(w)")
        }
        XCTAssertTrue(p.value.buffer.contains(0) && p.value.buffer.contains { $0 != 0 })
    }

    /// Two epochs on the fixture: the proximal step alone zeroes some weights, the final threshold
    /// brings every tensor (layerwise) to the target, and sparsity.csv says both.
    func testL1ReachesTheTargetSparsityAtTheEnd() throws {
        var config = MaskConfig(name: "l1")
        try Self.set(&config, "l1.lambda", "0.05")
        try Self.set(&config, "l1.targetSparsity", "0.8")
        let net = MaskFixtures.network()
        let hook = try MaskingHook(config: config, network: net, trainingSet: nil)
        let dir = TemporaryDirectory()
        _ = try Trainer.run(config: MaskFixtures.config(epochs: 2), splits: MaskFixtures.splits(), network: net, outputDirectory: dir.url, hooks: [hook])
        let rows = try String(contentsOf: dir.file(SparsityLog.file), encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        XCTAssertEqual(rows[0], SparsityLog.header.split(separator: ",").map(String.init))
        let all = rows.filter { $0[3] == "all" }
        XCTAssertEqual(all.map { $0[2] }, ["epoch", "epoch", "final"])
        let before = try XCTUnwrap(Double(all[1][6])), after = try XCTUnwrap(Double(all[2][6]))
        XCTAssertGreaterThan(before, 0, "the proximal step alone made exact zeros")
        XCTAssertLessThan(before, 0.8)
        for p in hook.masks!.parameters {
            let zeros = p.value.buffer.filter { $0 == 0 }.count
            XCTAssertEqual(Double(zeros) / Double(p.value.count), 0.8, accuracy: 0.5 / Double(p.value.count) + 1e-9, p.name)
        }
        XCTAssertEqual(after, 0.8, accuracy: 0.01)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.file(MaskAnalytics.fileName).path))
    }

    // MARK: - The end of a run

    /// After the last step the weights are the sparse network: evaluating them without any hook
    /// scores exactly what an evaluation through the hook scored just before (W ⊙ ẑ for l0,
    /// θ ⊙ [log α < 3] for vd), and the nonzero weights are the entries sparsity.csv keeps.
    func testFinalWeightsAreTheSparseNetwork() throws {
        for name in ["l0", "vd"] {
            let net = MaskFixtures.network()
            net.prepare(batch: 64)
            net.store.initialise(streams: RandomStreams(seed: 4))
            let hook = try MaskingHook(config: MaskConfig(name: name), network: net, trainingSet: nil)
            let dir = TemporaryDirectory()
            try hook.runStart(RunStart(seed: 4, batchSize: 32, iterationsPerEpoch: 1, totalIterations: 1, startIteration: 0, outputDirectory: dir.url))
            // Own parameters spread so that some weights are pruned and some kept.
            let rng = RandomStream(seed: 8)
            for p in hook.trainableParameters!.parameters {
                for j in 0..<p.value.count { p.value[j] = name == "l0" ? rng.uniform(-4, 3) : rng.uniform(-12, 0) }
            }
            let batch = MaskFixtures.Batch(seed: 2)
            hook.beforeForward(step: batch.step(0))
            let test = MaskFixtures.splits().test
            let gated = RunEvaluator(network: net, hooks: [hook]).evaluate(test, batchSize: 64)
            hook.epochEnd(epoch: 0)
            let plain = RunEvaluator(network: net, hooks: []).evaluate(test, batchSize: 64)
            XCTAssertEqual(plain.loss, gated.loss, "\(name): the sparse weights score as the gated network did")
            XCTAssertEqual(plain.accuracy, gated.accuracy, "\(name)")
            XCTAssertEqual(RunEvaluator(network: net, hooks: [hook]).evaluate(test, batchSize: 64).loss, plain.loss,
                           "\(name): after the end, evaluation through the hook reads the weights")
            let rows = try String(contentsOf: dir.file(SparsityLog.file), encoding: .utf8).split(separator: "\n")
            let final = try XCTUnwrap(rows.last { $0.contains(",final,all,") }).split(separator: ",")
            let nonzero = hook.masks!.parameters.reduce(0) { $0 + $1.value.buffer.filter { $0 != 0 }.count }
            let entries = hook.masks!.parameters.reduce(0) { $0 + $1.value.count }
            XCTAssertEqual(Int(final[5]), nonzero, "\(name): kept entries are the nonzero weights")
            XCTAssertTrue(nonzero > entries / 10 && nonzero < entries * 9 / 10, "\(name): \(nonzero) of \(entries) kept")
        }
    }

    // MARK: - Resume

    /// Stop mid-epoch 1 with a checkpoint, resume: weights, the sampler's own parameters and the
    /// logs equal an uninterrupted run's bit for bit.
    func testResumeIsBitExact() throws {
        for name in ["l1", "l0", "vd"] {
            var config = MaskConfig(name: name)
            if name == "l1" { try Self.set(&config, "l1.lambda", "0.05"); try Self.set(&config, "l1.targetSparsity", "0.5") }
            if name == "vd" { try Self.set(&config, "vd.klStart", "0"); try Self.set(&config, "vd.klFull", "1") }
            var training = MaskFixtures.config(epochs: 2)
            if name != "l1" { training.optimizer = OptimizerConfig(name: "adam", learningRate: 0.01) }
            func run(_ dir: URL, stopAfter: Int?) throws -> (MaskingHook, Network) {
                let net = MaskFixtures.network()
                let hook = try MaskingHook(config: config, network: net, trainingSet: MaskFixtures.splits().train)
                _ = try Trainer.run(config: training, splits: MaskFixtures.splits(), network: net, outputDirectory: dir,
                                    callbacks: stopAfter.map { [StopAfter(iteration: $0)] } ?? [], hooks: [hook],
                                    resume: stopAfter == nil && FileManager.default.fileExists(atPath: dir.appendingPathComponent("last.safetensors").path))
                return (hook, net)
            }
            let a = TemporaryDirectory(), b = TemporaryDirectory()
            let (hookA, netA) = try run(a.url, stopAfter: nil)
            _ = try run(b.url, stopAfter: 10)
            let (hookB, netB) = try run(b.url, stopAfter: nil)
            XCTAssertEqual(netA.store.values.tensor(Shape(netA.store.count)).toArray(), netB.store.values.tensor(Shape(netB.store.count)).toArray(),
                           "\(name): resumed weights differ")
            if let sa = hookA.trainableParameters, let sb = hookB.trainableParameters {
                XCTAssertEqual(sa.values.tensor(Shape(sa.count)).toArray(), sb.values.tensor(Shape(sb.count)).toArray(), "\(name): own parameters differ")
            }
            for file in ["masks.csv", SparsityLog.file] {
                XCTAssertEqual(try String(contentsOf: a.file(file), encoding: .utf8), try String(contentsOf: b.file(file), encoding: .utf8),
                               "\(name): \(file) differs after resume")
            }
            // metrics.csv up to the learning rate (the columns after it are timings).
            func untimed(_ dir: TemporaryDirectory) throws -> [[Substring]] {
                try String(contentsOf: dir.file("metrics.csv"), encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).prefix(11).map { $0 } }
            }
            XCTAssertEqual(try untimed(a), try untimed(b), "\(name): metrics differ after resume")
        }
    }

    func testResumeWithoutTheOwnParametersIsRefused() throws {
        // A checkpoint of a run without l0 cannot resume as an l0 run: the gates' tensors are missing.
        let dir = TemporaryDirectory()
        _ = try Trainer.run(config: MaskFixtures.config(epochs: 1), splits: MaskFixtures.splits(), network: MaskFixtures.network(),
                            outputDirectory: dir.url, callbacks: [StopAfter(iteration: 3)])
        let net = MaskFixtures.network()
        let hook = try MaskingHook(config: MaskConfig(name: "l0"), network: net, trainingSet: nil)
        XCTAssertThrowsError(try Trainer.run(config: MaskFixtures.config(epochs: 1), splits: MaskFixtures.splits(), network: net,
                                             outputDirectory: dir.url, hooks: [hook], resume: true)) { error in
            XCTAssertTrue("\(error)".contains("hook."), "\(error)")
        }
    }

    // MARK: - Bad input

    func testBadOptionsAreRefusedWithTheReason() throws {
        let cases: [(String, [String: ConfigValue], String)] = [
            ("l1", ["l1.lambda": .number("-0.1")], "l1.lambda must be finite and ≥ 0"),
            ("l1", ["l1.targetSparsity": .number("1")], "l1.targetSparsity must be in [0, 1)"),
            ("l1", ["l1.targetSparsity": .number("-0.2")], "l1.targetSparsity must be in [0, 1)"),
            ("l0", ["l0.lambda": .number("-1")], "l0.lambda must be finite and ≥ 0"),
            ("l0", ["l0.droprateInit": .number("0")], "l0.droprateInit must be in (0, 1)"),
            ("l0", ["l0.droprateInit": .number("1")], "l0.droprateInit must be in (0, 1)"),
            ("vd", ["vd.klStart": .number("10"), "vd.klFull": .number("5")], "0 ≤ vd.klStart ≤ vd.klFull"),
        ]
        for (name, settings, message) in cases {
            var config = MaskConfig(name: name)
            config.settings = settings
            XCTAssertThrowsError(try MaskRegistry.make(config)) { error in
                XCTAssertTrue("\(error)".contains(message), "\(name) \(settings): \(error)")
            }
        }
        // The flags check their ranges when they are set.
        var config = MaskConfig(name: "l1")
        XCTAssertThrowsError(try Self.set(&config, "l1.targetSparsity", "1.5")) { error in
            XCTAssertTrue("\(error)".contains("[0, 1)"), "\(error)")
        }
        XCTAssertThrowsError(try Self.set(&config, "l1.lambda", "-1")) { error in
            XCTAssertTrue("\(error)".contains("≥ 0"), "\(error)")
        }
    }
}
