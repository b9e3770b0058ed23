import XCTest
import Foundation
import TensorCore
import Stats
import Layers
import Models
import TestSupport
@testable import Importance

/// The solver's step loops run inside one scope per loop (shifted weights, kept gradients, the
/// module's input gradient off) and its per-layer diagnostics run from the cached module inputs.
/// These tests replay the same solve with the plain public passes — one full forward/backward
/// (or forward) of the whole network per call, each in scopes of its own, as the solver did
/// before — and require the same bits.
final class SolverScopeTests: XCTestCase {
    override func setUp() { Parallel.setThreads(1) }

    /// A network with two random solve batches of 8 and a third as the held-out batch:
    /// an MLP 64-16-12-4 with BatchNorm, or a ResNet-18 of width 4 on 3×16×16 (BasicBlocks,
    /// projection shortcuts, module stops inside blocks).
    private func problem(_ model: String) -> (Network, SolverBatches, [Parameter]) {
        let net: Network
        if model == "mlp" {
            net = try! ModelRegistry.make("mlp", sampleShape: Shape(1, 8, 8), classes: 4, options: ModelOptions(hidden: [16, 12], batchNorm: true))
        } else {
            net = try! ModelRegistry.make("resnet18", sampleShape: Shape(3, 16, 16), classes: 4, options: ModelOptions(width: 4))
        }
        net.prepare(batch: 8)
        net.store.initialise(streams: RandomStreams(seed: 11))
        let batches = SolverBatches(dataset: nil, capacity: 2, batchSize: 8, sampleShape: net.sampleShape, seed: 0)
        let rng = RandomStream(seed: 12)
        for k in 0...2 {
            let x = TensorStorage(count: 8 * net.sampleShape.count)
            for i in 0..<x.count { x.base[i] = Float(rng.gaussian()) }
            let labels = (0..<8).map { _ in Int32(rng.integer(below: 4)) }
            labels.withUnsafeBufferPointer {
                let inputs = x.tensor(Shape([8] + net.sampleShape.dims))
                if k < 2 { batches.append(inputs: inputs, labels: $0.baseAddress!, count: 8) }
                else { batches.setHeldOut(inputs: inputs, labels: $0.baseAddress!, count: 8) }
            }
        }
        // Every weight matrix and filter bank (the ResNet's stem in module 0 included).
        return (net, batches, net.store.parameters.filter { $0.role == .weight && $0.shape.rank > 1 })
    }

    private func config(_ solve: ImportanceSolve) -> ImportanceConfig {
        var c = ImportanceConfig()
        c.solve = solve
        c.steps = 4
        c.batches = 2
        c.eta = 0.3
        c.lambda = 0.05
        return c
    }

    /// Mirror descent replayed from full passes: g, w₀, then per step one
    /// `objectiveGradient` over the whole network for `group` and one `MirrorDescentSimplex.step`.
    private func replay(_ net: Network, _ batches: SolverBatches, _ targets: [Parameter], _ config: ImportanceConfig,
                        groups: [[Int]]) -> ImportanceSolver {
        let r = ImportanceSolver(network: net, targets: targets, config: config)
        r.gamma = 0.5
        var report = SolveReport()
        r.computeGradient(on: batches, report: &report)
        for t in targets.indices { r.initialise(t) }
        for group in groups {
            var scales = [Float](repeating: 1, count: targets.count)
            for s in 0..<config.steps {
                r.objectiveGradient(batches, s % batches.count, targets: group)
                for t in group {
                    if s == 0 { scales[t] = MirrorDescentSimplex.scale(of: UnsafeBufferPointer(r.phiGradient(t).buffer), config.normalisation) }
                    MirrorDescentSimplex.step(logW: r.logImportance(t).buffer, gradient: UnsafeBufferPointer(r.phiGradient(t).buffer),
                                              gradientScale: 1 / scales[t], eta: config.eta, lambda: config.lambda)
                }
            }
        }
        return r
    }

    /// The importance vectors of both solves equal the full-pass replay bit for bit: per layer,
    /// the passes from the cached module input with backward stopped there (one scope per
    /// target) give the target the same gradient as a whole-network pass.
    func testSolvesEqualAFullPassReplayBitForBit() {
        for model in ["mlp", "resnet18"] {
            for solve in ImportanceSolve.allCases {
                let (net, batches, targets) = problem(model)
                let c = config(solve)
                let solver = ImportanceSolver(network: net, targets: targets, config: c)
                solver.solve(on: batches, gamma: 0.5)
                let groups = solve == .joint ? [Array(targets.indices)] : targets.indices.map { [$0] }
                let reference = replay(net, batches, targets, c, groups: groups)
                for t in targets.indices {
                    let a = solver.logImportance(t).toArray(), b = reference.logImportance(t).toArray()
                    let differing = zip(a, b).filter { $0 != $1 }.count
                    XCTAssertEqual(differing, 0, "\(model) \(solve) \(targets[t].name): \(differing) of \(a.count) log-importances differ")
                }
            }
        }
    }

    /// The diagnostics (φ before and after on the solve batches and on the held-out batch, and
    /// `objectiveAfter` on batch 0) equal whole-network forwards at w₀ and at the final w bit for
    /// bit: per layer from the cached module inputs, joint with `objectiveAfter` taken from the
    /// diagnostics instead of a pass of its own.
    func testDiagnosticsEqualWholeNetworkForwardsBitForBit() {
        for model in ["mlp", "resnet18"] {
            for solve in ImportanceSolve.allCases {
                let (net, batches, targets) = problem(model)
                var start = config(solve)
                start.steps = 0
                let initial = ImportanceSolver(network: net, targets: targets, config: start)
                initial.solve(on: batches, gamma: 0.5)
                let solver = ImportanceSolver(network: net, targets: targets, config: config(solve))
                let r = solver.solve(on: batches, gamma: 0.5)
                for t in targets.indices {
                    let list = solve == .joint ? Array(targets.indices) : [t]
                    func mean(_ s: ImportanceSolver) -> Double {
                        var sum = 0.0
                        for b in 0..<batches.count { sum += s.objective(batches, b, targets: list) }
                        return sum / Double(batches.count)
                    }
                    let name = "\(model) \(solve) \(targets[t].name)"
                    XCTAssertEqual(r.solveBefore[t], mean(initial), name)
                    XCTAssertEqual(r.heldOutBefore[t], initial.objective(batches, batches.heldOut!, targets: list), name)
                    XCTAssertEqual(r.solveAfter[t], mean(solver), name)
                    XCTAssertEqual(r.heldOutAfter[t], solver.objective(batches, batches.heldOut!, targets: list), name)
                    XCTAssertEqual(r.objectiveAfter[t], solver.objective(batches, 0, targets: list), name)
                    XCTAssertNotEqual(r.solveAfter[t], r.solveBefore[t], "\(name): the solve moved nothing")
                }
            }
        }
    }

    /// The timing the benchmark extrapolates from: the step loops are part of the solve, per
    /// target part of its own time, and their sum is `stepSeconds`.
    func testStepLoopTimesArePartsOfTheSolveTime() {
        for solve in ImportanceSolve.allCases {
            let (net, batches, targets) = problem("mlp")
            let r = ImportanceSolver(network: net, targets: targets, config: config(solve)).solve(on: batches, gamma: 0.5)
            XCTAssertGreaterThan(r.stepSeconds, 0, "\(solve)")
            XCTAssertLessThan(r.stepSeconds, r.seconds, "\(solve)")
            if solve == .perLayer {
                XCTAssertEqual(r.targetStepSeconds.count, targets.count)
                XCTAssertEqual(r.stepSeconds, r.targetStepSeconds.reduce(0, +))
                for t in targets.indices { XCTAssertLessThan(r.targetStepSeconds[t], r.targetSeconds[t], "\(targets[t].name)") }
            }
        }
    }
}
