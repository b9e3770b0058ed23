import XCTest
import Foundation
import TensorCore
import Stats
import Layers
import Importance
import Models
import TestSupport
import Options
@testable import Masks
@testable import Training

/// The samplers through the masking hook: keep rates, exact-k, targets, determinism, registry.
final class SamplerTests: XCTestCase {
    override func setUp() { Parallel.setThreads(1) }

    private func mask(_ name: String, keep: Double = 0.3, _ edit: (inout MaskConfig) -> Void = { _ in }) -> MaskConfig {
        var c = MaskConfig(name: name, keep: keep)
        edit(&c)
        return c
    }

    func testMeanKeepProbabilityIsQForEveryDroppingArm() {
        let batch = MaskFixtures.Batch(seed: 1)
        for name in ["dropconnect", "importance"] {
            for lambda in [0.0, 1.0] where name == "importance" || lambda == 0 {
                let (hook, _) = MaskFixtures.startedHook(mask(name) { $0.importance.lambda = lambda; $0.importance.steps = 10 })
                hook.beforeForward(step: batch.step(0))   // importance: refresh at iteration 0
                let masks = hook.masks!
                for i in masks.parameters.indices {
                    let n = masks.parameters[i].shape.count
                    let mean = masks.keepProbabilities(i).toArray().reduce(0.0) { $0 + Double($1) } / Double(n)
                    XCTAssertEqual(mean, 0.3, accuracy: 1e-6, "\(name) λ=\(lambda) \(masks.parameters[i].name)")
                    XCTAssertEqual(masks.expectedKeptCounts[i], 0.3 * Double(n), accuracy: 1e-6 * Double(n))
                }
                if name == "importance" {
                    let p = masks.keepProbabilities(0).toArray()
                    XCTAssertGreaterThan(p.max()! - p.min()!, 0.05, "importance keep probabilities should not be uniform")
                }
            }
        }
    }

    func testExactKKeepsExactlyRoundQN() {
        let batch = MaskFixtures.Batch(seed: 2)
        for name in ["dropconnect", "importance"] {
            let (hook, _) = MaskFixtures.startedHook(mask(name) { $0.sampling = .exactK; $0.importance.steps = 5 })
            for t in 0..<5 {
                hook.beforeForward(step: batch.step(t))
                let masks = hook.masks!
                for i in masks.parameters.indices {
                    let n = masks.parameters[i].shape.count
                    let k = Int((0.3 * Double(n)).rounded())
                    XCTAssertEqual(masks.keptCounts[i], k, "\(name) step \(t) \(masks.parameters[i].name)")
                    XCTAssertEqual(masks.multipliers(i).toArray().filter { $0 != 0 }.count, k)
                    let mean = masks.keepProbabilities(i).toArray().reduce(0.0) { $0 + Double($1) } / Double(n)
                    XCTAssertEqual(mean, Double(k) / Double(n), accuracy: 1e-6, "exact-k solves p for mean k/n")
                }
            }
        }
    }

    /// Target weights: the forward pass reads m/p ⊙ W (inside the trainer's scope of the hook's
    /// forward weights, and only there), and after backward the gradient of W is the chain rule
    /// m/p ⊙ ∂L/∂(effective): exactly zero on dropped weights.
    func testTargetWeightsMasksForwardAndZeroesGradientsOfDroppedWeights() {
        let batch = MaskFixtures.Batch(seed: 3)
        let (hook, net) = MaskFixtures.startedHook(mask("dropconnect"))
        let step = batch.step(0)
        hook.beforeForward(step: step)
        let masks = hook.masks!
        net.store.zeroGradients()
        net.withEffectiveWeights(hook.forwardWeights) {
            for i in masks.parameters.indices {
                let p = masks.parameters[i]
                XCTAssertEqual(p.effective.pointer, masks.effective(i).pointer, "\(p.name) must read the masked copy")
                let expected = zip(masks.multipliers(i).toArray(), p.value.toArray()).map { $0 * $1 }
                XCTAssertEqual(p.effective.toArray(), expected)
                XCTAssertTrue(masks.multipliers(i).toArray().allSatisfy { $0 == 0 || abs($0 - 1 / 0.3) < 1e-5 }, "inverted scaling: kept = 1/q")
            }
            let logits = net.forward(step.inputs, mode: .training)
            _ = net.loss.forward(logits: logits, labels: step.labels)
            net.backward(net.loss.backward())
        }
        for p in masks.parameters { XCTAssertEqual(p.effective.pointer, p.value.pointer, "\(p.name): the scope restores the value") }
        let raw = masks.parameters.map { $0.grad.toArray() }
        hook.afterBackward(step: step)
        for i in masks.parameters.indices {
            let m = masks.multipliers(i).toArray(), g = masks.parameters[i].grad.toArray()
            var dropped = 0
            for j in m.indices {
                if m[j] == 0 {
                    dropped += 1
                    XCTAssertEqual(g[j], 0, "dropped weight \(j) of \(masks.parameters[i].name) has gradient")
                } else {
                    XCTAssertEqual(g[j], raw[i][j] * m[j], accuracy: 1e-7)
                }
            }
            XCTAssertGreaterThan(dropped, 0)
            XCTAssertTrue(raw[i].enumerated().contains { m[$0.offset] == 0 && $0.element != 0 },
                          "the gradient w.r.t. the effective weights is nonzero at dropped entries; the mask must zero it")
        }
    }

    func testTargetGradientsLeavesTheForwardPassUntouched() {
        let batch = MaskFixtures.Batch(seed: 4)
        let (hook, net) = MaskFixtures.startedHook(mask("dropconnect") { $0.target = .gradients })
        let step = batch.step(0)
        let clean = net.forward(step.inputs, mode: .frozenStatistics).toArray()
        hook.beforeForward(step: step)
        for p in hook.masks!.parameters { XCTAssertEqual(p.effective.pointer, p.value.pointer, "\(p.name) must read its own weights") }
        XCTAssertEqual(net.forward(step.inputs, mode: .frozenStatistics).toArray(), clean, "forward pass changed")
        net.store.zeroGradients()
        _ = net.loss.forward(logits: net.forward(step.inputs, mode: .training), labels: step.labels)
        net.backward(net.loss.backward())
        hook.afterBackward(step: step)
        let masks = hook.masks!
        for i in masks.parameters.indices {
            for (m, g) in zip(masks.multipliers(i).toArray(), masks.parameters[i].grad.toArray()) where m == 0 { XCTAssertEqual(g, 0) }
        }
    }

    func testSameSeedGivesIdenticalMasksAndAnotherSeedOthers() {
        let batch = MaskFixtures.Batch(seed: 5)
        func masks(seed: UInt64, name: String) -> [[Float]] {
            let (hook, _) = MaskFixtures.startedHook(mask(name) { $0.importance.steps = 4 }, seed: seed)
            return (0..<3).map { t in
                hook.beforeForward(step: batch.step(t))
                return hook.masks!.multipliers.tensor(Shape(hook.masks!.count)).toArray()
            }
        }
        for name in ["dropconnect", "importance", "random", "magnitude"] {
            XCTAssertEqual(masks(seed: 7, name: name), masks(seed: 7, name: name), "\(name): same seed, other masks")
            if name != "magnitude" {
                XCTAssertNotEqual(masks(seed: 7, name: name), masks(seed: 8, name: name), "\(name): other seed, same masks")
            }
        }
    }

    func testFixedMasksKeepTheRequestedCount() {
        for (name, scope) in [("magnitude", MagnitudeScope.layerwise), ("magnitude", .global), ("random", .layerwise)] {
            let (hook, net) = MaskFixtures.startedHook(mask(name, keep: 0.25) { $0.magnitudeScope = scope })
            let masks = hook.masks!
            if scope == .global {
                XCTAssertEqual(masks.totalKeptCount, Int((0.25 * Double(masks.count)).rounded()))
            } else {
                for i in masks.parameters.indices {
                    XCTAssertEqual(masks.keptCounts[i], Int((0.25 * Double(masks.parameters[i].shape.count)).rounded()))
                }
            }
            // Pruned at the start: the masked-out weights are zero.
            for i in masks.parameters.indices {
                for (m, w) in zip(masks.multipliers(i).toArray(), masks.parameters[i].value.toArray()) where m == 0 { XCTAssertEqual(w, 0) }
            }
            _ = net
        }
    }

    func testMagnitudeKeepsTheLargestWeights() {
        let net = MaskFixtures.network()
        net.store.initialise(streams: RandomStreams(seed: 7))
        let before = net.store.parameters.filter { $0.role == .weight }.map { $0.value.toArray() }
        let (hook, _) = MaskFixtures.startedHook(mask("magnitude", keep: 0.25))
        let masks = hook.masks!
        for i in masks.parameters.indices {
            let m = masks.multipliers(i).toArray()
            let keptMin = zip(m, before[i]).filter { $0.0 != 0 }.map { abs($0.1) }.min()!
            let droppedMax = zip(m, before[i]).filter { $0.0 == 0 }.map { abs($0.1) }.max()!
            XCTAssertGreaterThanOrEqual(keptMin, droppedMax, "\(masks.parameters[i].name)")
        }
    }

    func testScopeExclusionsAndRegistry() {
        let net = try! ModelRegistry.make("resnet18", sampleShape: Shape(3, 16, 16), classes: 10, options: ModelOptions(width: 4))
        let all = MaskScope().select(from: net.store).map(\.name)
        XCTAssertEqual(all.count, 21, "20 convolutions + linear")
        let seed = MaskScope(exclude: [.first, .shortcut, .last]).select(from: net.store).map(\.name)
        XCTAssertEqual(seed.count, 16, "the seed's scope: the 16 convolutions inside the blocks")
        XCTAssertFalse(seed.contains("conv1.weight") || seed.contains("linear.weight") || seed.contains { $0.contains("shortcut") })
        XCTAssertThrowsError(try MaskRegistry.make(MaskConfig(name: "bogus"))) { e in
            let text = "\(e)"
            for n in ["none", "dropconnect", "importance", "magnitude", "random"] { XCTAssertTrue(text.contains(n), text) }
        }
        XCTAssertThrowsError(try MaskRegistry.make(MaskConfig(name: "dropconnect", keep: 1.5)))
    }

    func testMaskConfigJSONDefaultsAndUnknownKeys() throws {
        let table = OptionTable(MaskConfig.options)
        var c = MaskConfig()
        try table.apply(ConfigText.json(#"{"name": "importance", "keep": 0.2, "importance": {"lambda": 1}}"#, path: ""), to: &c)
        XCTAssertEqual(c.name, "importance")
        XCTAssertEqual(c.keep, 0.2)
        XCTAssertEqual(c.importance.lambda, 1)
        XCTAssertEqual(c.importance.steps, ImportanceConfig().steps)
        XCTAssertEqual(c.target, .weights)
        var round = MaskConfig()
        try table.apply(table.encode(c), to: &round)
        XCTAssertEqual(round, c)
        var bad = MaskConfig()
        XCTAssertThrowsError(try table.apply(ConfigText.json(#"{"nmae": "x"}"#, path: ""), to: &bad)) { e in
            XCTAssertEqual("\(e)".prefix(35), "unknown key nmae; did you mean name")
        }
    }

    /// The mask registry goes through the same `SettingReaders` as the optimiser's: the code-only
    /// sampler `given` has its own unread settings (a lottery level's config is compared without
    /// them) but is left out of the samplers a user is told to choose.
    func testTheCodeOnlySamplerKeepsItsUnreadSettingsButIsNotOffered() {
        let given = MaskConfig(name: "given")
        XCTAssertTrue(given.unreadKeys.contains("importance.eta"), "\(given.unreadKeys)")
        XCTAssertTrue(given.unreadKeys.contains("scaling"), "a fixed mask does not scale")
        XCTAssertFalse(given.unreadKeys.contains("keep"))
        XCTAssertTrue(MaskRegistry.settingReaders().readers(of: "keep").contains("given"))
        XCTAssertFalse(MaskRegistry.settingReaders(configurableOnly: true).readers(of: "keep").contains("given"))
        XCTAssertEqual(MaskRegistry.settingReaders(configurableOnly: true).readers(of: "importance.steps"), ["importance", "prune"])
        XCTAssertEqual(MaskConfig(name: "none").unreadKeys.count, MaskConfig.options.count - 1, "none reads nothing but its name")
    }

    /// Each sampler names the settings it reads: every mask option is read by some sampler, the
    /// others are its `unreadKeys`, and `readSettings` puts them back to their defaults (so a
    /// resume does not count them), keeping the ones it reads.
    func testEverySamplerDeclaresTheSettingsItReads() {
        for option in MaskConfig.options where option.key != "name" {
            XCTAssertTrue(MaskRegistry.entries.contains { $0.readsKey(option.key) }, "no sampler reads \(option.key)")
        }
        for entry in MaskRegistry.entries {
            for key in entry.reads {
                XCTAssertTrue(MaskConfig.options.contains { $0.key == key || $0.key.hasPrefix(key + ".") }, "\(entry.name) reads \(key), which is no option")
            }
        }
        var c = MaskConfig(name: "dropconnect", keep: 0.3)
        c.importance.eta = 0.7
        c.minKeep = 0.2
        XCTAssertEqual(Set(c.unreadKeys).isSuperset(of: ["importance.eta", "minKeep", "criterion", "dst.density", "l0.lambda"]), true)
        XCTAssertFalse(c.unreadKeys.contains("keep"))
        let read = c.readSettings
        XCTAssertEqual(read.importance.eta, MaskConfig().importance.eta)
        XCTAssertEqual(read.minKeep, MaskConfig().minKeep)
        XCTAssertEqual(read.keep, 0.3, "dropconnect reads keep")
        c.name = "importance"
        XCTAssertEqual(c.readSettings.importance.eta, 0.7, "importance reads its solver's settings")
        XCTAssertEqual(MaskConfig(name: "none", keep: 0.2).readSettings, MaskConfig(name: "none"), "no mask reads nothing")
    }

    /// A sampler with an option of its own is one file plus one registry line: it declares the
    /// option (`SamplerSetting`) and lists it on its entry; the mask options (and so the run
    /// config's keys, flags, `--set` and help) then include it, and the sampler reads it back.
    func testASamplerDeclaresItsOwnOptionInItsOwnFile() throws {
        let entry = StrengthSampler.entry
        let table = OptionTable(MaskConfig.commonOptions + entry.options)
        var c = MaskConfig()
        try table.apply(ConfigText.json(#"{"name": "dropconnect", "strength": 2.5}"#, path: ""), to: &c)
        XCTAssertEqual(StrengthSampler.strength.value(in: c), 2.5)
        try table.parse(arguments: ["--strength-of-test", "3"], into: &c)
        XCTAssertEqual(StrengthSampler.strength.value(in: c), 3)
        try table.set("strength=0.5", in: &c)
        XCTAssertEqual(StrengthSampler.strength.value(in: c), 0.5)
        XCTAssertEqual(table.encode(c).object?["strength"], .number("0.5"))
        XCTAssertThrowsError(try table.set("strength=-1", in: &c)) { XCTAssertEqual("\($0)", "strength must be > 0, got -1") }
        XCTAssertTrue(table.helpText(defaults: MaskConfig()).contains("--strength-of-test <float>\n        strength: "))
        XCTAssertEqual(StrengthSampler.strength.value(in: MaskConfig()), 1, "the default when not set")
        try table.set("strength=1", in: &c)
        XCTAssertEqual(c, { var d = MaskConfig(); d.name = "dropconnect"; return d }(), "a value equal to the default is not stored")
        XCTAssertEqual(MaskConfig.options.count, MaskConfig.commonOptions.count + MaskRegistry.entries.map(\.options.count).reduce(0, +))
    }
}

/// A test-only sampler with one option of its own, declared as a real sampler would in its file.
private enum StrengthSampler {
    static var strength: SamplerSetting<Double> {
        SamplerSetting("strength", flag: "strength-of-test", .double, .above(0), default: 1, help: "How strongly the test sampler drops.")
    }
    static let entry = MaskSamplerEntry(name: "test-strength", summary: "test only", reads: MaskSamplerEntry.perStepReads + ["strength"]) { c throws(MaskError) in
        try DropConnect.entry.make(c)
    }.declaring { [strength.option] }
}
