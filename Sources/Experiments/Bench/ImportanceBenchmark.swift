import Foundation
import TensorCore
import Stats
import Layers
import Models
import Importance
import Masks

/// `masklab importance --benchmark`: what a refresh of the importance solver costs, joint and
/// per layer, in training steps, and what sampling a mask costs per step. Random CIFAR-shaped
/// data (timing does not depend on values); the seed's scope by default (first conv, shortcuts
/// and the output layer dense), with a held-out batch as in training (its φ is a diagnostic of
/// every refresh). The training step is `Benchmark`'s (the `masklab bench` step: forward, loss,
/// backward, SGD). Long solves are extrapolated from a solve of `timedSteps` steps (per tensor):
/// every step of a solve does the same work, so a refresh of S steps costs the solve's once-paid
/// part (g, w₀, the prefixes, the diagnostics: `seconds − stepSeconds`) plus S times the
/// measured time per step (`stepSeconds / timedSteps`, per tensor for per-layer solves).
public struct ImportanceBenchmark: Sendable {
    public var model: String
    public var width: Int
    public var batchSize: Int
    public var timedSteps: Int
    /// Tensors left dense; nil = the seed's scope (first, shortcut, last).
    public var exclude: Set<MaskExclusion>?

    public init(model: String, width: Int, batchSize: Int, timedSteps: Int, exclude: Set<MaskExclusion>?) {
        self.model = model
        self.width = width
        self.batchSize = batchSize
        self.timedSteps = timedSteps
        self.exclude = exclude
    }

    /// Measures on the current thread count and returns the report, one line each.
    public func run() throws(RunError) -> [String] {
        precondition(timedSteps >= 1 && batchSize >= 1, "importance benchmark: \(timedSteps) timed steps, batch \(batchSize)")
        let batch = batchSize
        let setup = try CIFARTimingSetup(model: model, width: width, batchSize: batch, batches: 1)
        let (network, batches, stepSeconds) = (setup.network, setup.batches, setup.stepSeconds)
        batches.setHeldOut(inputs: batches.inputs(0), labels: batches.labels(0), count: batches.counts[0])
        var lines: [String] = []

        let scope = MaskScope(exclude: exclude ?? [.first, .shortcut, .last])
        let targets = scope.select(from: network.store)

        var config = ImportanceConfig()
        config.steps = timedSteps
        config.solve = .joint
        let solver = ImportanceSolver(network: network, targets: targets, config: config)
        solver.solve(on: batches, gamma: 0.01)   // warm-up
        let joint = solver.solve(on: batches, gamma: 0.01)
        let passSeconds = joint.stepSeconds / Double(timedSteps)
        let jointOnce = joint.seconds - joint.stepSeconds

        solver.config.solve = .perLayer
        solver.solve(on: batches, gamma: 0.01)   // warm-up (allocates the activation cache once)
        let perLayer = solver.solve(on: batches, gamma: 0.01)
        let perTensorStep = perLayer.targetStepSeconds.map { $0 / Double(timedSteps) }
        let perLayerOnce = perLayer.seconds - perLayer.stepSeconds
        let allTensorsStep = perTensorStep.reduce(0, +)

        // Mask sampling per step: Bernoulli draw + m⊙W + grad ⊙= m over the masked tensors.
        let masks = MaskSet(parameters: targets, kind: .perStep, config: MaskConfig(name: "dropconnect", keep: 0.2), seed: 3)
        masks.keepProbabilities.tensor(Shape(masks.count)).fill(0.2)
        let sampleSeconds = time(repeats: 5) {
            masks.draw()
            for i in targets.indices {
                MaskKernels.multiply(masks.multipliers(i).pointer, targets[i].value.pointer, into: masks.effective(i).pointer, count: targets[i].shape.count)
                MaskKernels.multiplyInPlace(targets[i].grad.pointer, by: masks.multipliers(i).pointer, count: targets[i].shape.count)
            }
        }

        let stepsPerEpoch = Double((50_000 + batch - 1) / batch)
        func report(_ name: String, seconds: Double, everyEpochs: Double) {
            let equivalents = seconds / stepSeconds
            let share = Self.share(refreshSeconds: seconds, stepSeconds: stepSeconds, stepsPerRefresh: everyEpochs * stepsPerEpoch)
            lines.append(String(format: "%@\n    one refresh %.1f s = %.0f training steps; every %g epochs: %.1f%% of training time",
                         name, seconds, equivalents, everyEpochs, 100 * share))
        }
        lines.append("\(network.name), batch \(batch), \(Parallel.threads) threads, \(targets.count) masked tensors (\(masks.count) weights)")
        lines.append(String(format: "training step %.3f s (%.0f img/s); joint solver step (full pass, frozen BN) %.3f s = %.2f steps",
                     stepSeconds, Double(batch) / stepSeconds, passSeconds, passSeconds / stepSeconds))
        lines.append(String(format: "paid once per refresh (g, w0, prefixes, diagnostics incl. a held-out batch): joint %.2f, per-layer %.2f training steps",
                     jointOnce / stepSeconds, perLayerOnce / stepSeconds))
        lines.append(String(format: "mask sampling + apply per step %.4f s = %.2f%% of a step", sampleSeconds, 100 * sampleSeconds / stepSeconds))
        lines.append("per-layer step cost per tensor (training-step equivalents):")
        for t in targets.indices {
            lines.append(String(format: "    %-24@ %.3f", targets[t].name, perTensorStep[t] / stepSeconds))
        }
        let d = ImportanceConfig()
        precondition(d.batches == batches.count, "importance benchmark: the default solve uses \(d.batches) batches, the benchmark \(batches.count)")
        report("default: joint, \(d.steps) steps, \(d.batches) batch", seconds: jointOnce + Double(d.steps) * passSeconds,
               everyEpochs: Double(d.refreshEpochs))
        report("joint, 400 steps, 1 batch", seconds: jointOnce + 400 * passSeconds, everyEpochs: 10)
        report("faithful (seed): per-layer, 400 steps per tensor, 1 batch", seconds: perLayerOnce + 400 * allTensorsStep, everyEpochs: 10)
        report("per-layer, \(d.steps) steps per tensor, 1 batch", seconds: perLayerOnce + Double(d.steps) * allTensorsStep,
               everyEpochs: Double(d.refreshEpochs))
        lines.append(String(format: "a per-layer step costs %.2f joint steps on average (joint: 1 pass for all %d tensors)",
                     allTensorsStep / Double(targets.count) / passSeconds, targets.count))
        return lines
    }

    /// The share of training time a refresh of `refreshSeconds` takes when it runs once every
    /// `stepsPerRefresh` training steps of `stepSeconds`: refresh / (steps + refresh).
    public static func share(refreshSeconds: Double, stepSeconds: Double, stepsPerRefresh: Double) -> Double {
        refreshSeconds / (stepsPerRefresh * stepSeconds + refreshSeconds)
    }

    private func time(repeats: Int, _ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<repeats { body() }
        return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 / Double(repeats)
    }
}
