import TensorCore

/// Scratch memory shared by the convolutions of one network: the column matrices, channel-major
/// products and partial gradients of the chunks being lowered (see `Convolution`).
///
/// Columns are a temporary: a convolution writes them, multiplies, and is done; backward
/// recomputes them (one more memory pass, far cheaper than keeping `C·K·K·OH·OW` floats per
/// image for every layer — 300 MB for one ResNet-18 layer at width 64 and batch 128). So all the
/// convolutions of a network share one buffer, sized in `prepare` for the largest plan. Each
/// convolution splits its batch into lanes (one per core) and chunks of images whose scratch
/// fits `budget`, so the columns stay in cache between im2col, the GEMM and col2im.
///
/// Not thread-safe: the layers sharing a workspace must run one at a time (as a network does).
public final class ConvolutionWorkspace {
    /// The most scratch the chunks of all lanes may use together, in floats (a chunk still gets
    /// one image and `Convolution.Plan.minimumColumns` columns); read by the convolutions
    /// prepared after it is set.
    public var budget: Int
    /// Lanes for the convolutions prepared after this is set (nil: one per core when the batch
    /// has two images per lane; 1: one multi-threaded GEMM per chunk). See `Convolution.Plan`.
    public var lanes: Int?
    /// Whether 3×3 stride-1 convolutions prepared after this is set use Winograd (default: F(2×2,
    /// 3×3), or F(4×4) where `winogradF4Training` allows) or the `im2col` lowering in training.
    /// They agree to float rounding.
    public var winograd = true
    /// Whether 3×3 stride-1 convolutions prepared after this is set use `WinogradF4` F(4×4, 3×3)
    /// in inference passes (default; ≈ 1.8× fewer multiplications, outputs within float rounding
    /// of the larger transforms; not where the layer trains with the fused F(2×2) kernel, which is
    /// faster there) or the training forward's lowering (the same bits as training).
    public var winogradF4 = true
    /// Whether 3×3 stride-1 convolutions of the shapes `WinogradF4.Plan.trainingApplies` names
    /// (wide layers), prepared after this is set, train with `WinogradF4` F(4×4, 3×3)
    /// (forward, input and weight gradients; default) instead of F(2×2, 3×3). The two agree to
    /// float rounding of the larger transforms; the bits of training differ.
    public var winogradF4Training = true
    /// The buffer; replaced by a larger one when a layer reserves more (read `base` at use time).
    public private(set) var storage = TensorStorage(count: 0)

    /// A workspace whose chunks use at most `budgetBytes` (default 2 MiB: on ResNet-18 width 16,
    /// batch 128, cache-sized chunks took ≈ 25 % less CPU per training step than 64 MiB ones, and
    /// on the 2-core Xeon with 2 MiB of L2 per core 2 MiB took ≈ 3 % less than 4 MiB — one lane's
    /// Winograd `V` and `M` then fit its core's L2 — with width 64 unchanged; see
    /// `results/bench/session8-w16`).
    public init(budgetBytes: Int = 2 << 20) {
        precondition(budgetBytes > 0, "workspace budget must be positive, got \(budgetBytes)")
        budget = budgetBytes / 4
    }

    /// Makes the buffer hold at least `count` floats (allocates only in `prepare`).
    public func reserve(_ count: Int) {
        if count > storage.count { storage = TensorStorage(count: count) }
    }

    /// The start of the buffer (valid until the next `reserve`).
    public var base: UnsafeMutablePointer<Float> { storage.base }
}
