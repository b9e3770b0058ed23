import Stats
import Layers
import Datasets

/// Mean loss and accuracy of a network over a whole data set.
public struct LossAndAccuracy: Sendable, Equatable, Codable {
    /// Mean softmax cross-entropy, nats per sample (Σ batch mean × batch size / samples, in double).
    public var loss: Double
    /// Fraction of samples whose argmax equals the label.
    public var accuracy: Double
    public var samples: Int
}

/// Evaluates networks on data sets (inference mode, batched, no allocation).
public enum Evaluator {
    /// Evaluates in `.inference` mode (BatchNorm running statistics) over every batch of `loader`,
    /// in order. The network must be prepared for the loader's batch size; nothing is allocated.
    public static func run(_ network: Network, on loader: BatchLoader) -> LossAndAccuracy {
        loader.start(epoch: 0)
        var lossSum = 0.0, correct = 0, samples = 0
        while let batch = loader.next() {
            let logits = network.forward(batch.inputs, mode: .inference)
            let (loss, c) = network.loss.forward(logits: logits, labels: batch.labels)
            lossSum += loss * Double(batch.count)
            correct += c
            samples += batch.count
        }
        return LossAndAccuracy(loss: lossSum / Double(max(samples, 1)), accuracy: Double(correct) / Double(max(samples, 1)),
                          samples: samples)
    }

    /// Evaluates on `dataset` in batches of `batchSize` (for `masklab eval`): prepares the network
    /// for that batch size and builds a loader without shuffling or prefetching.
    public static func run(_ network: Network, on dataset: Dataset, batchSize: Int) -> LossAndAccuracy {
        network.prepare(batch: max(network.preparedBatch, batchSize))
        let loader = BatchLoader(dataset: dataset, batchSize: batchSize, shuffle: false,
                                 streams: RandomStreams(seed: 0), prefetch: false)
        return run(network, on: loader)
    }
}
