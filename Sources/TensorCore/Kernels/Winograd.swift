/// 3×3 convolutions with stride 1 and padding 1 by Winograd's minimal filtering F(2×2, 3×3):
/// forward, input gradient and weight gradient, each with 2.25× fewer multiply-accumulates
/// than the lowering to `im2col` + GEMM.
///
/// The output is cut into 2×2 tiles (`T = ⌈H/2⌉·⌈W/2⌉` per image); tile `(ty, tx)` reads the
/// 4×4 input patch at rows `2ty − 1 … 2ty + 2`, columns `2tx − 1 … 2tx + 2` (0 outside). With
///
///     Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]   G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]
///     Aᵀ = [1 1 1 0; 0 1 −1 −1]
///
/// and ξ = 0…15 indexing the 4×4 transformed positions:
///
///     U[ξ] (O, C)  = G g Gᵀ                                  weight transform, per (o, c)
///     V[ξ] (C, T)  = Bᵀ d B                                  input transform, per (c, tile)
///     M[ξ] (O, T)  = U[ξ] · V[ξ]                             16 GEMMs
///     y tile       = Aᵀ M A (+ bias)                         output transform
///     backward:  dM = A dy Aᵀ;   dU[ξ] += dM[ξ] · V[ξ]ᵀ;   dV[ξ] = U[ξ]ᵀ · dM[ξ]
///                dx += B dV Bᵀ (overlapping patches add);   dW += Gᵀ dU G
///
/// The batch is split into lanes and chunks as in `Convolution` (one lane per core, each with its
/// own single-threaded GEMMs and scratch, weight gradients summed in lane order afterwards), so
/// results are bit-identical run to run for the same thread count. The plain twin is the direct
/// convolution `Reference.convolution…`; the two agree to float rounding (tests).
///
/// Narrow layers (16 or 32 channels at widths 32 and 16) and small maps (up to 128 channels at
/// widths 8 and 4) on a CPU with AVX-512 run the forward and both gradients through
/// `FusedWinograd` instead (`Plan.fused`): the same arithmetic per block of 16 tiles, in cache.
///
/// Workspace layout (floats): `U [16, O, C]`, then per lane `V [16, C, Tc]`, `M [16, O, Tc]`, a
/// partial `dU [16, O, C]` and the transforms' plane buffers (Tc: the tiles of one chunk), then
/// for a fused plan the flipped filters and their transform. The transforms themselves are in
/// `WinogradTransforms.swift`.
public enum Winograd {
    /// How one Winograd convolution splits its batch; made once when the layer is prepared.
    public struct Plan: Sendable, Equatable {
        public let channels: Int, outChannels: Int, height: Int, width: Int
        public let tilesHigh: Int, tilesWide: Int
        public let lanes: Int
        public let imagesPerChunk: Int
        /// Whether the forward and both gradients run `FusedWinograd` (one pass per block of 16
        /// tiles, AVX-512) instead of whole-chunk transforms and GEMMs.
        public let fused: Bool

        /// Whether a convolution of this shape goes through Winograd: 3×3, stride 1, padding 1,
        /// and at least `minimumChannels` input channels (with fewer the 16 GEMMs are too thin).
        public static func applies(kernel: Int, stride: Int, padding: Int, inChannels: Int) -> Bool {
            kernel == 3 && stride == 1 && padding == 1 && inChannels >= minimumChannels
        }
        public static let minimumChannels = 8
        /// The fewest tiles (GEMM columns) a chunk should have, budget permitting or not.
        public static let minimumTiles = 256

        /// Plans for batches up to `batch` with `threads` cores and `budget` scratch floats.
        public init(channels: Int, outChannels: Int, height: Int, width: Int, batch: Int, threads: Int, budget: Int,
                    lanes: Int? = nil, fused: Bool? = nil) {
            self.channels = channels
            self.outChannels = outChannels
            self.height = height
            self.width = width
            tilesHigh = (height + 1) / 2
            tilesWide = (width + 1) / 2
            let l = max(1, min(lanes ?? (batch >= 2 * threads ? threads : 1), batch))
            self.lanes = l
            let tiles = tilesHigh * tilesWide
            let perImage = 16 * tiles * (channels + outChannels)
            let perLane = (batch + l - 1) / l
            let fitting = budget / l / max(perImage, 1)
            let amortising = (Self.minimumTiles + tiles - 1) / tiles
            imagesPerChunk = max(1, min(perLane, max(fitting, amortising)))
            let fits = FusedWinograd.available && FusedWinograd.fits(channels: channels, outChannels: outChannels, height: height, width: width)
            precondition(fused != true || fits, "Winograd plan: the fused kernel does not run \(channels)→\(outChannels) at \(height)×\(width) here")
            self.fused = fused ?? FusedWinograd.chosen(channels: channels, outChannels: outChannels, height: height, width: width)
        }

        public var tilesPerImage: Int { tilesHigh * tilesWide }
        var transformedWeights: Int { 16 * outChannels * channels }
        /// One lane's `V` and `M` of a chunk, or, when fused, the kernel's block scratch (one
        /// block's `V` and `M` plus alignment; the fused passes never hold a whole chunk).
        var chunkScratch: Int {
            fused ? FusedWinograd.laneScratch(channels: channels, outChannels: outChannels)
                : 16 * imagesPerChunk * tilesPerImage * (channels + outChannels)
        }
        /// One lane: `V`, `M` (`chunkScratch`), its partial `dU`, its plane buffers.
        var laneScratch: Int { chunkScratch + transformedWeights + PlaneBuffers.count(self) }
        func partialGradient(_ workspace: UnsafeMutablePointer<Float>, lane: Int) -> UnsafeMutablePointer<Float> {
            workspace + transformedWeights + lane * laneScratch + chunkScratch
        }
        func planeBuffers(_ workspace: UnsafeMutablePointer<Float>, lane: Int) -> PlaneBuffers {
            PlaneBuffers(partialGradient(workspace, lane: lane) + transformedWeights, plan: self)
        }
        /// The fused input gradient's flipped filters `[C, O, 3, 3]` and their transform, after the lanes.
        var flippedWeights: Int { fused ? 25 * outChannels * channels : 0 }
        /// Workspace floats the plan needs.
        public var workspaceCount: Int { transformedWeights + lanes * laneScratch + flippedWeights }
    }

    /// Forward: `y [n, O, H, W]` from `x [n, C, H, W]`, `weight [O, C, 3, 3]`, optional `bias [O]`,
    /// each output value passed through `epilogue` as the output transform stores it.
    public static func forward(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                               epilogue: OutputEpilogue = .none, plan: Plan, batch n: Int,
                               workspace: UnsafeMutablePointer<Float>, into y: UnsafeMutablePointer<Float>) {
        let u = workspace
        transformWeights(weight, plan: plan, into: u)
        if plan.fused {
            FusedWinograd.forward(x, transformed: u, bias: bias, epilogue: epilogue, channels: plan.channels,
                                  outChannels: plan.outChannels, height: plan.height, width: plan.width, batch: n,
                                  lanes: plan.lanes, scratch: workspace + plan.transformedWeights,
                                  scratchStride: plan.laneScratch, into: y)
            return
        }
        inLanes(plan, batch: n, products: 1) { lane, share in
            let scratch = workspace + plan.transformedWeights + lane * plan.laneScratch
            let buffers = plan.planeBuffers(workspace, lane: lane)
            forEachChunk(of: share, plan.imagesPerChunk) { images in
                let tc = images.count * plan.tilesPerImage
                let v = scratch, m = scratch + 16 * plan.channels * tc
                transformInput(x, plan: plan, images: images, buffers: buffers, into: v)
                for xi in 0..<16 {
                    GEMM.multiply(m: plan.outChannels, n: tc, k: plan.channels, a: u + xi * plan.outChannels * plan.channels,
                                  b: v + xi * plan.channels * tc, c: m + xi * plan.outChannels * tc)
                }
                transformOutput(m, plan: plan, images: images, bias: bias, epilogue: epilogue, buffers: buffers, into: y)
            }
        }
    }

    /// Backward: accumulates `weightGrad [O, C, 3, 3]` (and `biasGrad [O]`) and writes `dx
    /// [n, C, H, W]` when given. `x` is the forward's input (its transform is recomputed).
    /// Without `weightGrad` (then no `biasGrad` either) only `dx` is computed: no input
    /// transform, no `dU` products. `inputGradientEpilogue` is applied to `dx` as each kernel
    /// call's images (fused: one image, or the images one block holds) or chunk (unfused) are
    /// written, while they are in cache.
    public static func backward(_ x: UnsafePointer<Float>, gradOutput dy: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                weightGrad: UnsafeMutablePointer<Float>?, biasGrad: UnsafeMutablePointer<Float>?,
                                plan: Plan, batch n: Int, workspace: UnsafeMutablePointer<Float>,
                                gradInput dx: UnsafeMutablePointer<Float>?, inputGradientEpilogue: OutputEpilogue = .none) {
        precondition(weightGrad != nil || biasGrad == nil, "Winograd backward: a bias gradient without the weight gradient")
        if weightGrad == nil && dx == nil { return }
        let u = workspace, o = plan.outChannels, c = plan.channels
        let lanes = min(plan.lanes, n)
        if plan.fused {
            if let weightGrad {
                FusedWinograd.weightGradient(x, gradOutput: dy, channels: c, outChannels: o, height: plan.height,
                                             width: plan.width, batch: n, lanes: plan.lanes,
                                             scratch: workspace + plan.transformedWeights, scratchStride: plan.laneScratch,
                                             partial: { plan.partialGradient(workspace, lane: $0) })
                finishWeightGradient(dy, plan: plan, batch: n, lanes: lanes, workspace: workspace,
                                     weightGrad: weightGrad, biasGrad: biasGrad)
            }
            if let dx {
                fusedInputGradient(dy, weight: weight, plan: plan, batch: n, workspace: workspace, epilogue: inputGradientEpilogue, into: dx)
            }
            return
        }
        transformWeights(weight, plan: plan, into: u)   // the unfused dx's products read U; the fused path flips W itself
        inLanes(plan, batch: n, products: weightGrad != nil && dx != nil ? 2 : 1) { lane, share in
            let scratch = workspace + plan.transformedWeights + lane * plan.laneScratch
            let du = plan.partialGradient(workspace, lane: lane), buffers = plan.planeBuffers(workspace, lane: lane)
            if weightGrad != nil { du.update(repeating: 0, count: plan.transformedWeights) }
            forEachChunk(of: share, plan.imagesPerChunk) { images in
                let tc = images.count * plan.tilesPerImage
                let v = scratch, dm = scratch + 16 * c * tc
                if weightGrad != nil { transformInput(x, plan: plan, images: images, buffers: buffers, into: v) }
                transformOutputGradient(dy, plan: plan, images: images, buffers: buffers, into: dm)
                if weightGrad != nil {
                    for xi in 0..<16 {
                        GEMM.multiply(transB: true, m: o, n: c, k: tc, a: dm + xi * o * tc, b: v + xi * c * tc, beta: 1,
                                      c: du + xi * o * c)
                    }
                }
                guard let dx else { return }
                for xi in 0..<16 {
                    GEMM.multiply(transA: true, m: c, n: tc, k: o, a: u + xi * o * c, b: dm + xi * o * tc, c: v + xi * c * tc)
                }
                transformInputGradient(v, plan: plan, images: images, buffers: buffers, into: dx)
                inputGradientEpilogue.apply(dx, channels: c, plane: plan.height * plan.width, images: images)
            }
        }
        guard let weightGrad else { return }
        finishWeightGradient(dy, plan: plan, batch: n, lanes: lanes, workspace: workspace, weightGrad: weightGrad,
                             biasGrad: biasGrad)
    }

    /// After the lanes have their partial `dU`: `biasGrad += Σ dy` per channel, the partials
    /// summed in lane order into lane 0's, then `weightGrad += Gᵀ dU G`.
    static func finishWeightGradient(_ dy: UnsafePointer<Float>, plan: Plan, batch n: Int, lanes: Int,
                                     workspace: UnsafeMutablePointer<Float>, weightGrad: UnsafeMutablePointer<Float>,
                                     biasGrad: UnsafeMutablePointer<Float>?) {
        if let biasGrad {
            Im2Col.sumChannels(dy, images: n, channels: plan.outChannels, plane: plan.height * plan.width, into: biasGrad)
        }
        Convolution.sumLanePartials(plan.transformedWeights, lanes: lanes) { plan.partialGradient(workspace, lane: $0) }
        transformWeightGradient(plan.partialGradient(workspace, lane: 0), plan: plan, into: weightGrad)
    }

    /// `dx [n, C, H, W]` of a fused plan: the fused kernel on `dy` with the filters flipped and
    /// transposed (`W′[c, o] = flip(W[o, c])`, `[C, O, 3, 3]`) and transformed, written after the
    /// lanes' scratch, which the kernel then reuses; `epilogue` on each image of `dx` as it is written.
    static func fusedInputGradient(_ dy: UnsafePointer<Float>, weight: UnsafePointer<Float>, plan: Plan, batch n: Int,
                                   workspace: UnsafeMutablePointer<Float>, epilogue: OutputEpilogue,
                                   into dx: UnsafeMutablePointer<Float>) {
        let o = plan.outChannels, c = plan.channels
        let flipped = workspace + plan.transformedWeights + plan.lanes * plan.laneScratch, transformed = flipped + 9 * o * c
        WinogradF4.flipFilters(weight, outChannels: o, channels: c, into: flipped)
        transformWeights(flipped, filters: o * c, into: transformed)
        FusedWinograd.forward(dy, transformed: transformed, bias: nil, epilogue: epilogue, channels: o, outChannels: c,
                              height: plan.height, width: plan.width, batch: n, lanes: plan.lanes,
                              scratch: workspace + plan.transformedWeights, scratchStride: plan.laneScratch, into: dx)
    }

    // MARK: - Lanes

    /// Runs `body(lane, images)` on `min(plan.lanes, n)` threads with unsplit products meanwhile;
    /// one lane runs on the calling thread, where large products may be split.
    /// `products` is 1 for the forward, 2 for a backward with both gradients (the lanes' cost:
    /// 16 products of `O·C` per tile, i.e. 4·O·C multiply-accumulates per output pixel).
    static func inLanes(_ plan: Plan, batch n: Int, products: Int, _ body: (Int, Range<Int>) -> Void) {
        let lanes = min(plan.lanes, n)
        if lanes <= 1 {
            body(0, 0..<n)
            return
        }
        let pixels = n * plan.height * plan.width
        let cost = RegionCost.multiplyAdds(products * 4 * pixels * plan.outChannels * plan.channels,
                                           bytes: 4 * pixels * (plan.channels + plan.outChannels))
        Convolution.inLanes(lanes, batch: n, cost: cost, body)
    }

    static func forEachChunk(of range: Range<Int>, _ size: Int, _ body: (Range<Int>) -> Void) {
        Convolution.forEachChunk(of: range, size, body)
    }
}
