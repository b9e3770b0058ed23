import Stats
import TensorCore
import Layers
import Datasets

/// Recomputes every float buffer (BatchNorm running mean and variance) of a network as the plain
/// average of the batch statistics over a data set, i.e. PyTorch's `momentum=None` (cumulative
/// moving average), without touching the weights.
///
/// BatchNorm's update is r ← (1 − m)·r + m·s for a batch statistic s. Running the first batch
/// twice in `.training` mode, from r = 0 and from r = 1, gives r₀ = m·s and r₁ = (1 − m) + m·s,
/// hence m = 1 − (r₁ − r₀) per entry, whatever momentum each layer was built with. Every batch
/// then runs from r = 0, s = r/m, and the batch statistics are averaged weighted by batch size
/// (for the variance: the unbiased batch variances, as PyTorch averages them).
public enum BatchNormRecalibration {
    /// Recomputes the buffers of `network` from up to `maxSamples` samples of `dataset` (in a
    /// seeded order, no augmentation) in batches of `batchSize`; returns the samples used.
    /// A network without float buffers is left as is (returns 0).
    @discardableResult
    public static func recompute(_ network: Network, on dataset: Dataset, batchSize: Int, maxSamples: Int? = nil,
                                 seed: UInt64 = 0) -> Int {
        let store = network.store
        let n = store.bufferValues.count
        guard n > 0 else { return 0 }
        network.prepare(batch: max(network.preparedBatch, batchSize))
        let buffers = store.bufferValues.tensor(Shape(n))
        let loader = BatchLoader(dataset: dataset, batchSize: batchSize, shuffle: true, streams: RandomStreams(seed: seed), prefetch: false)
        loader.start(epoch: 0)
        let limit = min(maxSamples ?? dataset.count, dataset.count)
        var momentum = [Float](repeating: 0, count: n)
        var sum = [Double](repeating: 0, count: n)
        var samples = 0, batches = 0
        while samples < limit, let batch = loader.next() {
            buffers.fill(0)
            _ = network.forward(batch.inputs, mode: .training)
            if batches == 0 {
                let r0 = buffers.toArray()
                buffers.fill(1)
                _ = network.forward(batch.inputs, mode: .training)
                for i in 0..<n {
                    momentum[i] = 1 - (buffers[i] - r0[i])
                    precondition(momentum[i] > 1e-3, "buffer entry \(i): BatchNorm momentum \(momentum[i]) is too small to recover batch statistics")
                }
                buffers.copy(from: r0)
            }
            for i in 0..<n { sum[i] += Double(batch.count) * Double(buffers[i] / momentum[i]) }
            samples += batch.count
            batches += 1
        }
        for i in 0..<n { buffers[i] = Float(sum[i] / Double(max(samples, 1))) }
        for c in store.counters { c.value = Int64(batches) }
        return samples
    }
}
