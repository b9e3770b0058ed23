import XCTest
import Foundation
import TestSupport
import TensorCore
import Stats
import Layers
@testable import Masks

/// Scores → mask: counts, scope, output group, ties, bad input; and the fixed magnitude and
/// random masks bit-identical to the code they replaced.
final class MaskBuilderTests: XCTestCase {
    private let names = ["a", "b", "c"]

    func testKeepAndPruneCountsPerGroupAndTheOutputGroup() throws {
        let s: [Int] = [100, 50, 10]
        XCTAssertEqual(PruningPlan(scope: .layerwise, amount: .keep(0.25)).groups(survivors: s).map(\.keep), [25, 13, 3])
        XCTAssertEqual(PruningPlan(scope: .global, amount: .keep(0.25)).groups(survivors: s),
                       [MaskBuilder.Group(tensors: [0, 1, 2], keep: 40)])
        XCTAssertEqual(PruningPlan(scope: .global, amount: .pruneSurvivors(0.2), output: .pruneSurvivors(0.1)).groups(survivors: s),
                       [MaskBuilder.Group(tensors: [0, 1], keep: 120), MaskBuilder.Group(tensors: [2], keep: 9)])
        XCTAssertEqual(PruningPlan(scope: .layerwise, amount: .pruneSurvivors(0.5), output: .pruneSurvivors(0.1)).groups(survivors: [7]),
                       [MaskBuilder.Group(tensors: [0], keep: 6)], "a single tensor is pruned at the output rate")
        XCTAssertEqual(PruningPlan(scope: .layerwise, amount: .keep(0.001)).groups(survivors: [10]).map(\.keep), [1], "at least one kept")
    }

    func testSharesOutsideTheirRangeAreRefused() {
        XCTAssertNotNil(PruningPlan(scope: .layerwise, amount: .keep(0)).validationError)
        XCTAssertNotNil(PruningPlan(scope: .layerwise, amount: .keep(1.5)).validationError)
        XCTAssertNil(PruningPlan(scope: .layerwise, amount: .keep(1)).validationError)
        XCTAssertNotNil(PruningPlan(scope: .layerwise, amount: .pruneSurvivors(1)).validationError)
        XCTAssertNotNil(PruningPlan(scope: .layerwise, amount: .keep(0.5), output: .keep(-0.1)).validationError)
    }

    func testSeededTiesAreReproducibleAndDependOnTheSeed() throws {
        let mask: [[Float]] = [[Float](repeating: 1, count: 64)]
        let scores: [[Float]] = [[Float](repeating: 0.5, count: 64)]
        let groups = [MaskBuilder.Group(tensors: [0], keep: 16)]
        func run(_ seed: UInt64) throws -> [[Float]] {
            try MaskBuilder.prune(mask, scores: scores, groups: groups, ties: .seeded(RandomStreams(seed: seed).stream(.pruning, 3000)), criterion: "t", names: ["a"])
        }
        XCTAssertEqual(try run(1), try run(1))
        XCTAssertNotEqual(try run(1), try run(2))
        XCTAssertEqual(try run(1)[0].reduce(0, +), 16)
        let byIndex = try MaskBuilder.prune(mask, scores: scores, groups: groups, ties: .index(.lowerPrunedFirst), criterion: "t", names: ["a"])
        XCTAssertEqual(byIndex[0], [Float](repeating: 0, count: 48) + [Float](repeating: 1, count: 16))
        let kept = try MaskBuilder.prune(mask, scores: scores, groups: groups, ties: .index(.lowerKeptFirst), criterion: "t", names: ["a"])
        XCTAssertEqual(kept[0], [Float](repeating: 1, count: 16) + [Float](repeating: 0, count: 48))
    }

    func testNonFiniteScoresAndUnknownCriteriaAreErrorsThatSayWhatToDo() {
        XCTAssertThrowsError(try MaskBuilder.prune([[1, 1]], scores: [[1, .nan]], groups: [.init(tensors: [0], keep: 1)], ties: .index(.lowerPrunedFirst),
                                                   criterion: "x", names: ["fc.weight"])) { e in
            XCTAssertEqual("\(e)", "pruning criterion 'x' gave the score nan to fc.weight[1]; scores must be finite")
        }
        XCTAssertThrowsError(try CriterionRegistry.make("snipp")) { e in
            XCTAssertTrue("\(e)".contains("unknown pruning criterion 'snipp'; valid criteria: magnitude, random, movement"), "\(e)")
        }
        XCTAssertNil(MaskConfig(name: "prune", keep: 0.5).validationError())
        var bad = MaskConfig(name: "prune", keep: 0.5)
        bad.criterion = "nope"
        XCTAssertTrue(bad.validationError()?.contains("valid criteria: magnitude") ?? false)
    }

    // MARK: - Global ranking of scores that only compare within a tensor

    /// Hand-set scores with the global rule of a named criterion.
    private struct FixedScores: PruningCriterion {
        var name = "fixed"
        let values: [[Float]]
        let globalRanking: GlobalRanking
        func scores(_ context: ScoringContext) throws(PruningError) -> [[Float]] { values }
    }

    /// fc1 and fc2 of 8 weights each; global keep 1/2. Global magnitude keeps 4 in each. The
    /// importance-like scores (log w, Σw = n per tensor) are flat in fc1 and concentrated on one
    /// weight of fc2: pooled, fc2 keeps that one weight only; with `importance`'s rule each
    /// tensor keeps magnitude's count, chosen by the largest log w.
    func testImportancesGlobalRuleKeepsMagnitudesLayerBudgetsWhereAPooledRankingCollapsesALayer() throws {
        let net = TinyNets.twoLayer(inputs: 4, hidden: 2, classes: 4)
        net.store.parameter(named: "fc1.weight")!.value.copy(from: [0.8, -0.7, 0.6, -0.5, 0.4, -0.3, 0.2, -0.1])
        net.store.parameter(named: "fc2.weight")!.value.copy(from: [-0.75, 0.65, -0.55, 0.45, -0.35, 0.25, -0.15, 0.05])
        let masked = MaskScope().select(from: net.store)
        XCTAssertEqual(masked.map(\.name), ["fc1.weight", "fc2.weight"])
        let logW: [[Float]] = [[0.1, -0.1, 0.05, -0.05, 0.2, -0.2, 0.15, -0.15],
                               [-3.3, -3.1, -3.2, 2, -3.0, -3.4, -3.6, -3.5]]
        func build(_ ranking: GlobalRanking) throws -> [[Float]] {
            let streams = RandomStreams(seed: 1)
            let context = ScoringContext(network: net, parameters: masked) { streams.stream(.pruning, $0) }
            return try MaskBuilder.build(FixedScores(values: logW, globalRanking: ranking), context: context,
                                         plan: PruningPlan(scope: .global, amount: .keep(0.5)), seed: 1, step: 0)
        }
        let pooled = try build(.pooled)
        XCTAssertEqual(pooled[1], [0, 0, 0, 1, 0, 0, 0, 0], "the old rule: fc2 collapses to its one concentrated weight")
        let mask = try build(ImportanceCriterion().globalRanking)
        XCTAssertEqual(mask[0], [1, 0, 1, 0, 1, 0, 1, 0], "fc1: magnitude's 4, the 4 largest log w (0.2, 0.15, 0.1, 0.05)")
        XCTAssertEqual(mask[1], [0, 1, 1, 1, 1, 0, 0, 0], "fc2: magnitude's 4, the 4 largest log w, not the 4 largest |w|")
    }

    /// A budget source whose scores do not fit the tensors is the same typed error as a
    /// criterion's own (it was a precondition failure).
    func testABudgetSourceOfTheWrongSizeIsAnErrorNotACrash() {
        let net = TinyNets.twoLayer(inputs: 4, hidden: 2, classes: 4)
        let masked = MaskScope().select(from: net.store)
        let streams = RandomStreams(seed: 1)
        let context = ScoringContext(network: net, parameters: masked) { streams.stream(.pruning, $0) }
        let source = FixedScores(name: "source", values: [[1, 2, 3]], globalRanking: .pooled)
        let criterion = FixedScores(values: masked.map { [Float](repeating: 1, count: $0.shape.count) }, globalRanking: .budgets(from: source))
        XCTAssertThrowsError(try MaskBuilder.build(criterion, context: context, plan: PruningPlan(scope: .global, amount: .keep(0.5)), seed: 1, step: 0)) { e in
            XCTAssertEqual(e as? PruningError, .invalid("criterion 'source' scored [3] entries for tensors of [8, 8]"))
        }
    }

    // MARK: - Bit-identical to the replaced code

    /// `MagnitudeMask.start` as it was: keep the largest |w| (ties: lower flat index kept).
    private func legacyMagnitude(_ weights: [[Float]], keep q: Double, global: Bool) -> [[Float]] {
        var out = weights.map { [Float](repeating: 0, count: $0.count) }
        var offsets: [Int] = [], total = 0
        for w in weights { offsets.append(total); total += w.count }
        func keepLargest(_ m: [(Float, Int)], _ k: Int) {
            for (_, flat) in m.sorted(by: { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 < $1.1 }).prefix(k) {
                let i = offsets.lastIndex { $0 <= flat }!
                out[i][flat - offsets[i]] = 1
            }
        }
        if global {
            keepLargest(weights.indices.flatMap { i in weights[i].indices.map { (abs(weights[i][$0]), offsets[i] + $0) } }, max(1, Int((q * Double(total)).rounded())))
        } else {
            for i in weights.indices { keepLargest(weights[i].indices.map { (abs(weights[i][$0]), offsets[i] + $0) }, max(1, Int((q * Double(weights[i].count)).rounded()))) }
        }
        return out
    }

    func testMagnitudeMaskIsBitIdenticalToTheReplacedCodeIncludingTies() throws {
        let net = MaskFixtures.network()
        net.store.initialise(streams: RandomStreams(seed: 3))
        let masked = MaskScope().select(from: net.store)
        // Quantised weights: many exact ties in |w|, also across signs.
        for p in masked { p.value.copy(from: p.value.toArray().map { ($0 * 8).rounded() / 8 }) }
        let weights = masked.map { $0.value.toArray() }
        for (q, scope) in [(0.25, MagnitudeScope.layerwise), (0.3, .global), (0.77, .layerwise), (0.5, .global)] {
            let streams = RandomStreams(seed: 1)
            let context = ScoringContext(network: net, parameters: masked) { streams.stream(.pruning, $0) }
            let mask = try MaskBuilder.build(MagnitudeCriterion(), context: context, plan: PruningPlan(scope: scope, amount: .keep(q)), seed: 7, step: 0,
                                             indexOrder: .lowerKeptFirst)
            XCTAssertEqual(mask, legacyMagnitude(weights, keep: q, global: scope == .global), "keep \(q) \(scope)")
        }
    }

    /// `--mask random`'s multipliers in `hook` against the loop of the replaced `RandomMask`
    /// (keep `q`, seed `seed`), tensor by tensor.
    private func assertOldFisherYatesDraw(_ hook: MaskingHook, keep q: Double, seed: UInt64, file: StaticString = #filePath, line: UInt = #line) {
        let masks = hook.masks!
        let streams = RandomStreams(seed: seed)
        for i in masks.parameters.indices {
            // The replaced loop, verbatim in effect.
            let n = masks.parameters[i].shape.count, k = max(1, Int((q * Double(n)).rounded()))
            let rng = streams.stream(.pruning, masks.parameters[i].index)
            var index = Array(0..<n)
            for j in 0..<k { index.swapAt(j, j + rng.integer(below: n - j)) }
            var v = [Float](repeating: 0, count: n)
            for j in 0..<k { v[index[j]] = 1 }
            XCTAssertTrue(masks.multipliers(i).toArray() == v, "\(masks.parameters[i].name): not the old draw", file: file, line: line)
        }
    }

    func testRandomMaskIsTheSameFisherYatesDrawAsBefore() {
        let (hook, _) = MaskFixtures.startedHook(MaskConfig(name: "random", keep: 0.3), seed: 5)
        assertOldFisherYatesDraw(hook, keep: 0.3, seed: 5)
    }

    /// A tensor of more than 2^24 entries (4096 × 4097, as `alexnet --width 128` or
    /// `mlp --hidden 8192,8192` build) keeps the old draw too: ranks n − j as Float collapse
    /// there, which broke ties at the kept count by index instead of by the draw.
    func testRandomMaskIsTheOldDrawAboveTwoToThe24Entries() {
        let net = TinyNets.linear(inputs: 4097, classes: 4096)
        XCTAssertGreaterThan(net.store.parameters.map(\.shape.count).max() ?? 0, 1 << 24)
        var config = MaskConfig(name: "random", keep: 0.0002)   // 3356 kept: the cut lies among ranks above 2^24
        config.minKeep = 0
        for seed: UInt64 in [1, 2] {   // the old ranks kept another entry at the cut for both
            let hook = MaskFixtures.startedHook(config, on: net, seed: seed)
            assertOldFisherYatesDraw(hook, keep: 0.0002, seed: seed)
        }
    }

    /// `--mask random` is the prune sampler with its per-tensor draw whatever the scope and
    /// output share say (as the old sampler, which never read them).
    func testRandomMaskIsThePruneSamplerPerTensor() throws {
        XCTAssertTrue(try MaskRegistry.make(MaskConfig(name: "random", keep: 0.3)) is PruneMask)
        var global = MaskConfig(name: "random", keep: 0.3)
        global.magnitudeScope = .global
        global.keepOutput = 0.9
        let (a, _) = MaskFixtures.startedHook(global, seed: 5)
        let (b, _) = MaskFixtures.startedHook(MaskConfig(name: "random", keep: 0.3), seed: 5)
        XCTAssertEqual(a.masks!.multipliers.tensor(Shape(a.masks!.count)).toArray(), b.masks!.multipliers.tensor(Shape(b.masks!.count)).toArray())
    }

    func testPruneSamplerAppliesACriterionAtRunStartAndMagnitudeIsItsAlias() {
        var config = MaskConfig(name: "prune", keep: 0.25)
        config.criterion = "magnitude"
        let (a, _) = MaskFixtures.startedHook(config, seed: 7)
        let (b, _) = MaskFixtures.startedHook(MaskConfig(name: "magnitude", keep: 0.25), seed: 7)
        XCTAssertEqual(a.masks!.multipliers.tensor(Shape(a.masks!.count)).toArray(), b.masks!.multipliers.tensor(Shape(b.masks!.count)).toArray())
        config.criterion = "snip"
        let (c, _) = MaskFixtures.startedHook(config, seed: 7, training: MaskFixtures.splits().train)
        for i in c.masks!.parameters.indices {
            XCTAssertEqual(c.masks!.keptCounts[i], max(1, Int((0.25 * Double(c.masks!.parameters[i].shape.count)).rounded())))
        }
        let (d, _) = MaskFixtures.startedHook(config, seed: 7, training: MaskFixtures.splits().train)
        XCTAssertEqual(c.masks!.multipliers.tensor(Shape(c.masks!.count)).toArray(), d.masks!.multipliers.tensor(Shape(d.masks!.count)).toArray(), "deterministic")
        XCTAssertNotEqual(c.masks!.multipliers.tensor(Shape(c.masks!.count)).toArray(), a.masks!.multipliers.tensor(Shape(a.masks!.count)).toArray())
    }
}
