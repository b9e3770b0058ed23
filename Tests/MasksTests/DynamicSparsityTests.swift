import XCTest
import Foundation
import TensorCore
import Layers
import Stats
import TestSupport
@testable import Masks
@testable import Training

/// Dynamic sparse training (`set`, `rigl`): layer densities, the drop-and-grow update against a
/// plain reference, the invariants through the real trainer, resume, and the refused options.
final class DynamicSparsityTests: XCTestCase {
    override func setUp() { Parallel.setThreads(1) }

    /// The fixture MLP's masked weights: fc1 [16, 64], fc2 [12, 16], fc3 [4, 12].
    private let shapes = [[16, 64], [12, 16], [4, 12]]

    private func config(_ name: String, keep: Double = 0.3, every: Int = 2, endStep: Int? = nil,
                        density: LayerDensity = .uniform) -> MaskConfig {
        var c = MaskConfig(name: name, keep: keep)
        c.dst.updateEvery = every
        c.dst.endStep = endStep
        c.dst.density = density
        return c
    }

    // MARK: - Densities

    /// ERK at D = 0.3 by hand: raw rᵢ = Σdims/Πdims = 80/1024, 28/192, 16/48; ε = 0.3·1264/124
    /// gives fc3 a density 16/48 · 3.058 > 1, so fc3 is dense and ε = (0.3·1216 − 0.7·48)/(80 + 28).
    func testERKDensitiesMatchAHandComputationAndAverageToTheTarget() throws {
        let d = try LayerDensities.densities(shapes: shapes, target: 0.3, rule: .erk, denseFirst: false)
        let eps = (0.3 * 1216 - 0.7 * 48) / 108
        XCTAssertEqual(d[0], 80.0 / 1024 * eps, accuracy: 1e-12)
        XCTAssertEqual(d[1], 28.0 / 192 * eps, accuracy: 1e-12)
        XCTAssertEqual(d[2], 1)
        XCTAssertEqual(d[0], 0.2395833333, accuracy: 1e-9)
        XCTAssertEqual(d[1], 0.4472222222, accuracy: 1e-9)
        XCTAssertEqual(try LayerDensities.counts(densities: d, sizes: [1024, 192, 48], names: ["a", "b", "c"]), [245, 86, 48])

        // Averages to the target for conv and linear shapes, capped at 1, with and without a dense first layer.
        let mixed = [[16, 3, 3, 3], [32, 16, 3, 3], [64, 32, 3, 3], [10, 64]]
        let sizes = mixed.map { Double($0.reduce(1, *)) }
        for target in [0.05, 0.2, 0.5, 0.9] {
            for rule in LayerDensity.allCases {
                for denseFirst in [false, true] {
                    let d = try LayerDensities.densities(shapes: mixed, target: target, rule: rule, denseFirst: denseFirst)
                    let kept = zip(d, sizes).reduce(0) { $0 + $1.0 * $1.1 }
                    XCTAssertEqual(kept / sizes.reduce(0, +), target, accuracy: 1e-12, "\(rule) \(target) denseFirst \(denseFirst)")
                    XCTAssertTrue(d.allSatisfy { $0 > 0 && $0 <= 1 }, "\(d)")
                    if denseFirst { XCTAssertEqual(d[0], 1) }
                    if rule == .uniform && !denseFirst { XCTAssertTrue(d.allSatisfy { abs($0 - target) < 1e-12 }) }
                }
            }
        }
        // Uniform with a dense first layer: the others share the rest, (0.9·1264 − 1024)/240.
        let u = try LayerDensities.densities(shapes: shapes, target: 0.9, rule: .uniform, denseFirst: true)
        XCTAssertEqual(u[1], (0.9 * 1264 - 1024) / 240, accuracy: 1e-12)
        XCTAssertEqual(u[2], u[1])
    }

    func testDensitiesThatLeaveNothingAreRefusedWithTheReason() {
        XCTAssertThrowsError(try LayerDensities.densities(shapes: shapes, target: 0.3, rule: .uniform, denseFirst: true)) { e in
            XCTAssertTrue("\(e)".contains("first layer") && "\(e)".contains("1024"), "\(e)")
        }
        XCTAssertThrowsError(try LayerDensities.counts(densities: [0.3, 0.001], sizes: [100, 48], names: ["fc1.weight", "fc3.weight"])) { e in
            XCTAssertTrue("\(e)".contains("fc3.weight") && "\(e)".contains("no active weight"), "\(e)")
        }
        // Through the hook: keep 0.01 leaves fc3 (48 weights) empty.
        let net = MaskFixtures.network()
        let hook = try! MaskingHook(config: config("rigl", keep: 0.01), network: net, trainingSet: nil)
        XCTAssertThrowsError(try hook.runStart(RunStart(seed: 1, batchSize: 32, iterationsPerEpoch: 8, totalIterations: 16,
                                                        startIteration: 0, outputDirectory: nil))) { e in
            XCTAssertTrue("\(e)".contains("fc3.weight"), "\(e)")
        }
    }

    func testBadOptionsAreRefusedWithTheReason() {
        for (f, ok) in [(1.0, false), (-0.1, false), (0.0, true), (0.99, true)] {
            var c = config("set")
            c.dst.dropFraction = f
            if ok { XCTAssertNoThrow(try MaskRegistry.make(c)) } else {
                XCTAssertThrowsError(try MaskRegistry.make(c)) { XCTAssertTrue("\($0)".contains("dropFraction") && "\($0)".contains("[0, 1)"), "\($0)") }
            }
        }
        var every = config("rigl")
        every.dst.updateEvery = 0
        XCTAssertThrowsError(try MaskRegistry.make(every)) { XCTAssertTrue("\($0)".contains("updateEvery"), "\($0)") }
        var target = config("rigl")
        target.target = .gradients
        XCTAssertThrowsError(try MaskRegistry.make(target)) { XCTAssertTrue("\($0)".contains("--mask-target weights"), "\($0)") }
        // The option table refuses out-of-range text with the range.
        var c = MaskConfig()
        let option = MaskConfig.options.first { $0.key == "dst.dropFraction" }
        XCTAssertNotNil(option)
        XCTAssertThrowsError(try option?.writeText(&c, "1")) { XCTAssertTrue("\($0)".contains("[0, 1)"), "\($0)") }
    }

    // MARK: - The update against a reference

    /// One RigL update on hand-set weights and a dense gradient: the new mask is the old one minus
    /// the ⌊f·active⌋ smallest |W| plus the top-k of |g| among the then-inactive positions; new
    /// entries have W = 0; every tensor keeps its count.
    func testRigLRegrowsExactlyTheTopKOfTheDenseGradient() throws {
        let (hook, _) = MaskFixtures.startedHook(config("rigl", keep: 0.3, every: 4, endStep: 100))
        let masks = try XCTUnwrap(hook.masks)
        let sampler = try XCTUnwrap(hook.sampler as? DynamicSparseMask)
        let rng = RandomStream(seed: 99)
        var oldMask: [[Float]] = [], oldW: [[Float]] = [], grads: [[Float]] = []
        for (i, p) in masks.parameters.enumerated() {
            let m = masks.multipliers(i).toArray()
            let w = m.map { $0 * Float(rng.gaussian()) }
            let g = m.map { _ in Float(rng.gaussian()) }
            p.value.copy(from: w)
            p.grad.copy(from: g)
            oldMask.append(m); oldW.append(w); grads.append(g)
        }
        let batch = MaskFixtures.Batch(seed: 1)
        let step = batch.step(3)  // 4 steps completed: an update
        let f = try XCTUnwrap(sampler.dropFraction(afterSteps: 4))
        XCTAssertEqual(f, 0.15 * (1 + cos(Double.pi * 4 / 100)), accuracy: 1e-15)
        hook.afterBackward(step: step)
        for (i, p) in masks.parameters.enumerated() {
            XCTAssertEqual(p.grad.toArray(), zip(grads[i], oldMask[i]).map { $0 * $1 }, "gradients masked after the sampler saw them")
        }
        hook.afterOptimizerStep(step: step)
        var changed = 0
        for (i, p) in masks.parameters.enumerated() {
            let n = oldMask[i].count
            let active = (0..<n).filter { oldMask[i][$0] != 0 }
            let k = Int(Double(active.count) * f)
            let dropped = Set(active.sorted { abs(oldW[i][$0]) < abs(oldW[i][$1]) }.prefix(k))
            let inactive = (0..<n).filter { oldMask[i][$0] == 0 || dropped.contains($0) }
            let grown = Set(inactive.sorted { abs(grads[i][$0]) > abs(grads[i][$1]) }.prefix(k))
            let expected = (0..<n).map { j -> Float in (oldMask[i][j] != 0 && !dropped.contains(j)) || grown.contains(j) ? 1 : 0 }
            XCTAssertEqual(masks.multipliers(i).toArray(), expected, "\(p.name): mask after the update")
            XCTAssertEqual(masks.keptCounts[i], active.count, "\(p.name): active count changed")
            let w = p.value.toArray()
            for j in 0..<n {
                if expected[j] == 0 { XCTAssertEqual(w[j], 0, "\(p.name)[\(j)] inactive but nonzero") }
                else if oldMask[i][j] == 0 { XCTAssertEqual(w[j], 0, "\(p.name)[\(j)] regrown but not at 0"); changed += 1 }
                else { XCTAssertEqual(w[j], oldW[i][j], "\(p.name)[\(j)] kept but changed") }
            }
        }
        XCTAssertGreaterThan(changed, 10, "the update regrew weights")
        // Not an update step: nothing changes.
        let before = masks.multipliers.tensor(Shape(masks.count)).toArray()
        hook.afterBackward(step: batch.step(4))
        hook.afterOptimizerStep(step: batch.step(4))
        XCTAssertEqual(masks.multipliers.tensor(Shape(masks.count)).toArray(), before)
    }

    // MARK: - Through the trainer

    /// Watches every step after the masking hook: counts per tensor never change, the entries an
    /// update activates sit at W = 0 with every optimiser slot 0, and inactive entries have W = 0
    /// and zero optimiser state.
    private final class Probe: TrainingHook {
        let hook: MaskingHook
        var slots = OptimizerSlots.none
        var before: [Float] = []
        var initialCounts: [Int] = []
        var regrown = 0, updates = 0
        var failures: [String] = []
        init(_ hook: MaskingHook) { self.hook = hook }
        func runStart(_ run: RunStart) {
            slots = run.optimizerSlots
            initialCounts = hook.masks!.keptCounts
        }
        func beforeForward(step: TrainingStep) { before = hook.masks!.multipliers.tensor(Shape(hook.masks!.count)).toArray() }
        func afterOptimizerStep(step: TrainingStep) {
            let masks = hook.masks!
            var any = false
            for (i, p) in masks.parameters.enumerated() {
                let m = masks.multipliers(i).toArray(), w = p.value.toArray()
                let kept = m.filter { $0 != 0 }.count
                if kept != initialCounts[i] { failures.append("step \(step.iteration): \(p.name) has \(kept) active, started with \(initialCounts[i])") }
                for j in m.indices where m[j] != 0 && before[masks.offsets[i] + j] == 0 {
                    any = true
                    regrown += 1
                    if w[j] != 0 { failures.append("step \(step.iteration): \(p.name)[\(j)] regrown at \(w[j])") }
                    for k in 0..<slots.count where slots.value(k, of: p, entry: j) != 0 {
                        failures.append("step \(step.iteration): \(p.name)[\(j)] regrown with optimiser slot \(k) = \(slots.value(k, of: p, entry: j))")
                    }
                }
                for j in m.indices where m[j] == 0 && w[j] != 0 { failures.append("step \(step.iteration): \(p.name)[\(j)] inactive at \(w[j])") }
                // Inactive entries carry no optimiser state (a dropped weight's decaying momentum
                // would turn subnormal and slow every later step).
                for j in m.indices where m[j] == 0 {
                    for k in 0..<slots.count where slots.value(k, of: p, entry: j) != 0 {
                        failures.append("step \(step.iteration): \(p.name)[\(j)] inactive with optimiser slot \(k) = \(slots.value(k, of: p, entry: j))")
                        break
                    }
                }
            }
            if any { updates += 1 }
        }
    }

    func testActiveCountsNeverChangeAndRegrownWeightsStartAtZeroWithZeroOptimizerState() throws {
        for name in ["set", "rigl"] {
            for optimizer in ["sgd", "adam"] {
                let net = MaskFixtures.network()
                let hook = try MaskingHook(config: config(name, keep: 0.3, every: 2, density: .erk), network: net, trainingSet: nil)
                let probe = Probe(hook)
                var training = MaskFixtures.config(epochs: 2)
                training.optimizer.name = optimizer
                if optimizer == "adam" { training.optimizer.learningRate = 0.01; training.optimizer.nesterov = false }
                _ = try Trainer.run(config: training, splits: MaskFixtures.splits(), network: net, outputDirectory: nil, hooks: [hook, probe])
                XCTAssertEqual(probe.failures, [], "\(name)/\(optimizer)")
                XCTAssertEqual(probe.slots.count, optimizer == "adam" ? 2 : 1)
                // 16 steps, T_end = 12: updates after 2, 4, …, 10 completed steps.
                XCTAssertEqual(probe.updates, 5, "\(name)/\(optimizer): updates that regrew something")
                XCTAssertGreaterThan(probe.regrown, 20)
                XCTAssertEqual(probe.initialCounts, [245, 86, 48], "ERK counts at 0.3")
            }
        }
    }

    /// Stop mid-epoch 1 with a checkpoint, resume: the final weights, mask and masks.csv equal the
    /// uninterrupted run's bit for bit (the mask and the mask stream SET draws from are restored).
    func testResumeEndsBitIdenticalToAnUninterruptedRun() throws {
        for name in ["set", "rigl"] {
            let mask = config(name, keep: 0.4, every: 3)
            func run(_ dir: URL, stopAfter: Int?) throws -> (MaskingHook, Network) {
                let net = MaskFixtures.network()
                let hook = try MaskingHook(config: mask, network: net, trainingSet: nil)
                _ = try Trainer.run(config: MaskFixtures.config(epochs: 2), splits: MaskFixtures.splits(), network: net,
                                    outputDirectory: dir, callbacks: stopAfter.map { [StopAfter(iteration: $0)] } ?? [],
                                    hooks: [hook], resume: stopAfter == nil && FileManager.default.fileExists(atPath: dir.appendingPathComponent("last.safetensors").path))
                return (hook, net)
            }
            let a = TemporaryDirectory(), b = TemporaryDirectory()
            let (hookA, netA) = try run(a.url, stopAfter: nil)
            _ = try run(b.url, stopAfter: 7)
            let (hookB, netB) = try run(b.url, stopAfter: nil)
            XCTAssertEqual(netA.store.values.tensor(Shape(netA.store.count)).toArray(), netB.store.values.tensor(Shape(netB.store.count)).toArray(),
                           "\(name): resumed weights differ")
            XCTAssertEqual(hookA.masks!.multipliers.tensor(Shape(hookA.masks!.count)).toArray(),
                           hookB.masks!.multipliers.tensor(Shape(hookB.masks!.count)).toArray(), "\(name): last masks differ")
            XCTAssertEqual(try String(contentsOf: a.file("masks.csv"), encoding: .utf8), try String(contentsOf: b.file("masks.csv"), encoding: .utf8))
            XCTAssertEqual(try String(contentsOf: a.file("metrics.csv"), encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",").prefix(8) },
                           try String(contentsOf: b.file("metrics.csv"), encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",").prefix(8) })
        }
    }
}
