import TensorCore
import Stats
import Layers
import Models
import Importance

/// The common start of the `--benchmark` modes that time work in training steps
/// (`masklab importance --benchmark`, `masklab prune --benchmark`): the training step of `model`
/// at `width` on CIFAR-shaped batches (`Benchmark`'s step: forward, loss, backward, SGD),
/// measured in this process, and the same network built, prepared and initialised (seed 1) with
/// `count` batches of Gaussian inputs and uniform labels (seed 2) — timing does not depend on values.
struct CIFARTimingSetup {
    let stepSeconds: Double
    let network: Network
    let batches: SolverBatches

    init(model: String, width: Int, batchSize batch: Int, batches count: Int) throws(RunError) {
        stepSeconds = try Self.trainStepSeconds(model: model, width: width, batchSize: batch)
        do { network = try ModelRegistry.make(model, sampleShape: Shape(3, 32, 32), classes: 10, options: ModelRegistry.applicable(ModelOptions(width: width), to: model)) } catch {
            throw .model(error)
        }
        network.prepare(batch: batch)
        network.store.initialise(streams: RandomStreams(seed: 1))
        let rng = RandomStream(seed: 2)
        let inputs = TensorStorage(count: batch * 3 * 32 * 32)
        for i in 0..<inputs.count { inputs.base[i] = Float(rng.gaussian()) }
        batches = SolverBatches(dataset: nil, capacity: count, batchSize: batch, sampleShape: network.sampleShape, seed: 0)
        for _ in 0..<count {
            var labels = (0..<batch).map { _ in Int32(rng.integer(below: 10)) }
            labels.withUnsafeMutableBufferPointer { batches.append(inputs: inputs.tensor(Shape(batch, 3, 32, 32)), labels: $0.baseAddress!, count: batch) }
        }
    }

    /// `Benchmark`'s training step of `model` at `width` on CIFAR-shaped batches, timed now
    /// (4 steps after 1 warm-up, on the current thread count), seconds.
    static func trainStepSeconds(model: String, width: Int, batchSize batch: Int) throws(RunError) -> Double {
        let workload = Benchmark.Workload(name: model, model: model, options: ModelRegistry.applicable(ModelOptions(width: width), to: model), sampleShape: Shape(3, 32, 32),
                                          batch: batch, classes: 10)
        do { return try Benchmark.run(workload, steps: 4, warmup: 1, threads: Parallel.threads).trainStepSeconds } catch let e as ModelError {
            throw .model(e)
        } catch { throw .output(path: "benchmark", message: "\(error)") }
    }
}
