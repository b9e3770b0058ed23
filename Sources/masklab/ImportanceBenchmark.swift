import Foundation
import TensorCore
import Stats
import Layers
import Models
import Importance
import Masks

/// `masklab importance --benchmark`: what a refresh of the importance solver costs, joint and
/// per layer, in training steps, and what sampling a mask costs per step. Random CIFAR-shaped
/// data (timing does not depend on values); the seed's scope (first conv, shortcuts and the
/// output layer dense). Long solves are extrapolated from `--timed-steps` timed steps per
/// tensor: every step of a solve does the same work.
struct ImportanceBenchmark {
    let command: ImportanceCommand

    func run() throws {
        let batch = command.batchSize
        let network: Network
        do {
            network = try ModelRegistry.make(command.model, sampleShape: Shape(3, 32, 32), classes: 10, options: ModelOptions(width: command.width))
        } catch { throw CommandFailure(error.description) }
        network.prepare(batch: batch)
        network.store.initialise(streams: RandomStreams(seed: 1))
        let rng = RandomStream(seed: 2)
        let inputs = TensorStorage(count: batch * 3 * 32 * 32)
        for i in 0..<inputs.count { inputs.base[i] = Float(rng.gaussian()) }
        var labels = (0..<batch).map { _ in Int32(rng.integer(below: 10)) }
        let x = inputs.tensor(Shape(batch, 3, 32, 32))

        // A training step: forward (.training), loss, backward, and an SGD update.
        let all = network.store.values.tensor(Shape(network.store.count)), grads = network.store.grads.tensor(Shape(network.store.count))
        func trainingStep() {
            network.store.zeroGradients()
            let logits = network.forward(x, mode: .training)
            _ = labels.withUnsafeBufferPointer { network.loss.forward(logits: logits, labels: $0.baseAddress!) }
            network.backward(network.loss.backward())
            Elementwise.axpy(-1e-4, grads, all)
        }
        trainingStep()
        let stepSeconds = time(repeats: 4) { trainingStep() }

        var scope = MaskScope(exclude: [.first, .shortcut, .last])
        if let e = command.maskExclude { scope.exclude = Set(e.split(separator: ",").compactMap { MaskExclusion(rawValue: String($0)) }) }
        let targets = scope.select(from: network.store)
        let batches = SolverBatches(dataset: nil, capacity: 1, batchSize: batch, sampleShape: network.sampleShape, seed: 0)
        labels.withUnsafeMutableBufferPointer { batches.append(inputs: x, labels: $0.baseAddress!, count: batch) }

        var config = ImportanceConfig()
        config.steps = command.timedSteps
        config.solve = .joint
        let solver = ImportanceSolver(network: network, targets: targets, config: config)
        solver.solve(on: batches, gamma: 0.01)   // warm-up
        let joint = solver.solve(on: batches, gamma: 0.01)
        let passSeconds = joint.seconds / Double(joint.fullPasses)

        solver.config.solve = .perLayer
        solver.solve(on: batches, gamma: 0.01)   // warm-up (allocates the activation cache once)
        let perLayer = solver.solve(on: batches, gamma: 0.01)
        // Per tensor: seconds per step (its prefix pass and final loss counted once each, amortised away below).
        let perTensorStep = perLayer.targetSeconds.map { $0 / Double(command.timedSteps + 1) }

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
            let share = seconds / (everyEpochs * stepsPerEpoch * stepSeconds + seconds)
            print(String(format: "%@\n    one refresh %.1f s = %.0f training steps; every %g epochs: %.1f%% of training time",
                         name, seconds, equivalents, everyEpochs, 100 * share))
        }
        print("\(network.name), batch \(batch), \(Parallel.threads) threads, \(targets.count) masked tensors (\(masks.count) weights)")
        print(String(format: "training step %.3f s (%.0f img/s); full solver pass (frozen BN) %.3f s = %.2f steps",
                     stepSeconds, Double(batch) / stepSeconds, passSeconds, passSeconds / stepSeconds))
        print(String(format: "mask sampling + apply per step %.4f s = %.2f%% of a step", sampleSeconds, 100 * sampleSeconds / stepSeconds))
        print("per-layer step cost per tensor (training-step equivalents):")
        for t in targets.indices {
            print(String(format: "    %-24@ %.3f", targets[t].name, perTensorStep[t] / stepSeconds))
        }
        let d = ImportanceConfig()
        report("default: joint, \(d.steps) steps, \(d.batches) batch",
               seconds: Double(d.batches + d.steps + 1) * passSeconds, everyEpochs: Double(d.refreshEpochs))
        report("joint, 400 steps, 1 batch", seconds: 402 * passSeconds, everyEpochs: 10)
        let faithful = passSeconds + perTensorStep.reduce(0) { $0 + 401 * $1 }
        report("faithful (seed): per-layer, 400 steps per tensor, 1 batch", seconds: faithful, everyEpochs: 10)
        report("per-layer, \(d.steps) steps per tensor, 1 batch", seconds: passSeconds + perTensorStep.reduce(0) { $0 + Double(d.steps + 1) * $1 },
               everyEpochs: Double(d.refreshEpochs))
        print(String(format: "a per-layer step costs %.2f full passes on average (joint: 1 pass for all %d tensors)",
                     perTensorStep.reduce(0, +) / Double(targets.count) / passSeconds, targets.count))
    }

    private func time(repeats: Int, _ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<repeats { body() }
        return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 / Double(repeats)
    }
}
