import XCTest
import Foundation
import Stats
import TensorCore
import Layers
import Masks
import TestSupport
@testable import Experiments

/// IMP pruning arithmetic, selection and the mask file, on plain arrays (no training).
final class LotteryPruningTests: XCTestCase {
    /// Three tensors of 100, 50 and 10 entries (the last is the output layer) and seeded weights.
    private func setup() -> (LotteryMask, [String: [Float]]) {
        let rng = RandomStream(seed: 5)
        let shapes: [(String, [Int])] = [("fc1.weight", [10, 10]), ("fc2.weight", [5, 10]), ("fc3.weight", [2, 5])]
        let mask = LotteryMask(tensors: shapes.map { .init(name: $0.0, shape: $0.1, values: [Float](repeating: 1, count: $0.1.reduce(1, *))) })
        var weights: [String: [Float]] = [:]
        for (name, shape) in shapes { weights[name] = (0..<shape.reduce(1, *)).map { _ in rng.uniform(-1, 1) } }
        return (mask, weights)
    }

    /// An MLP 10-10-5-2 holding `weights` (the three masked tensors of `setup`).
    private func network(_ weights: [String: [Float]]) -> (Network, [Parameter]) {
        let b = ParameterBuilder()
        let layers: [Layer] = [Linear("fc1", 10, 10, builder: b), ReLU(), Linear("fc2", 10, 5, builder: b), ReLU(), Linear("fc3", 5, 2, builder: b)]
        let net = Network(name: "mlp", body: Sequential(layers), store: b.finish(), sampleShape: Shape(10), classes: 2)
        let masked = MaskScope().select(from: net.store)
        for p in masked { p.value.copy(from: weights[p.name]!) }
        return (net, masked)
    }

    /// A lottery level's pruning through `LotteryPruning.prune` (the criterion family).
    private func prune(_ mask: LotteryMask, weights: [String: [Float]], fraction: Double, outputFraction: Double, scope: MagnitudeScope,
                       selection: String, seed: UInt64, level: Int) -> LotteryMask {
        let (net, masked) = network(weights)
        var config = LotteryConfig()
        config.pruneFraction = fraction
        config.outputFraction = outputFraction
        config.scope = scope
        config.selection = selection
        config.run.training.seed = seed
        return try! LotteryPruning.prune(mask, network: net, masked: masked, reference: nil, trainingSet: { nil }, config: config, level: level)
    }

    private func kept(_ m: LotteryMask) -> [Int] { m.tensors.map(\.kept) }

    func testLayerwiseKeepsOneMinusPOfSurvivorsPerLevelAndOutputAtItsOwnRate() {
        var (mask, w) = setup()
        var expected = [100, 50, 10]
        for level in 1...4 {
            mask = prune(mask, weights: w, fraction: 0.2, outputFraction: 0.1, scope: .layerwise, selection: "magnitude", seed: 1, level: level)
            expected = expected.enumerated().map { i, s in s - Int(((i == 2 ? 0.1 : 0.2) * Double(s)).rounded()) }
            XCTAssertEqual(kept(mask), expected, "level \(level)")
            // New weights each level (as if retrained): pruned entries stay pruned regardless.
            w = w.mapValues { $0.map { $0 * 0.9 + 0.01 } }
        }
        XCTAssertEqual(expected, [41, 21, 6], "100→80→64→51→41, 50→40→32→26→21, 10→9→8→7→6")
    }

    func testMagnitudePrunesTheSmallestSurvivorsAndNeverRevives() {
        let (m0, w) = setup()
        let m1 = prune(m0, weights: w, fraction: 0.3, outputFraction: 0.2, scope: .layerwise, selection: "magnitude", seed: 1, level: 1)
        let m2 = prune(m1, weights: w, fraction: 0.3, outputFraction: 0.2, scope: .layerwise, selection: "magnitude", seed: 1, level: 2)
        for (t1, t2) in zip(m1.tensors, m2.tensors) {
            let a = w[t1.name]!.map(abs)
            for j in t1.values.indices where t1.values[j] == 0 { XCTAssertEqual(t2.values[j], 0, "\(t1.name)[\(j)] revived") }
            let pruned = a.indices.filter { t1.values[$0] == 1 && t2.values[$0] == 0 }.map { a[$0] }
            let survivors = a.indices.filter { t2.values[$0] == 1 }.map { a[$0] }
            XCTAssertLessThanOrEqual(pruned.max()!, survivors.min()!, "\(t1.name): a pruned |w| exceeds a kept one")
        }
    }

    func testGlobalPoolsHiddenLayersUnderOneThreshold() {
        let (m0, w) = setup()
        let m = prune(m0, weights: w, fraction: 0.5, outputFraction: 0.1, scope: .global, selection: "magnitude", seed: 1, level: 1)
        XCTAssertEqual(m.tensors[0].kept + m.tensors[1].kept, 75, "half of the 150 pooled hidden weights kept")
        XCTAssertEqual(m.tensors[2].kept, 9, "output pruned on its own at 10%")
        var pruned: [Float] = [], kept: [Float] = []
        for t in m.tensors.prefix(2) {
            for j in t.values.indices {
                if t.values[j] == 0 { pruned.append(abs(w[t.name]![j])) } else { kept.append(abs(w[t.name]![j])) }
            }
        }
        XCTAssertLessThanOrEqual(pruned.max()!, kept.min()!)
    }

    /// A level pruned by a data-free criterion (magnitude, random, movement, synflow) never asks
    /// for the training set, so no batch is loaded or drawn; a data-driven one asks once (and,
    /// given none, says it needs training batches).
    func testALevelAsksForTheTrainingSetOnlyForDataDrivenCriteria() throws {
        let (m0, w) = setup()
        var kinds: Set<Bool> = []
        for name in CriterionRegistry.names {
            let (net, masked) = network(w)
            let start = WeightSnapshot(net.store)
            for p in masked { p.value.copy(from: p.value.toArray().map { $0 * 1.5 }) }   // trained weights ≠ the level's start (movement)
            var config = LotteryConfig()
            config.pruneFraction = 0.3
            config.outputFraction = 0.2
            config.selection = name
            let needsData = try CriterionRegistry.make(name, config: config.pruning).needsData
            kinds.insert(needsData)
            var asked = 0
            do {
                let mask = try LotteryPruning.prune(m0, network: net, masked: masked, reference: start,
                                                    trainingSet: { asked += 1; return nil }, config: config, level: 1)
                XCTAssertFalse(needsData, "\(name) pruned without training batches")
                XCTAssertEqual(kept(mask), kept(prune(m0, weights: w, fraction: 0.3, outputFraction: 0.2, scope: .layerwise, selection: "magnitude", seed: 1, level: 1)),
                               "\(name): the level's counts")
            } catch {
                XCTAssertTrue(needsData && "\(error)".contains("needs training batches"), "\(name): \(error)")
            }
            XCTAssertEqual(asked, needsData ? 1 : 0, "\(name): times the training set was asked for")
        }
        XCTAssertEqual(kinds, [true, false], "the registry has data-free and data-driven criteria")
    }

    func testRandomSelectionKeepsTheCountsButNotTheMagnitudeOrder() {
        let (m0, w) = setup()
        let mag = prune(m0, weights: w, fraction: 0.4, outputFraction: 0.2, scope: .layerwise, selection: "magnitude", seed: 1, level: 1)
        let r1 = prune(m0, weights: w, fraction: 0.4, outputFraction: 0.2, scope: .layerwise, selection: "random", seed: 1, level: 1)
        let r2 = prune(m0, weights: w, fraction: 0.4, outputFraction: 0.2, scope: .layerwise, selection: "random", seed: 1, level: 1)
        let r3 = prune(m0, weights: w, fraction: 0.4, outputFraction: 0.2, scope: .layerwise, selection: "random", seed: 2, level: 1)
        XCTAssertEqual(kept(r1), kept(mag))
        XCTAssertEqual(r1, r2, "seeded")
        XCTAssertNotEqual(r1, r3, "another seed, another mask")
        XCTAssertNotEqual(r1, mag)
        let like = LotteryPruning.randomLike(mag, seed: 3, level: 1)
        XCTAssertEqual(kept(like), kept(mag))
        XCTAssertNotEqual(like, mag)
    }

    /// `LotteryPruning.prune` as it was before the criterion family (magnitude or uniform random
    /// scores, the smallest `round(p·S)` survivors pruned, ties to the lower index).
    private func legacyPrune(_ mask: LotteryMask, weights: [String: [Float]], fraction p: Double, outputFraction pOut: Double,
                             global: Bool, random: Bool, seed: UInt64, level: Int) -> LotteryMask {
        var out = mask
        let last = mask.tensors.count - 1
        let streams = RandomStreams(seed: seed)
        func score(_ i: Int) -> [Float] {
            if !random { return weights[mask.tensors[i].name]!.map(abs) }
            let rng = streams.stream(.pruning, 1000 + level, i)
            return (0..<mask.tensors[i].count).map { _ in Float(rng.uniform()) }
        }
        func pruneSmallest(_ tensors: [Int], fraction: Double) {
            var candidates: [(Float, Int, Int)] = []
            for i in tensors {
                let s = score(i), m = mask.tensors[i].values
                for j in m.indices where m[j] != 0 { candidates.append((s[j], i, j)) }
            }
            let count = Int((fraction * Double(candidates.count)).rounded())
            guard count > 0 else { return }
            candidates.sort { $0.0 != $1.0 ? $0.0 < $1.0 : ($0.1, $0.2) < ($1.1, $1.2) }
            for (_, i, j) in candidates.prefix(count) { out.tensors[i].values[j] = 0 }
        }
        if global {
            if last > 0 { pruneSmallest(Array(0..<last), fraction: p) }
            pruneSmallest([last], fraction: pOut)
        } else {
            for i in mask.tensors.indices { pruneSmallest([i], fraction: i == last ? pOut : p) }
        }
        return out
    }

    func testLevelsAreBitIdenticalToTheReplacedCodeIncludingTies() {
        let (m0, w0) = setup()
        let w = w0.mapValues { $0.map { ($0 * 6).rounded() / 6 } }   // many exact ties in |w|
        for (scope, selection) in [(MagnitudeScope.layerwise, "magnitude"), (.global, "magnitude"), (.layerwise, "random"), (.global, "random")] {
            var new = m0, old = m0
            for level in 1...4 {
                new = prune(new, weights: w, fraction: 0.3, outputFraction: 0.15, scope: scope, selection: selection, seed: 3, level: level)
                old = legacyPrune(old, weights: w, fraction: 0.3, outputFraction: 0.15, global: scope == .global, random: selection == "random", seed: 3, level: level)
                XCTAssertEqual(new, old, "\(scope) \(selection) level \(level)")
            }
        }
    }

    func testPerLevelFractionReachesTheFinalRatio() {
        for (r, n) in [(0.9, 3), (0.5, 1), (0.99, 5)] {
            let p = LotteryPruning.perLevelFraction(finalPruned: r, levels: n)
            XCTAssertEqual(1 - pow(1 - p, Double(n)), r, accuracy: 1e-12)
        }
    }

    func testMaskFileRoundTripAndShapeErrors() throws {
        let dir = TemporaryDirectory("masklab-lottery-mask")
        let (m0, w) = setup()
        let m = prune(m0, weights: w, fraction: 0.5, outputFraction: 0.25, scope: .layerwise, selection: "magnitude", seed: 1, level: 1)
        try m.write(to: dir.file("mask.safetensors"))
        let back = try LotteryMask.read(from: dir.file("mask.safetensors"))
        XCTAssertEqual(back, m)
        XCTAssertTrue(m.sparsityCSV().contains("fc1.weight,100,50,50,0.500000"), m.sparsityCSV())
        // Not 0/1 → refused.
        var bad = m
        bad.tensors[0].values[0] = 0.5
        try bad.write(to: dir.file("bad.safetensors"))
        XCTAssertThrowsError(try LotteryMask.read(from: dir.file("bad.safetensors"))) { e in
            XCTAssertTrue("\(e)".contains("only 0 and 1"), "\(e)")
        }
    }
}
