import XCTest
import Foundation
import TensorCore
import Stats
import Layers
import Models
import TestSupport
@testable import Importance

/// Backtracking step control: the regularised objective never rises, it costs nothing where
/// every step is accepted, and it works for the per-layer solve too.
final class StepControlTests: XCTestCase {
    override func setUp() { Parallel.setThreads(1) }

    /// An MLP 64-16-12-4 with BatchNorm and one random solve batch of 24 (one batch, so every step
    /// and the before/after diagnostics see the same φ).
    private func problem() -> (Network, SolverBatches) {
        let net = try! ModelRegistry.make("mlp", sampleShape: Shape(1, 8, 8), classes: 4, options: ModelOptions(hidden: [16, 12], batchNorm: true))
        net.prepare(batch: 24)
        net.store.initialise(streams: RandomStreams(seed: 5))
        let batches = SolverBatches(dataset: nil, capacity: 1, batchSize: 24, sampleShape: net.sampleShape, seed: 0)
        let rng = RandomStream(seed: 6)
        let x = TensorStorage(count: 24 * 64)
        for i in 0..<x.count { x.base[i] = Float(rng.gaussian()) }
        let labels = (0..<24).map { _ in Int32(rng.integer(below: 4)) }
        labels.withUnsafeBufferPointer { batches.append(inputs: x.tensor(Shape(24, 1, 8, 8)), labels: $0.baseAddress!, count: 24) }
        return (net, batches)
    }

    private func solver(_ net: Network, _ edit: (inout ImportanceConfig) -> Void) -> ImportanceSolver {
        var config = ImportanceConfig()
        config.steps = 40
        edit(&config)
        return ImportanceSolver(network: net, targets: net.store.parameters.filter { $0.role == .weight }, config: config)
    }

    /// F = φ + Σ_t λ·s_t·Σ w log w at the solver's current importance.
    private func regularised(_ s: ImportanceSolver, phi: Double, scales: [Float], lambda: Double) -> Double {
        var sum = phi
        for t in s.targets.indices {
            sum += lambda * Double(scales[t]) * MirrorDescentSimplex.negativeEntropy(logW: UnsafeBufferPointer(s.logImportance(t).buffer))
        }
        return sum
    }

    /// A step size at which the fixed iteration makes φ rise (checked, so the test means
    /// something): backtracking ends below its start, rejected some trial steps, and took a
    /// smaller last step than η.
    func testBacktrackingNeverRaisesTheObjectiveWhereFixedStepsDo() {
        let (net, batches) = problem()
        let gamma = 1.0
        // The smallest of these step sizes at which fixed steps end above the start.
        guard let eta = [3.0, 10, 30, 100, 300].first(where: { eta in
            let r = solver(net) { $0.eta = eta }.solve(on: batches, gamma: gamma)
            return r.solveAfter[0] > r.solveBefore[0]
        }) else { return XCTFail("precondition: some fixed η must raise φ on this problem") }
        let s = solver(net) { $0.eta = eta; $0.stepControl = .backtracking }
        let r = s.solve(on: batches, gamma: gamma)
        XCTAssertLessThan(r.solveAfter[0], r.solveBefore[0], "backtracking must lower φ (η = \(eta))")
        XCTAssertGreaterThan(r.rejectedSteps[0], 0)
        XCTAssertLessThan(r.finalEta[0], eta)
        XCTAssertGreaterThan(r.trialPasses, 0)
        XCTAssertGreaterThan(r.klFromStart[0], 0, "it must still move")
    }

    /// With λ > 0 the regularised F (not φ alone) is what may not rise.
    func testBacktrackingLowersTheRegularisedObjective() {
        let (net, batches) = problem()
        let lambda = 0.05, gamma = 1.0
        let start = solver(net) { $0.steps = 0 }
        let r0 = start.solve(on: batches, gamma: gamma)
        let s = solver(net) { $0.eta = 30; $0.lambda = lambda; $0.stepControl = .backtracking }
        let r = s.solve(on: batches, gamma: gamma)
        // The scale s_t is computed from ∇φ(w₀), the same in both solvers; the zero-step solver reports 1s.
        let before = regularised(start, phi: r0.solveBefore[0], scales: r.scales, lambda: lambda)
        let after = regularised(s, phi: r.solveAfter[0], scales: r.scales, lambda: lambda)
        XCTAssertLessThanOrEqual(after, before, "F = φ + λ Σ s_t Σ w log w must not rise")
        XCTAssertGreaterThan(r.klFromStart[0], 0)
    }

    /// Where every trial step is accepted (a tiny η), backtracking takes exactly the fixed
    /// iteration's steps: the same importance bit for bit.
    func testBacktrackingEqualsFixedWhenNothingIsRejected() {
        let (net, batches) = problem()
        let a = solver(net) { $0.eta = 1e-3 }
        a.solve(on: batches, gamma: 0.5)
        let b = solver(net) { $0.eta = 1e-3; $0.stepControl = .backtracking }
        let r = b.solve(on: batches, gamma: 0.5)
        XCTAssertEqual(r.rejectedSteps[0], 0)
        XCTAssertEqual(r.finalEta[0], 1e-3)
        for t in a.targets.indices { XCTAssertEqual(a.logImportance(t).toArray(), b.logImportance(t).toArray(), a.targets[t].name) }
    }

    /// A step after an accepted trial step runs only the backward, on the trial's forward: the
    /// importance, the objectives and the step sizes are the same bit for bit as with the forward
    /// run again, on an MLP and on a narrow ResNet-18 (Winograd, BatchNorm, shortcuts), joint and
    /// per layer, at an η where some trials are rejected (a reuse after a rejected trial would
    /// read the rejected w's forward and change the bits).
    func testReusingTheAcceptedTrialsForwardChangesNoBit() {
        func resnet() -> (Network, SolverBatches) {
            let net = try! ModelRegistry.make("resnet18", sampleShape: Shape(3, 8, 8), classes: 4, options: ModelOptions(width: 4))
            net.prepare(batch: 6)
            net.store.initialise(streams: RandomStreams(seed: 3))
            let batches = SolverBatches(dataset: nil, capacity: 1, batchSize: 6, sampleShape: net.sampleShape, seed: 0)
            let rng = RandomStream(seed: 4)
            let x = TensorStorage(count: 6 * 3 * 64)
            for i in 0..<x.count { x.base[i] = Float(rng.gaussian()) }
            let labels = (0..<6).map { _ in Int32(rng.integer(below: 4)) }
            labels.withUnsafeBufferPointer { batches.append(inputs: x.tensor(Shape(6, 3, 8, 8)), labels: $0.baseAddress!, count: 6) }
            return (net, batches)
        }
        for (model, make) in [("mlp", problem), ("resnet18", resnet)] {
            for solve in [ImportanceSolve.joint, .perLayer] {
                let (net, batches) = make()
                func run(reuse: Bool) -> (ImportanceSolver, SolveReport) {
                    let s = ImportanceSolver(network: net, targets: net.store.parameters.filter { $0.role == .weight }, config: {
                        var c = ImportanceConfig()
                        c.steps = 12
                        c.eta = 300
                        c.lambda = 0.01
                        c.solve = solve
                        c.stepControl = .backtracking
                        return c
                    }())
                    s.reusesTrialForward = reuse
                    return (s, s.solve(on: batches, gamma: 1))
                }
                let (a, ra) = run(reuse: false)
                let (b, rb) = run(reuse: true)
                let label = "\(model) \(solve)"
                XCTAssertGreaterThan(ra.rejectedSteps.reduce(0, +), 0, "\(label): precondition, some trials rejected")
                XCTAssertEqual(ra.reusedForwards, 0, label)
                XCTAssertGreaterThan(rb.reusedForwards, 0, label)
                XCTAssertEqual(ra.fullPasses + ra.partialPasses, rb.fullPasses + rb.partialPasses, label)
                XCTAssertEqual(ra.trialPasses, rb.trialPasses, label)
                XCTAssertEqual(ra.rejectedSteps, rb.rejectedSteps, label)
                XCTAssertEqual(ra.finalEta, rb.finalEta, label)
                XCTAssertEqual(ra.objectiveBefore, rb.objectiveBefore, label)
                XCTAssertEqual(ra.objectiveAfter, rb.objectiveAfter, label)
                for t in a.targets.indices {
                    XCTAssertEqual(a.logImportance(t).toArray(), b.logImportance(t).toArray(), "\(label) \(a.targets[t].name)")
                }
            }
        }
    }

    /// Per layer: each tensor's own φ falls under backtracking at the η where fixed steps raise it
    /// for at least one tensor.
    func testPerLayerBacktrackingLowersEachTensorsObjective() {
        let (net, batches) = problem()
        guard let eta = [3.0, 10, 30, 100, 300].first(where: { eta in
            let fixed = solver(net) { $0.eta = eta; $0.solve = .perLayer }.solve(on: batches, gamma: 1)
            return fixed.solveAfter.indices.contains { fixed.solveAfter[$0] > fixed.solveBefore[$0] }
        }) else { return XCTFail("precondition: some fixed η must raise some tensor's φ") }
        let r = solver(net) { $0.eta = eta; $0.solve = .perLayer; $0.stepControl = .backtracking }.solve(on: batches, gamma: 1)
        for t in r.solveAfter.indices { XCTAssertLessThanOrEqual(r.solveAfter[t], r.solveBefore[t], "tensor \(t)") }
    }
}
