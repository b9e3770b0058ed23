import TensorCore
import Datasets
import Importance

extension PruningCriterion {
    /// The training batches this criterion scores on, or nil: `count` batches of `batchSize`
    /// samples, epoch `round` of a loader of their own (`SolverBatches`: order from stream
    /// (seed, importance), no augmentation). The one place that decides whether pruning reads
    /// data (`masklab prune`, each lottery level, `--mask prune` and so the pruning sweep): a
    /// data-free criterion (`needsData` false: magnitude, random, movement, synflow) gets nil
    /// without `trainingSet` being called, so its caller loads no data at all; a data-driven one
    /// gets nil when `trainingSet` gives none, and its `scores` then says it needs training
    /// batches. Drawing the batches or not changes no other random stream.
    public func scoringBatches<E: Error>(count: Int, batchSize: Int, sampleShape: Shape, seed: UInt64, round: Int,
                                         trainingSet: () throws(E) -> Dataset?) throws(E) -> SolverBatches? {
        guard needsData, let set = try trainingSet() else { return nil }
        let batches = SolverBatches(dataset: set, capacity: count, batchSize: batchSize, sampleShape: sampleShape, seed: seed)
        batches.fill(round: round)
        return batches
    }
}
