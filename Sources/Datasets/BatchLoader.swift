import Foundation
import TensorCore
import Stats

/// One mini-batch: views into the loader's own buffers, valid until the next call to next().
public struct Batch {
    /// `[n, C, H, W]`, normalised (and augmented, if the loader augments).
    public let inputs: Tensor
    /// `n` labels in `0..<classes`.
    public let labels: UnsafePointer<Int32>
    /// `n`: `batchSize`, or fewer for the last batch of an epoch.
    public let count: Int
    /// 0-based batch index within the epoch.
    public let index: Int
}

/// Cuts a dataset into normalised (optionally augmented) mini-batches, in a seeded order, with
/// the next batch prepared on a background thread while the caller trains on the current one.
///
/// Order and augmentation are pure functions of (seed, epoch, batch): epoch `e` visits the
/// samples in the order of `streams.stream(.dataOrder, e).permutation(count)` (identity without
/// shuffling); batch `b` is positions `b·batchSize ..< min((b+1)·batchSize, count)` of that order
/// and is augmented from `streams.stream(.augmentation, e, b)`. So resuming at any batch is
/// bit-exact, and prefetching on or off gives identical batches.
///
/// Memory: two buffer sets (inputs `[batchSize, C, H, W]` floats, labels, augmentation scratch),
/// allocated once; nothing is allocated per batch except the augmentation stream's generator.
public final class BatchLoader {
    public let batchSize: Int
    public let dataset: Dataset

    /// `ceil(count / batchSize)`: the last batch may be partial (PyTorch `drop_last=False`).
    public var batchesPerEpoch: Int { (dataset.count + batchSize - 1) / batchSize }

    private let assembler: BatchAssembler
    private let worker: LoaderWorker?
    private var epoch = -1          // the epoch whose order is in the assembler (−1: none yet)
    private var cursor = 0          // the next batch index to hand out
    private var pending = false     // a batch is being prepared in the worker
    private var slot = 0            // the buffer set holding (or about to hold) batch `cursor`

    public init(dataset: Dataset, batchSize: Int, shuffle: Bool, streams: RandomStreams,
                augmentation: (any Augmentation)? = nil, prefetch: Bool = true) {
        precondition(batchSize >= 1, "batch size must be ≥ 1, got \(batchSize)")
        precondition(dataset.count <= Int(Int32.max), "\(dataset.name): too many samples for Int32 indices")
        self.batchSize = batchSize
        self.dataset = dataset
        assembler = BatchAssembler(dataset: dataset, batchSize: batchSize, shuffle: shuffle,
                                   streams: streams, augmentation: augmentation)
        if prefetch {
            let w = LoaderWorker(assembler: assembler)
            let thread = Thread { w.run() }
            thread.name = "masklab.loader"
            thread.start()
            worker = w
        } else {
            worker = nil
        }
    }

    deinit {
        guard let worker else { return }
        if pending { worker.done.wait() }
        worker.stop()
    }

    /// Begins epoch `epoch` (0-based) at batch `start` (for resuming mid-epoch). Order: identity if !shuffle, else
    /// the permutation drawn from streams.stream(.dataOrder, epoch). Augmentation of batch b in epoch e draws from
    /// streams.stream(.augmentation, e, b) so order and augmentation are pure functions of (seed, epoch, batch) —
    /// that is what makes resume bit-exact and prefetching safe.
    public func start(epoch: Int, batch start: Int = 0) {
        precondition(epoch >= 0, "epoch must be ≥ 0, got \(epoch)")
        precondition(start >= 0 && start <= batchesPerEpoch, "start batch \(start) outside 0...\(batchesPerEpoch)")
        if pending, let worker { worker.done.wait() }
        pending = false
        if epoch != self.epoch {
            assembler.order(epoch: epoch)
            self.epoch = epoch
        }
        cursor = start
        slot = 0
        schedule()
    }

    /// The next batch, prepared on a background thread while the caller trains on the previous one (double buffering;
    /// two preallocated buffer sets, NO allocation per batch), or nil at the end of the epoch.
    /// Calling it before any `start` starts epoch 0.
    public func next() -> Batch? {
        if epoch < 0 { start(epoch: 0) }
        guard cursor < batchesPerEpoch else { return nil }
        let ready = slot
        if let worker {
            if pending { worker.done.wait() }
            pending = false
        } else {
            assembler.fill(slot: ready, epoch: epoch, batch: cursor)
        }
        let batch = assembler.batch(slot: ready, batch: cursor)
        cursor += 1
        slot = 1 - ready
        schedule()   // prepares batch `cursor` in the other buffer set while the caller uses this one
        return batch
    }

    /// Starts preparing batch `cursor` into `slot` on the worker (no-op without prefetch or at the end).
    private func schedule() {
        guard let worker, cursor < batchesPerEpoch else { return }
        worker.submit(slot: slot, epoch: epoch, batch: cursor)
        pending = true
    }
}

/// The state and work of assembling batches; shared by the loader and its worker thread, which
/// never touch the same buffer set at the same time (the semaphores order their accesses).
final class BatchAssembler: @unchecked Sendable {
    let dataset: Dataset
    let batchSize: Int
    let shuffle: Bool
    let streams: RandomStreams
    let augmentation: (any Augmentation)?
    let batchShape: Shape                       // [batchSize, C, H, W]
    let sampleSize: Int                         // C·H·W
    let planeSize: Int                          // H·W
    let channels: Int
    /// `lut[c·256 + b] = (b/255 − mean[c]) / std[c]`: normalisation as one table lookup per pixel.
    let lut: UnsafeMutablePointer<Float>
    let order: UnsafeMutablePointer<Int32>      // this epoch's visiting order (count entries)
    let inputs: [TensorStorage]                 // two buffer sets
    let labels: [UnsafeMutablePointer<Int32>]
    let scratch: [TensorStorage]
    /// One augmentation generator per buffer set, reseeded per batch (no allocation per batch).
    let augmentationStreams: [RandomStream]

    init(dataset: Dataset, batchSize: Int, shuffle: Bool, streams: RandomStreams, augmentation: (any Augmentation)?) {
        self.dataset = dataset
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.streams = streams
        self.augmentation = augmentation
        let s = dataset.sampleShape
        batchShape = Shape(batchSize, s[0], s[1], s[2])
        sampleSize = s.count
        planeSize = s[1] * s[2]
        channels = s[0]
        lut = .allocate(capacity: channels * 256)
        for c in 0..<channels {
            for b in 0..<256 { lut[c * 256 + b] = (Float(b) / 255 - dataset.mean[c]) / dataset.std[c] }
        }
        order = .allocate(capacity: max(dataset.count, 1))
        inputs = (0..<2).map { _ in TensorStorage(count: batchSize * s.count) }
        labels = (0..<2).map { _ in
            let p = UnsafeMutablePointer<Int32>.allocate(capacity: batchSize)
            p.initialize(repeating: 0, count: batchSize)
            return p
        }
        scratch = (0..<2).map { _ in TensorStorage(count: s.count) }
        augmentationStreams = (0..<2).map { _ in RandomStream(seed: 0) }
    }

    deinit {
        lut.deallocate()
        order.deallocate()
        for p in labels { p.deallocate() }
    }

    /// Fills `order` for `epoch`: identity, or the permutation of `streams.stream(.dataOrder, epoch)`.
    func order(epoch: Int) {
        let n = dataset.count
        for i in 0..<n { order[i] = Int32(i) }
        if shuffle { streams.stream(.dataOrder, epoch).shuffle(UnsafeMutableBufferPointer(start: order, count: n)) }
    }

    /// Number of samples in batch `b`.
    @inline(__always) func size(of b: Int) -> Int { min(batchSize, dataset.count - b * batchSize) }

    /// Normalises (and augments) batch `b` of `epoch` into buffer set `slot`.
    func fill(slot: Int, epoch: Int, batch b: Int) {
        let n = size(of: b), first = b * batchSize
        let dst = inputs[slot].base, lab = labels[slot]
        let sampleSize = sampleSize, planeSize = planeSize, channels = channels, lut = lut, order = order
        dataset.pixels.withUnsafeBufferPointer { px in
            dataset.labels.withUnsafeBufferPointer { labelBuffer in
                guard let pixels = px.baseAddress else { return }
                for k in 0..<n {
                    let i = Int(order[first + k])
                    lab[k] = labelBuffer[i]
                    let src = pixels + i * sampleSize, out = dst + k * sampleSize
                    for c in 0..<channels {
                        let table = lut + c * 256, s = src + c * planeSize, o = out + c * planeSize
                        for p in 0..<planeSize { o[p] = table[Int(s[p])] }
                    }
                }
            }
        }
        guard let augmentation else { return }
        let rng = augmentationStreams[slot]
        streams.reseed(rng, .augmentation, epoch, b)
        let shape = dataset.sampleShape, work = scratch[slot].base
        for k in 0..<n { augmentation.apply(dst + k * sampleSize, scratch: work, shape: shape, rng: rng) }
    }

    /// The batch view of buffer set `slot` holding batch `b`.
    func batch(slot: Int, batch b: Int) -> Batch {
        let n = size(of: b)
        return Batch(inputs: Tensor(inputs[slot].base, batchShape.withBatch(n)), labels: UnsafePointer(labels[slot]),
                     count: n, index: b)
    }
}

/// The background thread of a prefetching loader: waits for a job, fills the buffer set, signals.
final class LoaderWorker: @unchecked Sendable {
    let assembler: BatchAssembler
    let request = DispatchSemaphore(value: 0)
    let done = DispatchSemaphore(value: 0)
    private var job = (slot: 0, epoch: 0, batch: 0)
    private var stopping = false

    init(assembler: BatchAssembler) { self.assembler = assembler }

    /// Hands a job to the thread (the previous one must be finished).
    func submit(slot: Int, epoch: Int, batch: Int) {
        job = (slot, epoch, batch)
        request.signal()
    }

    /// Ends the thread after its current job.
    func stop() {
        stopping = true
        request.signal()
    }

    /// The thread's body.
    func run() {
        while true {
            request.wait()
            if stopping { return }
            assembler.fill(slot: job.slot, epoch: job.epoch, batch: job.batch)
            done.signal()
        }
    }
}
