import XCTest
import Foundation
import TestSupport
import TensorCore
import Stats
import Layers
import Importance
@testable import Masks

/// Every criterion ranks a hand-built case as its definition says; GraSP's Hessian-gradient
/// product matches a dense analytic Hessian; SynFlow matches a hand computation.
final class PruningCriterionTests: XCTestCase {
    private func context(_ net: Network, batches: SolverBatches? = nil, reference: [[Float]]? = nil, mask: [[Float]]? = nil,
                         config: PruningConfig = PruningConfig(), importance: ImportanceConfig = ImportanceConfig()) -> ScoringContext {
        let masked = MaskScope().select(from: net.store)
        let streams = RandomStreams(seed: 9)
        return ScoringContext(network: net, parameters: masked, mask: mask, reference: reference, batches: batches, config: config,
                              importance: importance) { streams.stream(.pruning, $0) }
    }

    private func assertClose(_ a: [Float], _ b: [Double], relative: Double, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, what, file: file, line: line)
        let scale = max(b.map(abs).max() ?? 0, 1e-30)
        var worst = 0.0
        for (x, y) in zip(a, b) { worst = max(worst, abs(Double(x) - y) / scale) }
        XCTAssertLessThanOrEqual(worst, relative, "\(what): largest difference \(worst) of the largest |reference| \(scale)", file: file, line: line)
    }

    func testMagnitudeRanksByAbsoluteValueOfTheMaskedWeights() throws {
        let net = TinyNets.linear(inputs: 3, classes: 2)
        net.store.parameter(named: "fc.weight")!.value.copy(from: [0.5, -2, 0.1, 1, -0.3, 0.2])
        let c = context(net, mask: [[1, 1, 1, 0, 1, 1]])
        XCTAssertEqual(try MagnitudeCriterion().scores(c), [[0.5, 2, 0.1, 0, 0.3, 0.2]])
        let mask = try MaskBuilder.build(MagnitudeCriterion(), context: c, plan: PruningPlan(scope: .layerwise, amount: .pruneSurvivors(0.4)), seed: 1, step: 1)
        XCTAssertEqual(mask, [[1, 1, 0, 0, 1, 0]], "of five survivors the two smallest |w| (0.1, 0.2) go; the pruned entry stays pruned")
    }

    func testRandomScoresAreTheStreamsUniformsInOrder() throws {
        let net = TinyNets.linear(inputs: 3, classes: 2)
        let c = context(net)
        let rng = RandomStreams(seed: 9).stream(.pruning, 0)
        XCTAssertEqual(try RandomCriterion().scores(c), [(0..<6).map { _ in Float(rng.uniform()) }])
    }

    func testMovementRanksByDistanceFromTheReferenceAndSignedByOutwardMotion() throws {
        let net = TinyNets.linear(inputs: 2, classes: 2)
        net.store.parameter(named: "fc.weight")!.value.copy(from: [1.0, -1.0, 0.5, 0.0])
        let w0: [[Float]] = [[0.5, -0.25, 1.0, 0.25]]
        let c = context(net, reference: w0)
        XCTAssertEqual(try MovementCriterion(signed: false).scores(c), [[0.5, 0.75, 0.5, 0.25]])
        // w·(w − w0): away from zero > 0 (1→ from 0.5; −1 from −0.25), toward zero < 0 (0.5 from 1).
        XCTAssertEqual(try MovementCriterion(signed: true).scores(c), [[0.5, 0.75, -0.25, 0]])
        XCTAssertThrowsError(try MovementCriterion(signed: false).scores(context(net))) { e in
            XCTAssertTrue("\(e)".contains("reference point w0"), "\(e)")
        }
    }

    func testSNIPIsAbsoluteGradientTimesWeightAndPrunesWeightsOfADeadInput() throws {
        let net = TinyNets.linear(inputs: 4, classes: 3)
        TinyNets.initialise(net, seed: 3)
        let (batches, xs, ys) = TinyNets.batches(net, count: 2, size: 8, seed: 4, zeroFeature: 2)
        let w = net.store.parameter(named: "fc.weight")!.value.toArray(), b = net.store.parameter(named: "fc.bias")!.value.toArray()
        let g0 = TinyNets.gradient(w, b, xs: xs, ys: ys, samples: 0..<8, classes: 3, t: 1)
        let g1 = TinyNets.gradient(w, b, xs: xs, ys: ys, samples: 8..<16, classes: 3, t: 1)
        let expected = w.indices.map { abs((g0[$0] + g1[$0]) / 2 * Double(w[$0])) }
        let c = context(net, batches: batches)
        let s = try SNIPCriterion().scores(c)
        assertClose(s[0], expected, relative: 1e-5, "snip")
        let mask = try MaskBuilder.build(SNIPCriterion(), context: c, plan: PruningPlan(scope: .layerwise, amount: .keep(0.75)), seed: 1, step: 0)
        XCTAssertEqual((0..<3).map { mask[0][$0 * 4 + 2] }, [0, 0, 0], "weights of the always-zero input have g = 0 and go first")
    }

    func testGraSPMatchesWTimesADenseHessianGradientProductWithWangEtAlsSign() throws {
        for t in [1.0, 200.0] {
            let net = TinyNets.linear(inputs: 3, classes: 3)
            TinyNets.initialise(net, seed: 5)
            let (batches, xs, ys) = TinyNets.batches(net, count: 2, size: 6, seed: 6)
            let w = net.store.parameter(named: "fc.weight")!.value.toArray(), b = net.store.parameter(named: "fc.bias")!.value.toArray()
            let ranges = [0..<6, 6..<12]
            let gs = ranges.map { TinyNets.gradient(w, b, xs: xs, ys: ys, samples: $0, classes: 3, t: t) }
            let g = gs[0].indices.map { (gs[0][$0] + gs[1][$0]) / 2 }
            let hs = ranges.map { TinyNets.hessian(w, b, xs: xs, samples: $0, classes: 3, t: t) }
            // Hg = mean over batches of H_b g; the keep-score is +w ⊙ Hg (Wang et al.'s S = −w ⊙ Hg, largest removed).
            let hg = g.indices.map { r in g.indices.reduce(0.0) { $0 + (hs[0][r][$1] + hs[1][r][$1]) / 2 * g[$1] } }
            let expected = w.indices.map { Double(w[$0]) * hg[$0] }
            var config = PruningConfig()
            config.graspTemperature = t
            let s = try GraSPCriterion(temperature: t).scores(context(net, batches: batches, config: config))
            assertClose(s[0], expected, relative: t == 1 ? 2e-3 : 2e-2, "grasp at T = \(t)")
            // Pruning one weight removes the largest S = −w⊙Hg, i.e. the smallest keep-score.
            let mask = try MaskBuilder.build(GraSPCriterion(temperature: t), context: context(net, batches: batches, config: config),
                                             plan: PruningPlan(scope: .layerwise, amount: .keep(8.0 / 9)), seed: 1, step: 0)
            let removed = mask[0].firstIndex(of: 0)!
            XCTAssertEqual(removed, expected.indices.max { -expected[$0] < -expected[$1] }, "T = \(t): the largest −w⊙Hg is removed")
        }
    }

    func testSynFlowMatchesAHandComputationOnATwoLayerLinearNetAndRestoresTheWeights() throws {
        let net = TinyNets.twoLayer(inputs: 3, hidden: 2, classes: 2)
        let w1: [Float] = [1, -2, 0.5, -0.25, 3, 1], b1: [Float] = [-0.5, 1]
        let w2: [Float] = [2, -1, 0.5, 4], b2: [Float] = [1, -1]
        net.store.parameter(named: "fc1.weight")!.value.copy(from: w1)
        net.store.parameter(named: "fc1.bias")!.value.copy(from: b1)
        net.store.parameter(named: "fc2.weight")!.value.copy(from: w2)
        net.store.parameter(named: "fc2.bias")!.value.copy(from: b2)
        let before = net.store.values.tensor(Shape(net.store.count)).toArray()
        // x = 1: h_j = Σ_i |W1[j,i]| + |b1_j| = (3.5 + 0.5, 4.25 + 1) = (4, 5.25); ∂R/∂W2[k,j] = h_j;
        // ∂R/∂W1[j,i] = Σ_k |W2[k,j]| = (2.5, 5); s = ∂R/∂w · |w|.
        let expected: [[Float]] = [[2.5 * 1, 2.5 * 2, 2.5 * 0.5, 5 * 0.25, 5 * 3, 5 * 1], [4 * 2, 5.25 * 1, 4 * 0.5, 5.25 * 4]]
        let c = context(net)
        XCTAssertEqual(try SynFlowCriterion(rounds: 1).scores(c), expected)
        XCTAssertEqual(net.store.values.tensor(Shape(net.store.count)).toArray(), before, "signs and values restored")
        // With fc2's column 0 pruned, no flow passes hidden unit 0: fc1's row 0 scores 0 (what the iterative rounds see).
        let cut = context(net, mask: [[1, 1, 1, 1, 1, 1], [0, 1, 0, 1]])
        let s = try SynFlowCriterion(rounds: 1).scores(cut)
        XCTAssertEqual(Array(s[0][0..<3]), [0, 0, 0])
        XCTAssertEqual(Array(s[0][3..<6]), [5 * 0.25, 5 * 3, 5 * 1])
    }

    func testSynFlowRoundsFollowTheExponentialSchedule() throws {
        struct Counting: PruningCriterion {
            let name = "counting"
            let rounds = 4
            let seen: Box
            final class Box { var survivors: [Int] = [] }
            func scores(_ context: ScoringContext) throws(PruningError) -> [[Float]] {
                seen.survivors.append(context.mask[0].reduce(0) { $0 + Int($1) })
                return [context.parameters[0].value.toArray().map(abs)]
            }
        }
        let net = TinyNets.linear(inputs: 10, classes: 10)
        TinyNets.initialise(net, seed: 2)
        let box = Counting.Box()
        let mask = try MaskBuilder.build(Counting(seen: box), context: context(net), plan: PruningPlan(scope: .layerwise, amount: .keep(0.01)), seed: 1, step: 0)
        // 100 → 100·0.01^(r/4): 32, 10, 3, then the target 1.
        XCTAssertEqual(box.survivors, [100, 32, 10, 3])
        XCTAssertEqual(mask[0].reduce(0, +), 1)
    }

    func testOBDIsHalfTheEmpiricalFisherTimesTheSquaredWeight() throws {
        let net = TinyNets.linear(inputs: 3, classes: 2)
        TinyNets.initialise(net, seed: 7)
        let (batches, xs, ys) = TinyNets.batches(net, count: 2, size: 4, seed: 8)
        let w = net.store.parameter(named: "fc.weight")!.value.toArray(), b = net.store.parameter(named: "fc.bias")!.value.toArray()
        var fisher = [Double](repeating: 0, count: w.count)
        for n in 0..<8 {
            let g = TinyNets.gradient(w, b, xs: xs, ys: ys, samples: n..<(n + 1), classes: 2, t: 1)
            for j in g.indices { fisher[j] += g[j] * g[j] / 8 }
        }
        let s = try OBDCriterion().scores(context(net, batches: batches))
        assertClose(s[0], w.indices.map { 0.5 * fisher[$0] * Double(w[$0]) * Double(w[$0]) }, relative: 1e-5, "obd")
    }

    func testImportanceScoresAreTheSolversLogImportanceAndRankADeadInputLast() throws {
        let net = TinyNets.linear(inputs: 4, classes: 3)
        TinyNets.initialise(net, seed: 11)
        let (batches, _, _) = TinyNets.batches(net, count: 1, size: 16, seed: 12, zeroFeature: 1)
        var config = ImportanceConfig()
        config.steps = 20
        let s = try ImportanceCriterion().scores(context(net, batches: batches, importance: config))
        let solver = ImportanceSolver(network: net, targets: MaskScope().select(from: net.store), config: config)
        solver.solve(on: batches, gamma: 0.01)
        XCTAssertEqual(s[0], solver.logImportance(0).toArray())
        let dead = (0..<3).map { s[0][$0 * 4 + 1] }, live = s[0].indices.filter { $0 % 4 != 1 }.map { s[0][$0] }
        XCTAssertLessThan(dead.max()!, live.min()!, "weights of an always-zero input have g = 0: least important")
    }

    /// Under a global scope the solver's importance decides which weights of each tensor stay
    /// and global magnitude how many (`ImportanceCriterion`'s `GlobalRanking`). fc2's weights are
    /// ×10, so global magnitude keeps nearly all of fc2, which one pooled threshold over the
    /// per-tensor-normalised w would not.
    func testGlobalImportanceKeepsMagnitudesCountPerTensorAndTheLargestImportanceInEach() throws {
        let net = TinyNets.twoLayer(inputs: 5, hidden: 4, classes: 3, relu: true)
        TinyNets.initialise(net, seed: 21)
        let fc2 = try XCTUnwrap(net.store.parameter(named: "fc2.weight"))
        fc2.value.copy(from: fc2.value.toArray().map { $0 * 10 })
        let (batches, _, _) = TinyNets.batches(net, count: 1, size: 16, seed: 22)
        var config = ImportanceConfig()
        config.steps = 20
        let plan = PruningPlan(scope: .global, amount: .keep(0.4))
        let mask = try MaskBuilder.build(ImportanceCriterion(), context: context(net, batches: batches, importance: config), plan: plan, seed: 3, step: 0)
        let magnitude = try MaskBuilder.build(MagnitudeCriterion(), context: context(net), plan: plan, seed: 3, step: 0)
        let logW = try ImportanceCriterion().scores(context(net, batches: batches, importance: config))
        let pooled = try MaskBuilder.prune(magnitude.map { $0.map { _ in 1 } }, scores: logW, groups: plan.groups(survivors: logW.map(\.count)),
                                           ties: .index(.lowerPrunedFirst), criterion: "importance", names: ["fc1.weight", "fc2.weight"])
        XCTAssertNotEqual(pooled.map { $0.reduce(0, +) }, magnitude.map { $0.reduce(0, +) }, "the case separates the rules")
        for i in mask.indices {
            XCTAssertEqual(mask[i].reduce(0, +), magnitude[i].reduce(0, +), "tensor \(i): global magnitude's count")
            let kept = mask[i].indices.filter { mask[i][$0] == 1 }.map { logW[i][$0] }
            let pruned = mask[i].indices.filter { mask[i][$0] == 0 }.map { logW[i][$0] }
            let keptMin = try XCTUnwrap(kept.min(), "tensor \(i) keeps no weight")
            let prunedMax = try XCTUnwrap(pruned.max(), "tensor \(i) keeps every weight: the case does not test the choice")
            XCTAssertGreaterThan(keptMin, prunedMax, "tensor \(i): the largest importance is kept")
        }
    }

    func testDataDrivenCriteriaWithoutBatchesSayWhatTheyNeed() {
        let net = TinyNets.linear(inputs: 2, classes: 2)
        for criterion in [SNIPCriterion() as any PruningCriterion, GraSPCriterion(), OBDCriterion(), ImportanceCriterion()] {
            XCTAssertThrowsError(try criterion.scores(context(net))) { e in
                XCTAssertTrue("\(e)".contains("needs training batches"), "\(criterion.name): \(e)")
            }
        }
    }

    /// `needsData` says which registry criteria read batches: scoring without any fails with
    /// "needs training batches" exactly for those (the prune sampler loads batches only for them).
    func testNeedsDataIsTrueExactlyForTheCriteriaThatReadBatches() throws {
        let net = TinyNets.linear(inputs: 2, classes: 2)
        TinyNets.initialise(net, seed: 3)
        let reference = MaskScope().select(from: net.store).map { $0.value.toArray().map { $0 / 2 } }
        for name in CriterionRegistry.names {
            let criterion = try CriterionRegistry.make(name)
            var readsBatches = false
            do { _ = try criterion.scores(context(net, reference: reference)) } catch {
                XCTAssertTrue("\(error)".contains("needs training batches"), "\(name): \(error)")
                readsBatches = true
            }
            XCTAssertEqual(criterion.needsData, readsBatches, name)
        }
    }

    /// The README's "adding a criterion" example, verbatim: a conforming type is all the builder needs.
    func testTheReadmeExampleCriterionWorksThroughTheBuilder() throws {
        struct GradientCriterion: PruningCriterion {
            let name = "gradient"
            init() {}
            func scores(_ context: ScoringContext) throws(PruningError) -> [[Float]] {
                try context.meanGradient(name).map { $0.map(abs) }
            }
            static let entry = CriterionEntry(name: "gradient", summary: "|g| over the criterion batches") { _ in GradientCriterion() }
        }
        let net = TinyNets.linear(inputs: 4, classes: 3)
        TinyNets.initialise(net, seed: 13)
        let (batches, _, _) = TinyNets.batches(net, count: 1, size: 8, seed: 14, zeroFeature: 0)
        let criterion = GradientCriterion.entry.make(PruningConfig())
        let mask = try MaskBuilder.build(criterion, context: context(net, batches: batches), plan: PruningPlan(scope: .global, amount: .keep(0.75)),
                                         seed: 1, step: 0)
        XCTAssertEqual((0..<3).map { mask[0][$0 * 4] }, [0, 0, 0], "|g| = 0 for the always-zero input")
    }
}
