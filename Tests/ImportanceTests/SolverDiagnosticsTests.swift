import XCTest
import Foundation
import TensorCore
import Stats
import Layers
import Models
import TestSupport
@testable import Importance

/// The saliency control (zero mirror-descent steps), the per-refresh diagnostics (KL from the
/// start, φ on the solve's and the held-out batch) and the descent of φ for a small step.
final class SolverDiagnosticsTests: XCTestCase {
    override func setUp() { Parallel.setThreads(1) }

    /// An MLP 64-16-12-4, two random solve batches of 24 and a third as the held-out batch.
    private func problem(solveBatches: Int = 2) -> (Network, SolverBatches) {
        let net = try! ModelRegistry.make("mlp", sampleShape: Shape(1, 8, 8), classes: 4, options: ModelOptions(hidden: [16, 12], batchNorm: true))
        net.prepare(batch: 24)
        net.store.initialise(streams: RandomStreams(seed: 5))
        let batches = SolverBatches(dataset: nil, capacity: solveBatches, batchSize: 24, sampleShape: net.sampleShape, seed: 0)
        let rng = RandomStream(seed: 6)
        for k in 0...solveBatches {
            let x = TensorStorage(count: 24 * 64)
            for i in 0..<x.count { x.base[i] = Float(rng.gaussian()) }
            let labels = (0..<24).map { _ in Int32(rng.integer(below: 4)) }
            labels.withUnsafeBufferPointer {
                if k < solveBatches { batches.append(inputs: x.tensor(Shape(24, 1, 8, 8)), labels: $0.baseAddress!, count: 24) }
                else { batches.setHeldOut(inputs: x.tensor(Shape(24, 1, 8, 8)), labels: $0.baseAddress!, count: 24) }
            }
        }
        return (net, batches)
    }

    private func solver(_ net: Network, _ edit: (inout ImportanceConfig) -> Void) -> ImportanceSolver {
        var config = ImportanceConfig()
        edit(&config)
        return ImportanceSolver(network: net, targets: net.store.parameters.filter { $0.role == .weight }, config: config)
    }

    /// `steps = 0` is the saliency control: w = w₀ = n·g²/Σg² exactly (up to the 1e-30 floor,
    /// not reached here), KL from the start 0, φ unchanged; the keep probabilities are then
    /// clip(c·g², p_min, 1): for two unclipped entries p_i/p_j = g_i²/g_j².
    func testZeroStepsKeepsTheGradientSquaredStart() {
        let (net, batches) = problem()
        let s = solver(net) { $0.steps = 0 }
        let report = s.solve(on: batches, gamma: 0.5)
        for t in s.targets.indices {
            let g = s.gradient(t).toArray().map(Double.init), l = s.logImportance(t).toArray()
            let n = Double(g.count), sum = g.reduce(0) { $0 + $1 * $1 }
            var worst = 0.0
            for i in g.indices where g[i] != 0 { worst = max(worst, abs(exp(Double(l[i])) / (n * g[i] * g[i] / sum) - 1)) }
            XCTAssertLessThan(worst, 1e-4, "\(s.targets[t].name): w must be n·g²/Σg² (largest relative error \(worst))")
            XCTAssertEqual(report.klFromStart[t], 0)
            XCTAssertEqual(report.solveBefore[t], report.solveAfter[t])
            var p = [Float](repeating: 0, count: l.count)
            l.withUnsafeBufferPointer { lw in p.withUnsafeMutableBufferPointer { _ = KeepProbabilities.solve(logW: lw, keepRate: 0.3, minimum: 0.01, into: $0) } }
            let free = p.indices.filter { p[$0] > 0.011 && p[$0] < 0.99 }.sorted { p[$0] < p[$1] }
            guard let a = free.first, let b = free.last, a != b else { return XCTFail("\(s.targets[t].name): no two unclipped entries") }
            XCTAssertEqual(Double(p[b] / p[a]), g[b] * g[b] / (g[a] * g[a]), accuracy: 1e-3 * g[b] * g[b] / (g[a] * g[a]))
        }
        XCTAssertEqual(report.fullPasses, batches.count, "zero steps: only the gradient passes")
    }

    /// With one solve batch and a small η, mirror descent lowers φ on that batch (joint and per
    /// layer); the diagnostics measure before and after at the same batches, the old
    /// `objectiveBefore/After` columns (batch 0) agree with them, the held-out φ is measured,
    /// and KL(w_final ‖ w₀) matches its definition.
    func testPhiDoesNotRiseForASmallStepOnAFixedBatch() {
        for solve in ImportanceSolve.allCases {
            let (net, batches) = problem(solveBatches: 1)
            let s = solver(net) { $0.steps = 5; $0.eta = 0.01; $0.solve = solve }
            let r = s.solve(on: batches, gamma: 0.5)
            for t in s.targets.indices {
                XCTAssertLessThan(r.solveAfter[t], r.solveBefore[t], "\(solve) \(s.targets[t].name): φ rose \(r.solveBefore[t]) → \(r.solveAfter[t])")
                XCTAssertEqual(r.objectiveBefore[t], r.solveBefore[t], accuracy: 1e-6 * r.solveBefore[t], "\(solve): same point, same batch")
                XCTAssertEqual(r.objectiveAfter[t], r.solveAfter[t], accuracy: 1e-6 * r.solveAfter[t], "\(solve): same point, same batch")
                XCTAssertTrue(r.heldOutBefore[t].isFinite && r.heldOutAfter[t].isFinite && r.heldOutBefore[t] != r.solveBefore[t])
                XCTAssertGreaterThan(r.klFromStart[t], 0)
            }
        }
    }

    /// KL(π ‖ π₀) against a direct Double computation from w₀ (a zero-step solve) and w (5 steps).
    func testKLFromStartMatchesItsDefinition() {
        let (net, batches) = problem()
        let start = solver(net) { $0.steps = 0 }
        start.solve(on: batches, gamma: 0.5)
        let s = solver(net) { $0.steps = 5; $0.eta = 0.2 }
        let r = s.solve(on: batches, gamma: 0.5)
        for t in s.targets.indices {
            let l0 = start.logImportance(t).toArray().map(Double.init), l = s.logImportance(t).toArray().map(Double.init)
            var kl = 0.0
            for i in l.indices { kl += exp(l[i]) / Double(l.count) * (l[i] - l0[i]) }
            XCTAssertEqual(r.klFromStart[t], kl, accuracy: 1e-5 * max(kl, 1e-3), "\(s.targets[t].name)")
        }
    }
}
