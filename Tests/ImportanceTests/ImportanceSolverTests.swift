import XCTest
import Foundation
import TensorCore
import Stats
import Layers
import Models
import TestSupport
@testable import Importance

/// ∇φ against central differences, the solver's promise to leave the model untouched, and
/// per-layer against joint on one tensor.
final class ImportanceSolverTests: XCTestCase {
    override func setUp() { Parallel.setThreads(1) }

    /// An MLP 64-16-12-4 with BatchNorm, initialised, and two random batches of 24.
    private func problem(batchNorm: Bool = true) -> (Network, SolverBatches) {
        let net = try! ModelRegistry.make("mlp", sampleShape: Shape(1, 8, 8), classes: 4,
                                          options: ModelOptions(hidden: [16, 12], batchNorm: batchNorm))
        net.prepare(batch: 24)
        net.store.initialise(streams: RandomStreams(seed: 5))
        let batches = SolverBatches(dataset: nil, capacity: 2, batchSize: 24, sampleShape: net.sampleShape, seed: 0)
        let rng = RandomStream(seed: 6)
        for _ in 0..<2 {
            let x = TensorStorage(count: 24 * 64)
            for i in 0..<x.count { x.base[i] = Float(rng.gaussian()) }
            let labels = (0..<24).map { _ in Int32(rng.integer(below: 4)) }
            labels.withUnsafeBufferPointer { batches.append(inputs: x.tensor(Shape(24, 1, 8, 8)), labels: $0.baseAddress!, count: 24) }
        }
        return (net, batches)
    }

    private func weights(_ net: Network) -> [Parameter] { net.store.parameters.filter { $0.role == .weight } }

    /// ∇φ_i = −γ g_i ∇L(x − γ w⊙g)_i against (φ(w + h e_i) − φ(w − h e_i)) / 2h, on the 24 largest
    /// entries of each tensor, with γ = 2 so the shift is visible in Float. Tolerance: 0.2% of the
    /// tensor's largest |∇φ| (central differences with h = 0.02 in w; the loss is summed in Double).
    func testPhiGradientMatchesCentralDifferences() {
        let (net, batches) = problem()
        let targets = weights(net)
        var config = ImportanceConfig()
        config.initialisation = .gradientMagnitude
        let solver = ImportanceSolver(network: net, targets: targets, config: config)
        solver.gamma = 2
        var report = SolveReport()
        solver.computeGradient(on: batches, report: &report)
        for t in targets.indices { solver.initialise(t) }
        // Move away from the start so w is not proportional to |g|.
        let rng = RandomStream(seed: 8)
        for i in 0..<solver.totalCount { solver.logImportance.base[i] += Float(rng.gaussian(sigma: 0.3)) }
        let all = Array(targets.indices)
        solver.objectiveGradient(batches, 1, targets: all)
        let h: Float = 0.02
        for t in targets.indices {
            let analytic = solver.phiGradient(t).toArray()
            let scale = analytic.map { abs($0) }.max()!
            XCTAssertGreaterThan(scale, 1e-6, "\(targets[t].name): ∇φ vanishes; the test would be vacuous")
            let order = analytic.indices.sorted { abs(analytic[$0]) > abs(analytic[$1]) }.prefix(24)
            var worst = 0.0
            for i in order {
                let slot = solver.logImportance.base + solver.offsets[t] + i
                let l0 = slot.pointee, w0 = exp(l0)
                slot.pointee = log(w0 + h)
                let plus = solver.objective(batches, 1, targets: all)
                slot.pointee = log(w0 - h > 0 ? w0 - h : w0 * 0.5)
                let minus = solver.objective(batches, 1, targets: all)
                let width = Double(w0 - h > 0 ? 2 * h : h + w0 * 0.5)
                slot.pointee = l0
                let numeric = (plus - minus) / width
                worst = max(worst, abs(numeric - Double(analytic[i])) / Double(scale))
            }
            XCTAssertLessThan(worst, 0.002, "\(targets[t].name): largest |FD − ∇φ| relative to max |∇φ| = \(worst)")
            print("∇φ check \(targets[t].name): largest difference \(worst) × max|∇φ| (\(scale))")
        }
    }

    func testSolveLeavesWeightsGradientsAndRunningStatisticsUntouched() {
        let (net, batches) = problem()
        for i in 0..<net.store.count { net.store.grads.base[i] = Float(i % 7) * 0.1 }
        let values = net.store.values.tensor(Shape(net.store.count)).toArray()
        let grads = net.store.grads.tensor(Shape(net.store.count)).toArray()
        let buffers = net.store.bufferValues.tensor(Shape(net.store.bufferValues.count)).toArray()
        for solve in ImportanceSolve.allCases {
            var config = ImportanceConfig()
            config.steps = 5
            config.batches = 2
            config.solve = solve
            let solver = ImportanceSolver(network: net, targets: weights(net), config: config)
            let report = solver.solve(on: batches, gamma: 0.1)
            XCTAssertEqual(net.store.values.tensor(Shape(net.store.count)).toArray(), values, "\(solve): weights changed")
            XCTAssertEqual(net.store.grads.tensor(Shape(net.store.count)).toArray(), grads, "\(solve): gradients not restored")
            XCTAssertEqual(net.store.bufferValues.tensor(Shape(net.store.bufferValues.count)).toArray(), buffers, "\(solve): BatchNorm running statistics changed")
            for p in net.store.parameters { XCTAssertEqual(p.effective.pointer, p.value.pointer, "\(solve): \(p.name).effective not restored") }
            for t in solver.targets.indices {
                let w = solver.logImportance(t).toArray().reduce(0.0) { $0 + exp(Double($1)) }
                XCTAssertEqual(w, Double(solver.targets[t].shape.count), accuracy: 1e-3 * Double(solver.targets[t].shape.count), "Σw = n")
                XCTAssertLessThanOrEqual(report.objectiveAfter[t], report.objectiveBefore[t] + 1e-3, "\(solve): φ should not grow much")
            }
            if solve == .perLayer { XCTAssertEqual(report.partialPasses, 3 * 5, "3 tensors × 5 steps (φ after them is a diagnostic)") }
            if solve == .joint { XCTAssertEqual(report.fullPasses, 2 + 5, "2 batches for g, 5 steps (φ after them is a diagnostic)") }
        }
    }

    /// With a single target, the per-layer solve (forward from the cached module input, backward
    /// stopped there) computes exactly what the joint solve computes with full passes.
    func testPerLayerEqualsJointForOneTensor() {
        let (net, batches) = problem()
        let target = [weights(net)[1]]
        var config = ImportanceConfig()
        config.steps = 7
        config.batches = 2
        let joint = ImportanceSolver(network: net, targets: target, config: config)
        joint.solve(on: batches, gamma: 0.2)
        config.solve = .perLayer
        let perLayer = ImportanceSolver(network: net, targets: target, config: config)
        let r = perLayer.solve(on: batches, gamma: 0.2)
        XCTAssertEqual(r.fullPasses, 2, "only g needs full passes")
        let a = joint.logImportance(0).toArray(), b = perLayer.logImportance(0).toArray()
        let worst = zip(a, b).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(worst, 1e-5, "per-layer vs joint log-importance")
    }

    func testModuleChainFindsTheTopLevelModuleOfResNetParameters() {
        let net = try! ModelRegistry.make("resnet18", sampleShape: Shape(3, 16, 16), classes: 10, options: ModelOptions(width: 4))
        let chain = ModuleChain(network: net)
        func module(_ name: String) -> Int? { net.store.parameter(named: name).flatMap { chain.module(of: $0) } }
        XCTAssertEqual(module("conv1.weight"), 0)
        XCTAssertEqual(module("layer1.0.conv1.weight"), 3)
        XCTAssertEqual(module("layer2.0.shortcut.0.weight"), 5)
        XCTAssertEqual(module("layer2.0.shortcut.1.weight"), 5)
        XCTAssertEqual(module("linear.weight"), chain.modules.count - 1)
        for p in net.store.parameters { XCTAssertNotNil(chain.module(of: p), "\(p.name) has no module") }
    }
}
