import TensorCore
import Stats
import Layers
import Datasets

/// Copies of the few training batches an importance solve evaluates φ on, refilled at every
/// refresh from a loader of their own (order from stream (seed, importance), no augmentation),
/// so the solver neither disturbs the training data order nor depends on it. Each fill also
/// keeps the next batch of that stream apart as the *held-out* batch: never used by the solve,
/// only to measure φ on data the solve did not see.
///
/// Memory: (`capacity` + 1) × (batch of inputs + labels), allocated once.
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
    /// Samples in the held-out batch; nil when there is none (set too small, or filled by hand).
    public private(set) var heldOutCount: Int?

    /// Space for `capacity` batches of `batchSize` samples drawn from `dataset` (nil: fill by
    /// hand), but no more than `dataset` has: batches never wrap, so a larger `capacity` would
    /// only allocate space that stays empty (`--importance-batches 1500` on a 10-batch set).
    public init(dataset: Dataset?, capacity asked: Int, batchSize: Int, sampleShape: Shape, seed: UInt64) {
        precondition(asked >= 1 && batchSize >= 1, "solver batches: capacity \(asked), batch \(batchSize)")
        let capacity = dataset.map { min(asked, max(1, ($0.count + batchSize - 1) / batchSize)) } ?? asked
        self.capacity = capacity
        self.batchSize = batchSize
        self.sampleShape = sampleShape
        batchShape = Shape([batchSize] + sampleShape.dims)
        inputs = TensorStorage(count: (capacity + 1) * batchSize * sampleShape.count)
        labelStorage = .allocate(capacity: (capacity + 1) * batchSize)
        labelStorage.initialize(repeating: 0, count: (capacity + 1) * batchSize)
        loader = dataset.map {
            BatchLoader(dataset: $0, batchSize: batchSize, shuffle: true,
                        streams: RandomStreams(seed: RandomStreams(seed: seed).derivedSeed(.importance)), prefetch: false)
        }
    }

    deinit { labelStorage.deallocate() }

    /// Number of filled batches.
    public var count: Int { counts.count }

    /// Refills with the first `capacity` batches of the loader's epoch `round` (fewer if the set
    /// is small) and the next one as the held-out batch (none if the epoch has no more).
    public func fill(round: Int) {
        guard let loader else { return }
        loader.start(epoch: round)
        removeAll()
        while counts.count < capacity, let b = loader.next() {
            append(inputs: b.inputs, labels: b.labels, count: b.count)
        }
        if let b = loader.next() { setHeldOut(inputs: b.inputs, labels: b.labels, count: b.count) }
    }

    /// Sets the held-out batch by copying (for tests and callers with their own data).
    public func setHeldOut(inputs x: Tensor, labels: UnsafePointer<Int32>, count n: Int) {
        precondition(n <= batchSize && x.count >= n * sampleShape.count, "solver batches: held-out batch of \(n) samples (batch \(batchSize))")
        (inputs.base + capacity * batchSize * sampleShape.count).update(from: x.pointer, count: n * sampleShape.count)
        (labelStorage + capacity * batchSize).update(from: labels, count: n)
        heldOutCount = n
    }

    /// The slot index of the held-out batch for `inputs(_:)`/`labels(_:)`, nil when there is none.
    public var heldOut: Int? { heldOutCount.map { _ in capacity } }

    /// Adds one batch by copying (for tests and callers with their own data).
    public func append(inputs x: Tensor, labels: UnsafePointer<Int32>, count n: Int) {
        precondition(counts.count < capacity && n <= batchSize && x.count >= n * sampleShape.count,
                     "solver batches: cannot add \(n) samples (have \(counts.count)/\(capacity), batch \(batchSize))")
        let i = counts.count
        (inputs.base + i * batchSize * sampleShape.count).update(from: x.pointer, count: n * sampleShape.count)
        (labelStorage + i * batchSize).update(from: labels, count: n)
        counts.append(n)
    }

    /// Empties the set, held-out batch included (keeps the memory).
    public func removeAll() {
        counts.removeAll(keepingCapacity: true)
        heldOutCount = nil
    }

    /// Inputs of batch `i` (or of the held-out slot `heldOut`), `[n, …sampleShape]`.
    public func inputs(_ i: Int) -> Tensor {
        let n = i == capacity ? (heldOutCount ?? 0) : counts[i]
        return Tensor(inputs.base + i * batchSize * sampleShape.count, batchShape.withBatch(n))
    }

    /// Labels of batch `i`.
    public func labels(_ i: Int) -> UnsafePointer<Int32> { UnsafePointer(labelStorage + i * batchSize) }
}
