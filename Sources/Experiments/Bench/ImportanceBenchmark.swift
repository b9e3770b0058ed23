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
/// and the output layer dense). The training step is `Benchmark`'s (the `masklab bench` step:
/// forward, loss, backward, SGD). Long solves are extrapolated from `timedSteps` timed steps per
/// tensor: every step of a solve does the same work.
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
        var lines: [String] = []

        let scope = MaskScope(exclude: exclude ?? [.first, .shortcut, .last])
        let targets = scope.select(from: network.store)

        var config = ImportanceConfig()
        config.steps = timedSteps
        config.solve = .joint
        let solver = ImportanceSolver(network: network, targets: targets, config: config)
        solver.solve(on: batches, gamma: 0.01)   // warm-up
        let joint = solver.solve(on: batches, gamma: 0.01)
        let passSeconds = joint.seconds / Double(joint.fullPasses)

        solver.config.solve = .perLayer
        solver.solve(on: batches, gamma: 0.01)   // warm-up (allocates the activation cache once)
        let perLayer = solver.solve(on: batches, gamma: 0.01)
        // Per tensor: seconds per step (its prefix pass and final loss counted once each, amortised away below).
        let perTensorStep = perLayer.targetSeconds.map { $0 / Double(timedSteps + 1) }

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

        let stepsPerEpoch = Double((50_000 + batch - 1) / batch)
        func report(_ name: String, seconds: Double, everyEpochs: Double) {
            let equivalents = seconds / stepSeconds
            let share = seconds / (everyEpochs * stepsPerEpoch * stepSeconds + seconds)
            lines.append(String(format: "%@\n    one refresh %.1f s = %.0f training steps; every %g epochs: %.1f%% of training time",
                         name, seconds, equivalents, everyEpochs, 100 * share))
        }
        lines.append("\(network.name), batch \(batch), \(Parallel.threads) threads, \(targets.count) masked tensors (\(masks.count) weights)")
        lines.append(String(format: "training step %.3f s (%.0f img/s); full solver pass (frozen BN) %.3f s = %.2f steps",
                     stepSeconds, Double(batch) / stepSeconds, passSeconds, passSeconds / stepSeconds))
        lines.append(String(format: "mask sampling + apply per step %.4f s = %.2f%% of a step", sampleSeconds, 100 * sampleSeconds / stepSeconds))
        lines.append("per-layer step cost per tensor (training-step equivalents):")
        for t in targets.indices {
            lines.append(String(format: "    %-24@ %.3f", targets[t].name, perTensorStep[t] / stepSeconds))
        }
        let d = ImportanceConfig()
        report("default: joint, \(d.steps) steps, \(d.batches) batch",
               seconds: Double(d.batches + d.steps + 1) * passSeconds, everyEpochs: Double(d.refreshEpochs))
        report("joint, 400 steps, 1 batch", seconds: 402 * passSeconds, everyEpochs: 10)
        let faithful = passSeconds + perTensorStep.reduce(0) { $0 + 401 * $1 }
        report("faithful (seed): per-layer, 400 steps per tensor, 1 batch", seconds: faithful, everyEpochs: 10)
        report("per-layer, \(d.steps) steps per tensor, 1 batch", seconds: passSeconds + perTensorStep.reduce(0) { $0 + Double(d.steps + 1) * $1 },
               everyEpochs: Double(d.refreshEpochs))
        lines.append(String(format: "a per-layer step costs %.2f full passes on average (joint: 1 pass for all %d tensors)",
                     perTensorStep.reduce(0, +) / Double(targets.count) / passSeconds, targets.count))
        return lines
    }

    private func time(repeats: Int, _ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<repeats { body() }
        return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 / Double(repeats)
    }
}
