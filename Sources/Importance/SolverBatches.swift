import TensorCore
import Stats
import Layers
import Datasets

/// Copies of the few training batches an importance solve evaluates φ on, refilled at every
/// refresh from a loader of their own (order from stream (seed, importance), no augmentation),
/// so the solver neither disturbs the training data order nor depends on it.
///
/// Memory: `capacity` × (batch of inputs + labels), allocated once.
public final class SolverBatches {
    public let capacity: Int
    public let batchSize: Int
    public let sampleShape: Shape
    private let inputs: TensorStorage
    private let labelStorage: UnsafeMutablePointer<Int32>
    private let loader: BatchLoader?
    private let batchShape: Shape
    /// Samples in each filled batch.
    public private(set) var counts: [Int] = []

    /// Space for `capacity` batches of `batchSize` samples drawn from `dataset` (nil: fill by hand).
    public init(dataset: Dataset?, capacity: Int, batchSize: Int, sampleShape: Shape, seed: UInt64) {
        precondition(capacity >= 1 && batchSize >= 1, "solver batches: capacity \(capacity), batch \(batchSize)")
        self.capacity = capacity
        self.batchSize = batchSize
        self.sampleShape = sampleShape
        batchShape = Shape([batchSize] + sampleShape.dims)
        inputs = TensorStorage(count: capacity * batchSize * sampleShape.count)
        labelStorage = .allocate(capacity: capacity * batchSize)
        labelStorage.initialize(repeating: 0, count: capacity * batchSize)
        loader = dataset.map {
            BatchLoader(dataset: $0, batchSize: batchSize, shuffle: true,
                        streams: RandomStreams(seed: RandomStreams(seed: seed).derivedSeed(.importance)), prefetch: false)
        }
    }

    deinit { labelStorage.deallocate() }

    /// Number of filled batches.
    public var count: Int { counts.count }

    /// Refills with the first `capacity` batches of the loader's epoch `round` (fewer if the set is small).
    public func fill(round: Int) {
        guard let loader else { return }
        loader.start(epoch: round)
        counts.removeAll(keepingCapacity: true)
        while counts.count < capacity, let b = loader.next() {
            append(inputs: b.inputs, labels: b.labels, count: b.count)
        }
    }

    /// Adds one batch by copying (for tests and callers with their own data).
    public func append(inputs x: Tensor, labels: UnsafePointer<Int32>, count n: Int) {
        precondition(counts.count < capacity && n <= batchSize && x.count >= n * sampleShape.count,
                     "solver batches: cannot add \(n) samples (have \(counts.count)/\(capacity), batch \(batchSize))")
        let i = counts.count
        (inputs.base + i * batchSize * sampleShape.count).update(from: x.pointer, count: n * sampleShape.count)
        (labelStorage + i * batchSize).update(from: labels, count: n)
        counts.append(n)
    }

    /// Empties the set (keeps the memory).
    public func removeAll() { counts.removeAll(keepingCapacity: true) }

    /// Inputs of batch `i`, `[n, …sampleShape]`.
    public func inputs(_ i: Int) -> Tensor {
        Tensor(inputs.base + i * batchSize * sampleShape.count, batchShape.withBatch(counts[i]))
    }

    /// Labels of batch `i`.
    public func labels(_ i: Int) -> UnsafePointer<Int32> { UnsafePointer(labelStorage + i * batchSize) }
}
