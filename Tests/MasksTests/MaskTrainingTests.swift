import XCTest
import Foundation
import TensorCore
import Layers
import TestSupport
import Options
@testable import Masks
@testable import Training

/// Masks through the real trainer: pruning survives momentum and weight decay, a resumed run
/// samples the same masks as an uninterrupted one, and the run folder gets its logs.
final class MaskTrainingTests: XCTestCase {
    override func setUp() { Parallel.setThreads(1) }

    func testFixedMaskStaysFixedThroughMomentumAndWeightDecay() throws {
        // Target weights prunes (W ⊙= m after every step). Target gradients only zeroes the masked
        // gradients: weight decay inside the optimiser still shrinks those weights, as with a
        // masked `.grad` in PyTorch, so only the pruning target promises fixed values.
        for target in [MaskTarget.weights] {
            let net = MaskFixtures.network()
            var config = MaskConfig(name: "magnitude", keep: 0.3)
            config.target = target
            let hook = try MaskingHook(config: config, network: net, trainingSet: nil)
            var initial: [[Float]] = []
            final class Snapshot: TrainingHook {
                let body: () -> Void
                init(_ body: @escaping () -> Void) { self.body = body }
                func runStart(_ run: RunStart) { body() }
            }
            let snapshot = Snapshot { initial = hook.masks!.parameters.map { $0.value.toArray() } }
            _ = try Trainer.run(config: MaskFixtures.config(epochs: 2), splits: MaskFixtures.splits(), network: net,
                                outputDirectory: nil, hooks: [hook, snapshot])
            let masks = try XCTUnwrap(hook.masks)
            for i in masks.parameters.indices {
                let m = masks.multipliers(i).toArray(), w = masks.parameters[i].value.toArray()
                var moved = 0
                for j in m.indices {
                    if m[j] == 0 {
                        if target == .weights { XCTAssertEqual(w[j], 0, "\(masks.parameters[i].name)[\(j)] pruned but nonzero") }
                        else { XCTAssertEqual(w[j], initial[i][j], "\(masks.parameters[i].name)[\(j)] frozen but moved") }
                    } else if w[j] != initial[i][j] { moved += 1 }
                }
                XCTAssertGreaterThan(moved, 0, "the kept weights train")
            }
        }
    }

    /// Stop mid-epoch 1 with a checkpoint, resume: final weights, masks and logs equal the
    /// uninterrupted run's bit for bit (mask stream, importance and partial counts restored;
    /// exact-k's random order is redrawn from the stream at every step, so it needs no state).
    func testResumeRestoresSamplerStateBitExactly() throws {
        let cases: [(String, MaskSampling)] = [("importance", .bernoulli), ("dropconnect", .bernoulli), ("dropconnect", .exactK),
                                               ("importance", .exactK), ("random", .bernoulli)]
        for (name, sampling) in cases {
            var config = MaskConfig(name: name, keep: 0.4)
            config.sampling = sampling
            config.importance.steps = 3
            config.importance.refreshIterations = 5
            config.importance.batches = 2
            func run(_ dir: URL, stopAfter: Int?) throws -> (MaskingHook, Network) {
                let net = MaskFixtures.network()
                let hook = try MaskingHook(config: config, network: net, trainingSet: MaskFixtures.splits().train)
                _ = try Trainer.run(config: MaskFixtures.config(epochs: 2), splits: MaskFixtures.splits(), network: net,
                                    outputDirectory: dir, callbacks: stopAfter.map { [StopAfter(iteration: $0)] } ?? [],
                                    hooks: [hook], resume: stopAfter == nil && FileManager.default.fileExists(atPath: dir.appendingPathComponent("last.safetensors").path))
                return (hook, net)
            }
            let a = TemporaryDirectory(), b = TemporaryDirectory()
            let (hookA, netA) = try run(a.url, stopAfter: nil)
            _ = try run(b.url, stopAfter: 10)
            let (hookB, netB) = try run(b.url, stopAfter: nil)
            XCTAssertEqual(netA.store.values.tensor(Shape(netA.store.count)).toArray(), netB.store.values.tensor(Shape(netB.store.count)).toArray(),
                           "\(name): resumed weights differ")
            XCTAssertEqual(hookA.masks!.multipliers.tensor(Shape(hookA.masks!.count)).toArray(),
                           hookB.masks!.multipliers.tensor(Shape(hookB.masks!.count)).toArray(), "\(name): last masks differ")
            for file in ["masks.csv"] + hookA.sampler.logFiles {
                let ta = try String(contentsOf: a.file(file), encoding: .utf8)
                let tb = try String(contentsOf: b.file(file), encoding: .utf8)
                if file == ImportanceDropConnect.statsFile {
                    // Every column but the wall time (seconds) must agree.
                    func timeless(_ text: String) -> [[Substring]] {
                        let rows = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
                        guard let seconds = rows.first?.firstIndex(of: "seconds") else { return rows }
                        return rows.map { r in r.enumerated().filter { $0.offset != seconds }.map(\.element) }
                    }
                    XCTAssertEqual(timeless(ta), timeless(tb), "\(name): \(file)")
                } else {
                    XCTAssertEqual(ta, tb, "\(name): \(file) differs after resume")
                }
            }
            if name == "importance" {
                let rows = try String(contentsOf: a.file(ImportanceDropConnect.statsFile), encoding: .utf8).split(separator: "\n")
                XCTAssertEqual(rows.count, 1 + 4 * 3, "refreshes at iterations 0, 5, 10, 15 × 3 tensors")
            }
            let counts = try String(contentsOf: a.file("masks.csv"), encoding: .utf8).split(separator: "\n")
            XCTAssertEqual(counts.count, 1 + 2 * 4, "2 epochs × (3 tensors + all)")
        }
    }

    /// Inverted scaling of small keep probabilities on the weights (×1/p ≥ 10) is named as the
    /// likely cause when a run diverges; masks on the gradients, without rescaling or with
    /// p ≥ 0.1 name nothing.
    func testDivergenceHintNamesALargeInverseScaling() throws {
        func hint(keep: Double, target: MaskTarget = .weights, scaling: MaskScaling = .inverted) -> String? {
            var c = MaskConfig(name: "dropconnect", keep: keep)
            c.target = target
            c.scaling = scaling
            return MaskFixtures.startedHook(c).0.divergenceHint
        }
        let named = try XCTUnwrap(hint(keep: 0.05))
        XCTAssertTrue(named.contains("probability down to p = 0.05") && named.contains("(×20)"), named)
        XCTAssertTrue(named.contains("--mask-scaling none"), named)
        XCTAssertNil(hint(keep: 0.5), "×2")
        XCTAssertNil(hint(keep: 0.05, scaling: .none))
        XCTAssertNil(hint(keep: 0.05, target: .gradients))
    }

    /// What a sampler's registry entry does not list it does not read: every unread mask setting
    /// set to another valid value (the option samples) trains every sampler to the same bits, so
    /// refusing those settings and ignoring them in resume checks (`readSettings`) hides nothing.
    func testEverySamplerTrainsAlikeWhateverItsUnreadSettings() throws {
        let table = OptionTable(MaskConfig.options)
        for entry in MaskRegistry.entries where entry.name != "given" {   // given: values from code, not a config
            var base = MaskConfig(name: entry.name, keep: 0.5)
            base.importance.steps = 3
            var other = base
            for key in base.unreadKeys {
                let sample = try XCTUnwrap(OptionSamples.run["masks." + key], "no sample for masks.\(key)")
                try table.set("\(key)=\(sample)", in: &other)
            }
            XCTAssertNotEqual(other, base, "\(entry.name): the samples change the config")
            XCTAssertNil(other.validationError(), "\(entry.name)")
            XCTAssertEqual(other.readSettings, base.readSettings, entry.name)
            func trained(_ config: MaskConfig) throws -> [[Float]] {
                let net = MaskFixtures.network()
                let splits = MaskFixtures.splits()
                let hook = try MaskingHook(config: config, network: net, trainingSet: splits.train)
                _ = try Trainer.run(config: MaskFixtures.config(epochs: 1), splits: splits, network: net, outputDirectory: nil, hooks: [hook])
                return net.store.parameters.map { $0.value.toArray() }
            }
            XCTAssertEqual(try trained(other), try trained(base), "\(entry.name) reads a setting its entry does not list")
        }
    }

    func testHookAllocatesNothingPerStepAfterTheFirst() throws {
        var config = MaskConfig(name: "importance", keep: 0.4)
        config.importance.steps = 2
        config.importance.refreshIterations = 3
        let net = MaskFixtures.network()
        let hook = try MaskingHook(config: config, network: net, trainingSet: MaskFixtures.splits().train)
        final class Counter: TrainingCallback {
            var counts: [Int] = []
            func batchEnd(_ report: BatchReport) { counts.append(TensorStorage.allocationCount) }
            func epochEnd(_ metrics: EpochMetrics) {}
            func runEnd(_ result: TrainingResult) {}
        }
        let counter = Counter()
        _ = try Trainer.run(config: MaskFixtures.config(epochs: 1), splits: MaskFixtures.splits(), network: net, outputDirectory: nil,
                            callbacks: [counter], hooks: [hook])
        XCTAssertEqual(Set(counter.counts.dropFirst()).count, 1, "TensorStorage allocations per step after the first: \(counter.counts)")
    }
}
