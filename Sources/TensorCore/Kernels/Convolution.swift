import COpenBLAS

/// A 2-D convolution lowered to matrix products (`Im2Col` + GEMM), forward and backward, with
/// the batch split into *lanes* and *chunks*.
///
/// Chunks bound the scratch memory: the columns of `nb` images (`[C·K·K, nb·S]`) and their
/// channel-major product (`[O, nb·S]`) must fit the workspace budget. Lanes use the cores: with
/// `L > 1` lanes, each of `L` threads takes a contiguous share of the images and runs
/// im2col → single-threaded GEMM → unpack on its own chunks, so the copies run in parallel, stay
/// in cache next to their GEMM, and no core waits at the join of a split GEMM (which costs more
/// than the split saves for narrow layers). With one lane, the kernels are parallel and a large
/// GEMM is split over the threads (see `GEMM.serialMACs`).
///
/// Determinism: the split depends only on (batch, lanes, budget); each lane accumulates its
/// weight and bias gradients into its own buffer (lane 0 straight into the gradient) and the
/// partial sums are added in lane order afterwards, so results are bit-identical run to run.
///
/// Images with at least `minimumColumns` output pixels (32×32 maps) skip the channel-major
/// detour: one GEMM per image reads its slice of the chunk's columns (row stride `nb·S`) and
/// writes `y` in NCHW directly; backward likewise reads `dy` in place.
///
/// Workspace layout (floats): `L` lane scratches of `imagesPerChunk·(C·K·K + O)·S`, then
/// `L − 1` partial gradients of `O·C·K·K + O`, then (with `StridedConvolution`'s direct input
/// gradient) the transposed weight `[C·K·K, O]`.
public enum Convolution {
    /// How one convolution splits its batch; made once when the layer is prepared.
    public struct Plan: Sendable, Equatable {
        public let geometry: WindowGeometry
        /// The window's offset tables, through which `Im2Col` gathers and scatters.
        public let window: WindowOffsets
        public let outChannels: Int
        /// Independent workers (1: one shared multi-threaded GEMM per chunk).
        public let lanes: Int
        /// Images lowered at once by one lane.
        public let imagesPerChunk: Int
        /// Whether the forward runs `StridedConvolution`'s direct kernel.
        public let direct: Bool
        /// Whether the input gradient runs `StridedConvolution`'s direct kernel too.
        public let directInputGradient: Bool
        /// Whether the weight and bias gradients run `StridedConvolution`'s direct kernel too
        /// (only where the input gradient does, and the gradient is small enough to stay in cache).
        public let directWeightGradient: Bool

        /// Plans for batches up to `batch` with `threads` cores and `budget` scratch floats in all.
        /// `lanes: nil` picks lanes = threads when the batch has at least two images per lane.
        public init(geometry: WindowGeometry, outChannels: Int, batch: Int, threads: Int, budget: Int, lanes: Int? = nil) {
            self.geometry = geometry
            window = WindowOffsets(geometry)
            self.outChannels = outChannels
            let l = max(1, min(lanes ?? (batch >= 2 * threads ? threads : 1), batch))
            self.lanes = l
            let perImage = (geometry.columnRows + outChannels) * geometry.outputPlane
            let perLane = (batch + l - 1) / l
            // Small chunks keep the columns in cache between im2col, the GEMM and col2im; but each
            // GEMM repacks the whole weight, so a chunk needs ≥ `minimumColumns` columns to amortise it.
            let fitting = budget / l / max(perImage, 1)
            let amortising = (Self.minimumColumns + geometry.outputPlane - 1) / geometry.outputPlane
            imagesPerChunk = max(1, min(perLane, max(fitting, amortising)))
            direct = StridedConvolution.chosen(geometry, outChannels: outChannels)
            directInputGradient = direct && StridedConvolution.fitsBackward(geometry, outChannels: outChannels)
            directWeightGradient = directInputGradient && StridedConvolution.directWeightGradient(geometry, outChannels: outChannels)
        }

        /// The fewest GEMM columns (`nb·OH·OW`) a chunk should have, budget permitting or not.
        public static let minimumColumns = 1024

        /// Whether each image's product is a GEMM of its own, written straight into NCHW (no
        /// `unpack`/`pack` copies): when one image alone has `minimumColumns` columns.
        public var perImageProducts: Bool { geometry.outputPlane >= Self.minimumColumns }

        /// Scratch floats of one lane.
        public var laneScratch: Int {
            max(imagesPerChunk * (geometry.columnRows + outChannels) * geometry.outputPlane,
                direct ? StridedConvolution.laneScratch(geometry, outChannels: outChannels) : 0)
        }
        /// Floats of one partial gradient (weight then bias).
        public var partialGradient: Int { outChannels * geometry.columnRows + outChannels }
        /// Where the direct input gradient keeps the transposed weight `[C·K·K, O]` in the workspace.
        public var transposedWeightOffset: Int { lanes * laneScratch + (lanes - 1) * partialGradient }
        /// Workspace floats the plan needs.
        public var workspaceCount: Int {
            transposedWeightOffset + (directInputGradient ? outChannels * geometry.columnRows : 0)
        }

        /// What `products` products per image (forward 1; backward 2 with both gradients) of `n`
        /// images cost: multiply-accumulates, and the bytes of input and output images.
        public func laneCost(batch n: Int, products: Int) -> RegionCost {
            let g = geometry
            return .multiplyAdds(products * n * outChannels * g.columnRows * g.outputPlane,
                                 bytes: 4 * n * (g.channels * g.inputPlane + outChannels * g.outputPlane))
        }
    }

    // y (n,O,OH,OW) = epilogue(unpack(W (O, C·K·K) · im2col(x) (C·K·K, nb·S)) + b), chunk by chunk
    /// Forward: `y [n, O, OH, OW]` from `x [n, C, H, W]`, `weight [O, C·K·K]`, optional `bias [O]`;
    /// `epilogue` is applied to each chunk's output while it is in cache.
    @inlinable
    public static func forward(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                               epilogue: OutputEpilogue = .none, plan: Plan, batch n: Int,
                               workspace: UnsafeMutablePointer<Float>, into y: UnsafeMutablePointer<Float>) {
        if plan.direct {
            StridedConvolution.forward(x, weight: weight, bias: bias, epilogue: epilogue, plan: plan, batch: n,
                                       workspace: workspace, into: y)
            return
        }
        let g = plan.geometry, o = plan.outChannels, rows = g.columnRows, plane = g.outputPlane
        let lanes = min(plan.lanes, n)
        if lanes <= 1 {
            forEachChunk(of: 0..<n, plan.imagesPerChunk) { images in
                let cols = workspace, ycols = workspace + rows * images.count * plane
                Im2Col.im2col(x, plan.window, images: images, into: cols)
                if plan.perImageProducts {
                    multiplyPerImage(weight, cols, outChannels: o, rows: rows, plane: plane, images: images, into: y)
                    if let bias { Im2Col.addChannelBias(y + images.lowerBound * o * plane, images: images.count, channels: o, plane: plane, bias: bias) }
                } else {
                    GEMM.multiply(m: o, n: images.count * plane, k: rows, a: weight, b: cols, c: ycols)
                    Im2Col.unpack(ycols, channels: o, plane: plane, images: images, bias: bias, into: y)
                }
                epilogue.apply(y, channels: o, plane: plane, images: images, spread: true)
            }
            return
        }
        inLanes(lanes, batch: n, cost: plan.laneCost(batch: n, products: 1)) { lane, share in
            let scratch = workspace + lane * plan.laneScratch
            forEachChunk(of: share, plan.imagesPerChunk) { images in
                let cols = scratch, ycols = scratch + rows * images.count * plane
                Im2Col.im2col(x, plan.window, images: images, rows: 0..<rows, into: cols)
                if plan.perImageProducts {
                    multiplyPerImage(weight, cols, outChannels: o, rows: rows, plane: plane, images: images, into: y)
                    if let bias { Im2Col.addChannelBias(y, channels: o, plane: plane, images: images, bias: bias) }
                } else {
                    GEMM.multiply(m: o, n: images.count * plane, k: rows, a: weight, b: cols, c: ycols)
                    Im2Col.unpack(ycols, channels: o, plane: plane, images: images, only: 0..<o, bias: bias, into: y)
                }
                epilogue.apply(y, channels: o, plane: plane, images: images)
            }
        }
    }

    // per chunk: dycols (O, nb·S) = pack(dy); db += Σ dy; cols = im2col(x);
    // dW (O, C·K·K) += dycols · colsᵀ;  dcols (C·K·K, nb·S) = Wᵀ · dycols;  dx = col2im(dcols)
    /// Backward: accumulates `weightGrad [O, C·K·K]` (and `biasGrad [O]`), and writes `dx`
    /// `[n, C, H, W]` when given. `x` is the forward's input (columns are recomputed). Without
    /// `weightGrad` (parameters whose gradient nobody reads; then no `biasGrad` either) only `dx`
    /// is computed: no columns, no weight-gradient products.
    @inlinable
    public static func backward(_ x: UnsafePointer<Float>, gradOutput dy: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                weightGrad: UnsafeMutablePointer<Float>?, biasGrad: UnsafeMutablePointer<Float>?,
                                plan: Plan, batch n: Int, workspace: UnsafeMutablePointer<Float>,
                                gradInput dx: UnsafeMutablePointer<Float>?) {
        precondition(weightGrad != nil || biasGrad == nil, "convolution backward: a bias gradient without the weight gradient")
        if weightGrad == nil && dx == nil { return }
        if plan.directInputGradient, dx != nil || plan.directWeightGradient {
            // A weight gradient the direct kernel does not take runs on the im2col path first (this
            // call without dx: it cannot come back here).
            let direct = plan.directWeightGradient
            if !direct && weightGrad != nil {
                backward(x, gradOutput: dy, weight: weight, weightGrad: weightGrad, biasGrad: biasGrad, plan: plan, batch: n,
                         workspace: workspace, gradInput: nil)
            }
            StridedConvolution.backward(x, gradOutput: dy, weight: weight, weightGrad: direct ? weightGrad : nil,
                                        biasGrad: direct ? biasGrad : nil, plan: plan, batch: n, workspace: workspace, gradInput: dx)
            return
        }
        let g = plan.geometry, o = plan.outChannels, rows = g.columnRows, plane = g.outputPlane
        let lanes = min(plan.lanes, n)
        if lanes <= 1 {
            forEachChunk(of: 0..<n, plan.imagesPerChunk) { images in
                let cols = workspace, dycols = workspace + rows * images.count * plane
                if weightGrad != nil { Im2Col.im2col(x, plan.window, images: images, into: cols) }
                if plan.perImageProducts {
                    if let biasGrad { Im2Col.sumChannels(dy, channels: o, plane: plane, images: images, into: biasGrad) }
                    backwardPerImage(dy, cols, weight: weight, weightGrad: weightGrad, outChannels: o, rows: rows, plane: plane,
                                     images: images, inputGradient: dx != nil)
                } else {
                    Im2Col.pack(dy, channels: o, plane: plane, images: images, into: dycols, biasGrad: biasGrad)
                    if let weightGrad {
                        GEMM.multiply(transB: true, m: o, n: rows, k: images.count * plane, a: dycols, b: cols, beta: 1, c: weightGrad)
                    }
                    if dx != nil { GEMM.multiply(transA: true, m: rows, n: images.count * plane, k: o, a: weight, b: dycols, c: cols) }
                }
                if let dx { Im2Col.col2im(cols, plan.window, images: images, into: dx) }
            }
            return
        }
        inLanes(lanes, batch: n, cost: plan.laneCost(batch: n, products: weightGrad != nil && dx != nil ? 2 : 1)) { lane, share in
            let scratch = workspace + lane * plan.laneScratch
            let gradients = laneGradients(plan, lane: lane, lanes: lanes, workspace: workspace, weightGrad: weightGrad, biasGrad: biasGrad)
            let dw = gradients?.dw, db = gradients?.db
            forEachChunk(of: share, plan.imagesPerChunk) { images in
                let cols = scratch, dycols = scratch + rows * images.count * plane
                if dw != nil { Im2Col.im2col(x, plan.window, images: images, rows: 0..<rows, into: cols) }
                if plan.perImageProducts {
                    if let db { Im2Col.sumChannels(dy, channels: o, plane: plane, images: images, into: db) }
                    backwardPerImage(dy, cols, weight: weight, weightGrad: dw, outChannels: o, rows: rows, plane: plane,
                                     images: images, inputGradient: dx != nil)
                } else {
                    Im2Col.pack(dy, channels: o, plane: plane, images: images, only: 0..<o, into: dycols, biasGrad: db)
                    if let dw { GEMM.multiply(transB: true, m: o, n: rows, k: images.count * plane, a: dycols, b: cols, beta: 1, c: dw) }
                    if dx != nil { GEMM.multiply(transA: true, m: rows, n: images.count * plane, k: o, a: weight, b: dycols, c: cols) }
                }
                if let dx { Im2Col.col2im(cols, plan.window, images: images, planes: 0..<(images.count * g.channels), into: dx) }
            }
        }
        addLanePartials(plan, lanes: lanes, workspace: workspace, weightGrad: weightGrad, biasGrad: biasGrad)
    }

    /// Lane `lane`'s weight and bias gradient accumulators in a backward on `lanes` lanes: lane 0
    /// accumulates into the gradients themselves, the others into the plan's partials (weight
    /// then bias), which this zeroes. Nil without `weightGrad`.
    @inlinable
    static func laneGradients(_ plan: Plan, lane: Int, lanes: Int, workspace: UnsafeMutablePointer<Float>,
                              weightGrad: UnsafeMutablePointer<Float>?, biasGrad: UnsafeMutablePointer<Float>?)
        -> (dw: UnsafeMutablePointer<Float>, db: UnsafeMutablePointer<Float>?)? {
        guard let weightGrad else { return nil }
        if lane == 0 { return (weightGrad, biasGrad) }
        let dw = workspace + lanes * plan.laneScratch + (lane - 1) * plan.partialGradient
        dw.update(repeating: 0, count: plan.partialGradient)
        return (dw, biasGrad == nil ? nil : dw + plan.outChannels * plan.geometry.columnRows)
    }

    /// Adds lanes `1 ..< lanes`' partial gradients (`laneGradients`) into the weight and bias
    /// gradients in lane order, parallel over entries with the same order per entry.
    @inlinable
    static func addLanePartials(_ plan: Plan, lanes: Int, workspace: UnsafeMutablePointer<Float>,
                                weightGrad: UnsafeMutablePointer<Float>?, biasGrad: UnsafeMutablePointer<Float>?) {
        guard let weightGrad, lanes > 1 else { return }
        let partials = workspace + lanes * plan.laneScratch
        let o = plan.outChannels, count = o * plan.geometry.columnRows
        Parallel.forEachChunk(count + o, costPerItem: lanes) { _, r in
            for lane in 1..<lanes {
                let part = partials + (lane - 1) * plan.partialGradient
                for i in r {
                    if i < count { weightGrad[i] += part[i] } else if let biasGrad { biasGrad[i - count] += part[i] }
                }
            }
        }
    }

    // y_i (O, S) = W (O, C·K·K) · cols_j (C·K·K, S; row stride nb·S), straight into NCHW
    /// One GEMM per image of the chunk, reading its columns in place and writing `y` directly.
    @inlinable
    static func multiplyPerImage(_ weight: UnsafePointer<Float>, _ cols: UnsafePointer<Float>, outChannels o: Int, rows: Int,
                                 plane: Int, images: Range<Int>, into y: UnsafeMutablePointer<Float>) {
        let ld = images.count * plane
        for (j, i) in images.enumerated() {
            GEMM.multiply(m: o, n: plane, k: rows, a: weight, b: cols + j * plane, ldb: ld, c: y + i * o * plane)
        }
    }

    // dW (O, C·K·K) += dy_i (O, S) · cols_jᵀ;  then dcols_j (C·K·K, S) = Wᵀ · dy_i into the columns
    /// Per-image backward GEMMs: all weight-gradient products first (they read the columns; none
    /// without `weightGrad`), then, if wanted, the column gradients overwrite the columns for `col2im`.
    @inlinable
    static func backwardPerImage(_ dy: UnsafePointer<Float>, _ cols: UnsafeMutablePointer<Float>, weight: UnsafePointer<Float>,
                                 weightGrad: UnsafeMutablePointer<Float>?, outChannels o: Int, rows: Int, plane: Int,
                                 images: Range<Int>, inputGradient: Bool) {
        let ld = images.count * plane
        if let weightGrad {
            for (j, i) in images.enumerated() {
                GEMM.multiply(transB: true, m: o, n: rows, k: plane, a: dy + i * o * plane, b: cols + j * plane, ldb: ld,
                              beta: 1, c: weightGrad)
            }
        }
        guard inputGradient else { return }
        for (j, i) in images.enumerated() {
            GEMM.multiply(transA: true, m: rows, n: plane, k: o, a: weight, b: dy + i * o * plane, c: cols + j * plane, ldc: ld)
        }
    }

    /// Adds the partial sums of lanes `1 ..< lanes` (`partial(lane)`, `count` floats each) into
    /// lane 0's, in lane order (so the result depends only on the lane count), spread over the threads.
    static func sumLanePartials(_ count: Int, lanes: Int, _ partial: (Int) -> UnsafeMutablePointer<Float>) {
        guard lanes > 1 else { return }
        let first = partial(0)
        Parallel.forEachChunk(count) { _, entries in
            for lane in 1..<lanes {
                let part = partial(lane)
                for i in entries { first[i] += part[i] }
            }
        }
    }

    /// Calls `body` on consecutive chunks of at most `size` images of `range`.
    @inlinable
    static func forEachChunk(of range: Range<Int>, _ size: Int, _ body: (Range<Int>) -> Void) {
        var first = range.lowerBound
        while first < range.upperBound {
            let next = min(range.upperBound, first + size)
            body(first..<next)
            first = next
        }
    }

    /// Runs `body(lane, images)` for `lanes` lanes, lane `l` taking images `l·n/L ..< (l+1)·n/L`,
    /// with products unsplit meanwhile (restored to `Parallel.threads` after): one lane per thread,
    /// or all in order on the calling thread when `cost` is too small to pay for the others.
    @inlinable
    static func inLanes(_ lanes: Int, batch n: Int, cost: RegionCost, _ body: (Int, Range<Int>) -> Void) {
        Parallel.setGEMMThreads(1)
        Parallel.forEachPart(lanes, cost: cost) { lane in body(lane, (lane * n / lanes)..<((lane + 1) * n / lanes)) }
        Parallel.setGEMMThreads(Parallel.threads)
    }
}
