import Foundation
import TensorCore
import Stats
import Layers
import Models
import Importance
import Masks

/// `masklab prune --benchmark`: what scoring costs per criterion, in training steps measured in
/// the same process (`Benchmark`'s step: forward, loss, backward, SGD), as
/// `masklab importance --benchmark` measures the solver. Random CIFAR-shaped data (timing does
/// not depend on values), `batches` batches for the data-driven criteria, every conv and linear
/// weight masked. One scoring is timed per criterion after one warm-up scoring; SynFlow is timed
/// for one round and reported for its configured rounds (every round scores once).
public struct ScoringBenchmark: Sendable {
    public var model: String
    public var width: Int
    public var batchSize: Int
    public var pruning: PruningConfig
    /// Criteria to time (default: all registered).
    public var criteria: [String]

    public init(model: String, width: Int, batchSize: Int, pruning: PruningConfig, criteria: [String] = CriterionRegistry.names) {
        self.model = model
        self.width = width
        self.batchSize = batchSize
        self.pruning = pruning
        self.criteria = criteria
    }

    /// Measures on the current thread count and returns the report, one line each.
    public func run() throws(RunError) -> [String] {
        let batch = batchSize
        let workload = Benchmark.Workload(name: model, model: model, options: ModelOptions(width: width), sampleShape: Shape(3, 32, 32),
                                          batch: batch, classes: 10)
        let stepSeconds: Double
        do { stepSeconds = try Benchmark.run(workload, steps: 4, warmup: 1, threads: Parallel.threads).trainStepSeconds } catch let e as ModelError {
            throw .model(e)
        } catch { throw .output(path: "scoring benchmark", message: "\(error)") }
        let network: Network
        do { network = try ModelRegistry.make(model, sampleShape: Shape(3, 32, 32), classes: 10, options: ModelOptions(width: width)) } catch {
            throw .model(error)
        }
        network.prepare(batch: batch)
        network.store.initialise(streams: RandomStreams(seed: 1))
        let rng = RandomStream(seed: 2)
        let inputs = TensorStorage(count: batch * 3 * 32 * 32)
        for i in 0..<inputs.count { inputs.base[i] = Float(rng.gaussian()) }
        let batches = SolverBatches(dataset: nil, capacity: pruning.batches, batchSize: batch, sampleShape: network.sampleShape, seed: 0)
        for _ in 0..<pruning.batches {
            var labels = (0..<batch).map { _ in Int32(rng.integer(below: 10)) }
            labels.withUnsafeMutableBufferPointer { batches.append(inputs: inputs.tensor(Shape(batch, 3, 32, 32)), labels: $0.baseAddress!, count: batch) }
        }
        let masked = MaskScope().select(from: network.store)
        let reference = masked.map { p in p.value.toArray().map { $0 * 0.9 } }
        var lines = ["\(network.name), batch \(batch), \(Parallel.threads) threads, \(masked.count) masked tensors "
                     + "(\(masked.reduce(0) { $0 + $1.shape.count }) weights), \(pruning.batches) criterion batch(es)",
                     String(format: "training step %.3f s (%.0f img/s)", stepSeconds, Double(batch) / stepSeconds),
                     "criterion          scoring s   training-step equivalents"]
        for name in criteria {
            let criterion: any PruningCriterion
            do { criterion = try CriterionRegistry.make(name, config: pruning) } catch { throw .config(path: "benchmark", message: error.description) }
            let streams = RandomStreams(seed: 3)
            let context = ScoringContext(network: network, parameters: masked, reference: reference, batches: batches, config: pruning) {
                streams.stream(.pruning, $0)
            }
            var seconds = 0.0
            for attempt in 0..<2 {
                let start = DispatchTime.now().uptimeNanoseconds
                do { _ = try criterion.scores(context) } catch { throw .config(path: "benchmark \(name)", message: error.description) }
                if attempt == 1 { seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 }
            }
            let rounds = criterion.rounds
            let total = seconds * Double(rounds)
            let label = rounds > 1 ? "\(name) (\(rounds) rounds)" : name
            lines.append(String(format: "%-18@ %9.3f   %8.2f", label, total, total / stepSeconds))
        }
        return lines
    }
}
