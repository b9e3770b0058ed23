import Foundation
import TensorCore
import Stats
import Layers
import Models
import Importance
import Masks
import Training

/// `masklab importance --benchmark`: what a refresh of the importance solver costs, joint and
/// per layer, in training steps, and what sampling a mask costs per step. Random CIFAR-shaped
/// data (timing does not depend on values); the seed's scope by default (first conv, shortcuts
/// and the output layer dense), with a held-out batch as in training (its φ is a diagnostic of
/// every refresh). The training step is `Benchmark`'s (the `masklab bench` step: forward, loss,
/// backward, SGD). Long solves are extrapolated from a solve of `timedSteps` steps (per tensor):
/// every step of a solve does the same work, so a refresh of S steps costs the solve's once-paid
/// part (g, w₀, the prefixes, the diagnostics: `seconds − stepSeconds`) plus S times the
/// measured time per step (`stepSeconds / timedSteps`, per tensor for per-layer solves).
///
/// On a loaded machine one timing of each is noise; so the benchmark runs `repeats` rounds,
/// each timing the training step afresh and then both solves, turns every round's solve times
/// into training steps of that round, and reports the median over rounds with every round's
/// value beside it.
public struct ImportanceBenchmark: Sendable {
    public var model: String
    public var width: Int
    public var batchSize: Int
    public var timedSteps: Int
    /// Rounds of (training step, joint solve, per-layer solve) timings.
    public var repeats: Int
    /// Tensors left dense; nil = the seed's scope (first, shortcut, last).
    public var exclude: Set<MaskExclusion>?

    public init(model: String, width: Int, batchSize: Int, timedSteps: Int, repeats: Int = 3, exclude: Set<MaskExclusion>?) {
        self.model = model
        self.width = width
        self.batchSize = batchSize
        self.timedSteps = timedSteps
        self.repeats = repeats
        self.exclude = exclude
    }

    /// One round's solve timings in training steps of the same round.
    struct Round {
        let stepSeconds: Double
        /// One joint step (a full pass) and the joint solve's once-paid part.
        let jointStep: Double, jointOnce: Double
        /// One per-layer step per tensor, and the per-layer solve's once-paid part.
        let perTensorStep: [Double], perLayerOnce: Double

        init(stepSeconds: Double, joint: SolveReport, perLayer: SolveReport, timedSteps: Int) {
            self.stepSeconds = stepSeconds
            jointStep = joint.stepSeconds / Double(timedSteps) / stepSeconds
            jointOnce = (joint.seconds - joint.stepSeconds) / stepSeconds
            perTensorStep = perLayer.targetStepSeconds.map { $0 / Double(timedSteps) / stepSeconds }
            perLayerOnce = (perLayer.seconds - perLayer.stepSeconds) / stepSeconds
        }

        /// A refresh of `steps` joint steps, or of `steps` per-layer steps per tensor.
        func joint(steps: Int) -> Double { jointOnce + Double(steps) * jointStep }
        func perLayer(steps: Int) -> Double { perLayerOnce + Double(steps) * perTensorStep.reduce(0, +) }
    }

    /// Measures on the current thread count and returns the report, one line each.
    public func run() throws(RunError) -> [String] {
        precondition(timedSteps >= 1 && batchSize >= 1 && repeats >= 1,
                     "importance benchmark: \(timedSteps) timed steps, batch \(batchSize), \(repeats) rounds")
        let batch = batchSize
        let setup = try CIFARTimingSetup(model: model, width: width, batchSize: batch, batches: 1)
        let (network, batches) = (setup.network, setup.batches)
        batches.setHeldOut(inputs: batches.inputs(0), labels: batches.labels(0), count: batches.counts[0])

        let scope = MaskScope(exclude: exclude ?? [.first, .shortcut, .last])
        let targets = scope.select(from: network.store)

        var config = ImportanceConfig()
        config.steps = timedSteps
        config.solve = .joint
        let solver = ImportanceSolver(network: network, targets: targets, config: config)
        func solve(_ kind: ImportanceSolve) -> SolveReport {
            solver.config.solve = kind
            return solver.solve(on: batches, gamma: 0.01)
        }
        _ = solve(.joint)      // warm-ups (the per-layer one allocates the activation cache once)
        _ = solve(.perLayer)
        var rounds: [Round] = []
        for r in 0..<repeats {
            let step = r == 0 ? setup.stepSeconds : try CIFARTimingSetup.trainStepSeconds(model: model, width: width, batchSize: batch)
            let joint = solve(.joint)
            rounds.append(Round(stepSeconds: step, joint: joint, perLayer: solve(.perLayer), timedSteps: timedSteps))
        }

        // Mask sampling per step: Bernoulli draw + m⊙W + grad ⊙= m over the masked tensors.
        let masks = MaskSet(parameters: targets, layout: .perStep, config: MaskConfig(name: "dropconnect", keep: 0.2), seed: 3)
        masks.keepProbabilities.tensor(Shape(masks.count)).fill(0.2)
        let sampleSeconds = time(repeats: 5) {
            masks.draw()
            for i in targets.indices {
                MaskKernels.multiply(masks.multipliers(i).pointer, targets[i].value.pointer, into: masks.effective(i).pointer, count: targets[i].shape.count)
                MaskKernels.multiplyInPlace(targets[i].grad.pointer, by: masks.multipliers(i).pointer, count: targets[i].shape.count)
            }
        }

        /// "median unit (round 1 · round 2 · …)" of a value per round.
        func summary(_ format: String, unit: String = "", _ value: (Round) -> Double) -> String {
            let values = rounds.map(value)
            let each = values.map { String(format: format, $0) }.joined(separator: " · ")
            return String(format: format, Benchmark.median(values)) + unit + (rounds.count > 1 ? " (\(each))" : "")
        }
        let stepsPerEpoch = Double((50_000 + batch - 1) / batch)
        var lines: [String] = []
        func report(_ name: String, everyEpochs: Double, _ refresh: (Round) -> Double) {
            let steps = everyEpochs * stepsPerEpoch
            lines.append("\(name)\n    one refresh = \(summary("%.0f", unit: " training steps", refresh)); every \(String(format: "%g", everyEpochs)) epochs: "
                         + summary("%.1f", unit: "% of training time") { 100 * Self.share(refreshSteps: refresh($0), stepsPerRefresh: steps) })
        }
        lines.append("\(network.name), batch \(batch), \(counted(Parallel.threads, "thread")), \(counted(targets.count, "masked tensor")) (\(masks.count) weights); "
                     + "median of \(rounds.count) rounds (each round in parentheses)")
        lines.append("training step s: " + summary("%.3f", \.stepSeconds))
        lines.append("joint solver step (full pass, frozen BN), training steps: " + summary("%.2f", \.jointStep))
        lines.append("paid once per refresh (g, w0, prefixes, diagnostics incl. a held-out batch), training steps: joint "
                     + summary("%.2f", \.jointOnce) + ", per-layer " + summary("%.2f", \.perLayerOnce))
        let medianStep = Benchmark.median(rounds.map(\.stepSeconds))
        lines.append(String(format: "mask sampling + apply per step %.4f s = %.2f%% of a step (median step)", sampleSeconds, 100 * sampleSeconds / medianStep))
        lines.append("per-layer step cost per tensor (training-step equivalents):")
        for t in targets.indices {
            lines.append(String(format: "    %-24@ ", targets[t].name) + summary("%.3f", { $0.perTensorStep[t] }))
        }
        let d = ImportanceConfig()
        precondition(d.batches == batches.count, "importance benchmark: the default solve uses \(d.batches) batches, the benchmark \(batches.count)")
        report("default: joint, \(d.steps) steps, \(d.batches) batch", everyEpochs: Double(d.refreshEpochs)) { $0.joint(steps: d.steps) }
        report("joint, 400 steps, 1 batch", everyEpochs: 10) { $0.joint(steps: 400) }
        report("faithful (seed): per-layer, 400 steps per tensor, 1 batch", everyEpochs: 10) { $0.perLayer(steps: 400) }
        report("per-layer, \(d.steps) steps per tensor, 1 batch", everyEpochs: Double(d.refreshEpochs)) { $0.perLayer(steps: d.steps) }
        lines.append("a per-layer step costs " + summary("%.2f", { $0.perTensorStep.reduce(0, +) / Double($0.perTensorStep.count) / $0.jointStep })
                     + " joint steps on average (joint: 1 pass for all \(targets.count) tensors)")
        return lines
    }

    /// The share of training time a refresh of `refreshSteps` training-step equivalents takes
    /// when it runs once every `stepsPerRefresh` training steps: refresh / (steps + refresh).
    public static func share(refreshSteps: Double, stepsPerRefresh: Double) -> Double {
        refreshSteps / (stepsPerRefresh + refreshSteps)
    }

    private func time(repeats: Int, _ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<repeats { body() }
        return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 / Double(repeats)
    }
}
