import Foundation
import TensorCore
import Stats
import Layers
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
        let setup = try CIFARTimingSetup(model: model, width: width, batchSize: batchSize, batches: pruning.batches)
        let (network, batches, stepSeconds, batch) = (setup.network, setup.batches, setup.stepSeconds, batchSize)
        let masked = MaskScope().select(from: network.store)
        let reference = masked.map { p in p.value.toArray().map { $0 * 0.9 } }
        var lines = ["\(network.name), batch \(batch), \(Parallel.threads) threads, \(masked.count) masked tensors "
                     + "(\(masked.reduce(0) { $0 + $1.shape.count }) weights), \(pruning.batches) criterion batch(es)",
                     String(format: "training step %.3f s (%.0f img/s)", stepSeconds, Double(batch) / stepSeconds),
                     "criterion             scoring s   training-step equivalents"]
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
            lines.append(label.padding(toLength: 22, withPad: " ", startingAt: 0) + String(format: "%9.3f   %8.2f", total, total / stepSeconds))
        }
        return lines
    }
}
