import XCTest
import TensorCore
import Layers
import TestSupport
@testable import Training

/// Optimisers against plain double-precision transcriptions of PyTorch's update rules
/// (torch.optim.SGD / Adam / AdamW documentation), over several steps with changing gradients,
/// and against a few values worked out by hand. Tolerance: 1e-6 relative (float rounding).
final class OptimizerTests: XCTestCase {
    override func setUp() { Parallel.setThreads(1) }

    /// A store with a weight [2, 3], a bias [3] and a BatchNorm γ [3] (and optionally one big
    /// weight that takes the parallel path).
    private func makeStore(big: Int = 0) -> ParameterStore {
        let b = ParameterBuilder()
        _ = b.parameter("fc", "weight", shape: Shape(2, 3), role: .weight, initializer: .constant(0))
        _ = b.parameter("fc", "bias", shape: Shape(3), role: .bias, initializer: .constant(0))
        _ = b.parameter("bn", "weight", shape: Shape(3), role: .normScale, initializer: .constant(1))
        if big > 0 { _ = b.parameter("big", "weight", shape: Shape(big), role: .weight, initializer: .constant(0)) }
        let s = b.finish()
        for i in 0..<s.count { s.values.base[i] = Float(i % 7) * 0.25 - 0.6 }
        return s
    }

    /// The gradient at step `t` for element `i` (deterministic, sign-changing).
    private func gradient(_ i: Int, _ t: Int) -> Float { Float(sin(Double(i) * 1.3 + Double(t) * 0.7)) * 0.5 }

    private func isDecayed(_ s: ParameterStore, _ i: Int) -> Bool {
        s.parameters.first { i >= $0.offset && i < $0.offset + $0.shape.count }!.role == .weight
    }

    private func assertClose(_ got: [Float], _ want: [Double], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        for i in got.indices {
            let tol = 1e-6 * max(1, abs(want[i]))
            if abs(Double(got[i]) - want[i]) > tol {
                XCTFail("\(what): \(largestDifference(want, got.map(Double.init))!)", file: file, line: line)
                return
            }
        }
    }

    // MARK: SGD

    private func referenceSGD(_ p0: [Float], steps: Int, lr: Double, momentum: Double, dampening: Double, nesterov: Bool,
                              wd: Double, decayed: (Int) -> Bool) -> [Double] {
        var p = p0.map(Double.init)
        var buf = [Double](repeating: 0, count: p.count)
        for t in 0..<steps {
            for i in p.indices {
                var g = Double(gradient(i, t))
                if decayed(i) { g += wd * p[i] }
                if momentum != 0 {
                    buf[i] = t == 0 ? g : momentum * buf[i] + (1 - dampening) * g
                    g = nesterov ? g + momentum * buf[i] : buf[i]
                }
                p[i] -= lr * g
            }
        }
        return p
    }

    private func runSGD(_ s: ParameterStore, _ opt: any Optimizer, steps: Int, lr: Float) {
        for t in 0..<steps {
            for i in 0..<s.count { s.grads.base[i] = gradient(i, t) }
            opt.step(learningRate: lr)
        }
    }

    func testSGDMatchesPyTorchRuleOverSeveralSteps() throws {
        for (momentum, dampening, nesterov, wd, decayAll) in [(0.0, 0.0, false, 0.0, true), (0.9, 0.0, false, 1e-2, true),
                                                              (0.9, 0.0, true, 1e-2, true), (0.8, 0.3, false, 5e-2, false),
                                                              (0.9, 0.0, true, 5e-2, false)] {
            let s = makeStore()
            let p0 = Array(s.values.tensor(Shape(s.count)).buffer)
            let opt = try SGD(store: s, momentum: Float(momentum), dampening: Float(dampening), nesterov: nesterov,
                              weightDecay: Float(wd), decayNormAndBias: decayAll)
            runSGD(s, opt, steps: 5, lr: 0.1)
            let want = referenceSGD(p0, steps: 5, lr: 0.1, momentum: momentum, dampening: dampening, nesterov: nesterov,
                                    wd: wd, decayed: { decayAll || self.isDecayed(s, $0) })
            assertClose(s.values.tensor(Shape(s.count)).toArray(), want, "SGD μ=\(momentum) τ=\(dampening) nesterov=\(nesterov) λ=\(wd) decayAll=\(decayAll)")
            XCTAssertEqual(opt.stepCount, 5)
        }
    }

    /// θ = 1, g = 0.5 constant, lr = 0.1, μ = 0.9 — worked by hand:
    /// heavy ball: b = 0.5 → θ = 0.95; b = 0.95 → θ = 0.855; b = 1.355 → θ = 0.7195.
    /// Nesterov:   b = 0.5, g' = 0.95 → θ = 0.905; b = 0.95, g' = 1.355 → θ = 0.7695.
    func testSGDMomentumByHand() throws {
        for (nesterov, want) in [(false, [0.95, 0.855, 0.7195]), (true, [0.905, 0.7695])] {
            let s = makeStore()
            let opt = try SGD(store: s, momentum: 0.9, nesterov: nesterov)
            s.values.base[0] = 1
            var got: [Double] = []
            for _ in want.indices {
                s.grads.base[0] = 0.5
                opt.step(learningRate: 0.1)
                got.append(Double(s.values.base[0]))
            }
            for (g, w) in zip(got, want) { XCTAssertEqual(g, w, accuracy: 1e-6, "nesterov \(nesterov)") }
            XCTAssertEqual(Double(opt.slot(0)[0]), nesterov ? 0.95 : 1.355, accuracy: 1e-6, "momentum buffer")
        }
    }

    /// λ = 0.1, lr = 0.1, zero gradient: decayed entries shrink by 1 − 0.01; biases and γ do not
    /// when exempt.
    func testWeightDecayExemptsBiasAndNorm() throws {
        let s = makeStore()
        let before = s.values.tensor(Shape(s.count)).toArray()
        let opt = try SGD(store: s, weightDecay: 0.1, decayNormAndBias: false)
        opt.step(learningRate: 0.1)
        for p in s.parameters {
            for i in p.offset..<(p.offset + p.shape.count) {
                let want = p.role == .weight ? before[i] * 0.99 : before[i]
                XCTAssertEqual(s.values.base[i], want, accuracy: 1e-7, "\(p.name)[\(i - p.offset)]")
            }
        }
    }

    func testNesterovWithoutMomentumIsRejected() {
        XCTAssertThrowsError(try SGD(store: makeStore(), momentum: 0, nesterov: true)) { error in
            guard case OptimizerError.invalidHyperparameter(optimizer: "sgd", _) = error else { return XCTFail("\(error)") }
        }
    }

    // MARK: Adam / AdamW

    private func referenceAdam(_ p0: [Float], steps: Int, lr: Double, b1: Double, b2: Double, eps: Double, wd: Double,
                               decoupled: Bool, decayed: (Int) -> Bool) -> [Double] {
        var p = p0.map(Double.init)
        var m = [Double](repeating: 0, count: p.count), v = m
        for t in 1...steps {
            for i in p.indices {
                var g = Double(gradient(i, t - 1))
                let lambda = decayed(i) ? wd : 0
                if decoupled { p[i] *= 1 - lr * lambda } else { g += lambda * p[i] }
                m[i] = b1 * m[i] + (1 - b1) * g
                v[i] = b2 * v[i] + (1 - b2) * g * g
                let mhat = m[i] / (1 - pow(b1, Double(t)))
                let vhat = v[i] / (1 - pow(b2, Double(t)))
                p[i] -= lr * mhat / (vhat.squareRoot() + eps)
            }
        }
        return p
    }

    func testAdamAndAdamWMatchPyTorchRuleOverSeveralSteps() throws {
        for (name, decoupled, wd, decayAll) in [("adam", false, 0.0, true), ("adam", false, 0.1, true),
                                                ("adam", false, 0.1, false), ("adamw", true, 0.1, true), ("adamw", true, 0.1, false)] {
            let s = makeStore()
            let p0 = s.values.tensor(Shape(s.count)).toArray()
            let opt = try OptimizerRegistry.make(OptimizerConfig(name: name, weightDecay: Float(wd), decayNormAndBias: decayAll,
                                                                 beta1: 0.9, beta2: 0.99, epsilon: 1e-8), store: s)
            runSGD(s, opt, steps: 6, lr: 0.01)
            let want = referenceAdam(p0, steps: 6, lr: 0.01, b1: 0.9, b2: 0.99, eps: 1e-8, wd: wd, decoupled: decoupled,
                                     decayed: { decayAll || self.isDecayed(s, $0) })
            assertClose(s.values.tensor(Shape(s.count)).toArray(), want, "\(name) λ=\(wd) decayAll=\(decayAll)")
            XCTAssertEqual(opt.slots, ["exp_avg", "exp_avg_sq"])
        }
    }

    /// Bias correction by hand: with a constant gradient g, m̂ = g and v̂ = g² at every step, so
    /// each Adam step moves θ by lr·g/(|g| + ε) ≈ lr. θ = 1, g = 0.5, lr = 0.01 → 0.99, 0.98.
    /// AdamW, λ = 0.1: θ·(1 − 0.001) first → 0.999 − 0.01 = 0.989.
    func testAdamBiasCorrectionAndDecouplingByHand() throws {
        let s = makeStore()
        let adam = try Adam(store: s)
        s.values.base[0] = 1
        for want in [0.99, 0.98] {
            s.grads.base[0] = 0.5
            adam.step(learningRate: 0.01)
            XCTAssertEqual(Double(s.values.base[0]), want, accuracy: 1e-6)
        }
        let s2 = makeStore()
        let adamw = try AdamW.make(store: s2, weightDecay: 0.1)
        s2.values.base[0] = 1
        s2.grads.base[0] = 0.5
        adamw.step(learningRate: 0.01)
        XCTAssertEqual(Double(s2.values.base[0]), 0.989, accuracy: 1e-6)
        XCTAssertEqual(adamw.name, "adamw")
    }

    // MARK: Parallel sweep, registry, state names

    func testParallelSweepIsBitIdenticalToSerial() throws {
        var results: [[Float]] = []
        for threads in [1, 2] {
            Parallel.setThreads(threads)
            let s = makeStore(big: 50_001)
            let opt = try OptimizerRegistry.make(OptimizerConfig(name: "adamw", weightDecay: 0.05, decayNormAndBias: false), store: s)
            runSGD(s, opt, steps: 3, lr: 0.01)
            results.append(s.values.tensor(Shape(s.count)).toArray())
        }
        Parallel.setThreads(1)
        XCTAssertEqual(results[0], results[1])
    }

    func testRegistryRejectsUnknownNameListingValidOnes() {
        XCTAssertThrowsError(try OptimizerRegistry.make(OptimizerConfig(name: "lion"), store: makeStore())) { error in
            XCTAssertEqual(error as? OptimizerError, .unknown(name: "lion", valid: ["sgd", "adam", "adamw"]))
            XCTAssertTrue("\(error)".contains("sgd, adam, adamw"))
        }
    }

    func testStateTensorsUseParameterNamesAndSlots() throws {
        let s = makeStore()
        let opt = try SGD(store: s, momentum: 0.9)
        XCTAssertEqual(opt.stateTensors.map(\.name), ["optimizer.fc.weight.momentum_buffer", "optimizer.fc.bias.momentum_buffer",
                                                      "optimizer.bn.weight.momentum_buffer"])
        XCTAssertEqual(opt.state.count, s.count)
        XCTAssertEqual(try SGD(store: s).state.count, 0, "plain SGD keeps no state")
    }

    /// Each optimiser and schedule declares the settings it reads; the others are reset by
    /// `readSettings` and named by `unreadKeys`.
    func testUnreadSettingsAreDeclaredPerOptimizerAndSchedule() {
        XCTAssertEqual(OptimizerRegistry.settingReaders.unreadKeys(of: "adam"), ["momentum", "dampening", "nesterov"])
        XCTAssertEqual(OptimizerRegistry.settingReaders.unreadKeys(of: "sgd"), ["beta1", "beta2", "epsilon"])
        XCTAssertEqual(OptimizerRegistry.settingReaders.readers(of: "beta1"), ["adam", "adamw"])
        var adam = OptimizerConfig(name: "adam", learningRate: 1e-3, momentum: 0.3, nesterov: false, beta1: 0.8)
        let read = adam.readSettings
        XCTAssertEqual(read.momentum, OptimizerConfig().momentum)
        XCTAssertEqual(read.nesterov, OptimizerConfig().nesterov)
        XCTAssertEqual(read.beta1, 0.8, "Adam reads β1")
        XCTAssertEqual(read.learningRate, 1e-3)
        adam.name = "sgd"
        XCTAssertEqual(adam.readSettings.momentum, 0.3, "SGD reads momentum")
        XCTAssertEqual(adam.readSettings.beta1, OptimizerConfig().beta1)

        XCTAssertEqual(ScheduleRegistry.settingReaders.unreadKeys(of: "constant"), ScheduleRegistry.settingReaders.specificKeys)
        XCTAssertEqual(Set(ScheduleRegistry.settingReaders.unreadKeys(of: "cosine")), Set(ScheduleRegistry.settingReaders.specificKeys).subtracting(["minimumLearningRate"]))
        let multistep = ScheduleConfig(name: "multistep", gamma: 0.5, milestones: [2], minimumLearningRate: 0.01, warmupIterations: 7)
        XCTAssertEqual(multistep.readSettings.milestones, [2])
        XCTAssertEqual(multistep.readSettings.gamma, 0.5)
        XCTAssertEqual(multistep.readSettings.minimumLearningRate, 0, "multistep ignores cosine's final rate")
        XCTAssertEqual(multistep.readSettings.warmupIterations, 7, "warm-up applies to every schedule")

        // Settings idle under the config's own values: SGD's dampening with momentum 0, the warm-up's start without a warm-up.
        let still = OptimizerConfig(name: "sgd", momentum: 0, dampening: 0.4, nesterov: false)
        XCTAssertEqual(still.idleKeys.map(\.key), ["dampening"])
        XCTAssertEqual(still.readSettings.dampening, OptimizerConfig().dampening)
        XCTAssertEqual(OptimizerConfig(name: "sgd", momentum: 0.5, dampening: 0.4).readSettings.dampening, 0.4, "read with momentum")
        XCTAssertEqual(OptimizerConfig(name: "adam", momentum: 0).idleKeys.count, 0, "Adam never reads dampening: not idle, unread")
        var warm = ScheduleConfig(name: "cosine", warmupStartFactor: 0.5)
        XCTAssertEqual(warm.idleKeys.map(\.key), ["warmupStartFactor"])
        XCTAssertEqual(warm.readSettings.warmupStartFactor, ScheduleConfig().warmupStartFactor)
        warm.warmupIterations = 10
        XCTAssertEqual(warm.readSettings.warmupStartFactor, 0.5)
    }
}
