import TensorCore

/// Scratch memory shared by the convolutions of one network: the column matrix and the
/// channel-major product of the chunk of images being lowered (see `Im2Col`).
///
/// Columns are a temporary: a convolution writes them, multiplies, and is done; backward
/// recomputes them (one more memory pass, far cheaper than keeping `C·K·K·OH·OW` floats per
/// image for every layer — 300 MB for one ResNet-18 layer at width 64 and batch 128). So all the
/// convolutions of a network can share one buffer, sized for the largest chunk. A convolution
/// splits its batch into chunks of images whose scratch fits `budgetBytes`, which bounds memory
/// while keeping the GEMMs large (≥ thousands of columns for CIFAR shapes).
///
/// Not thread-safe: the layers sharing a workspace must run one at a time (as a network does).
public final class ConvolutionWorkspace {
    /// The most scratch the chunks of all lanes may use together, in floats (at least one image
    /// per lane is always allowed); read by the convolutions prepared after it is set.
    public var budget: Int
    /// Lanes for the convolutions prepared after this is set (nil: one per core when the batch
    /// allows; 1: one multi-threaded GEMM per chunk). See `Convolution.Plan`.
    public var lanes: Int?
    /// The buffer; replaced by a larger one when a layer reserves more (read `base` at use time).
    public private(set) var storage = TensorStorage(count: 0)

    /// A workspace whose chunks use at most `budgetBytes` (default 4 MiB: chunks that stay in
    /// cache measured 25 % less CPU per ResNet-18 width-16 step than 64 MiB ones; a chunk still
    /// gets ≥ `Convolution.Plan.minimumColumns` columns, so deep layers may exceed it).
    public init(budgetBytes: Int = 4 << 20) {
        precondition(budgetBytes > 0, "workspace budget must be positive, got \(budgetBytes)")
        budget = budgetBytes / 4
    }

    /// Images per chunk for layers needing `floatsPerImage` scratch per image, batch `batch`.
    public func imagesPerChunk(floatsPerImage: Int, batch: Int) -> Int {
        max(1, min(batch, budget / max(floatsPerImage, 1)))
    }

    /// Makes the buffer hold at least `count` floats (allocates only in `prepare`).
    public func reserve(_ count: Int) {
        if count > storage.count { storage = TensorStorage(count: count) }
    }

    /// The start of the buffer (valid until the next `reserve`).
    public var base: UnsafeMutablePointer<Float> { storage.base }
}
