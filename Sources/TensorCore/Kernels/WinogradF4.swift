import CFusedKernels

/// The forward of 3×3 convolutions with stride 1 and padding 1 by Winograd's
/// F(4×4, 3×3): 36 products per 4×4 output tile, 2.25 multiply-accumulates per output pixel and
/// input channel against 4 for `Winograd` F(2×2, 3×3) and 9 for the direct convolution.
///
/// Inference passes use it for every 3×3 stride-1 layer with ≥ 64 input channels; training uses it
/// (with `WinogradF4Backward.swift`) where `Plan.trainingApplies` (≥ 64 channels on both sides and
/// maps ≥ 13 wide, or ≥ 256 channels), unless the workspace turns it off
/// (`ConvolutionWorkspace.winogradF4Training`). The larger tile costs accuracy: the transforms multiply by up to 8 and
/// 1/24, so outputs differ from the exact convolution by a few units in the 5th significant
/// digit where F(2×2) differs in the 7th (tests bound the error against the double-precision
/// direct convolution `ReferenceLayers.conv2d`, its plain twin).
///
/// The output is cut into 4×4 tiles (`T = ⌈H/4⌉·⌈W/4⌉` per image); tile `(ty, tx)` reads the
/// 6×6 input patch at rows `4ty − 1 … 4ty + 4`, columns `4tx − 1 … 4tx + 4` (0 outside). With
/// Lavin & Gray's matrices (interpolation points 0, ±1, ±2, ∞)
///
///     Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1]
///     G  = [¼ 0 0; −⅙ −⅙ −⅙; −⅙ ⅙ −⅙; 1⁄24 1⁄12 ⅙; 1⁄24 −1⁄12 ⅙; 0 0 1]
///     Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1]
///
/// and ξ = 6i + j (i the row, j the column of the 6×6 transformed tile):
///
///     U[ξ] (O, C)  = G g Gᵀ                  weight transform, per (o, c)
///     V[ξ] (C, T)  = Bᵀ d Bᵀᵀ                 input transform, per (c, tile)
///     M[ξ] (O, T)  = U[ξ] · V[ξ]              36 GEMMs
///     y tile       = Aᵀ M A (+ bias), then the epilogue
///
/// Lanes and chunks as in `Winograd` (one lane per core with single-threaded products; the split
/// depends only on the sizes), so results are bit-identical run to run for one thread count.
/// Workspace (floats): `U [36, O, C]`, then per lane `V [36, C, Tc]`, `M [36, O, Tc]` and the
/// transforms' row buffers.
public enum WinogradF4 {
    /// How one convolution splits its batch; made once when the layer is prepared.
    public struct Plan: Sendable, Equatable {
        public let channels: Int, outChannels: Int, height: Int, width: Int
        public let tilesHigh: Int, tilesWide: Int
        public let lanes: Int
        public let imagesPerChunk: Int

        /// Whether an inference convolution of this shape goes through F(4×4, 3×3): 3×3, stride
        /// 1, padding 1 and at least `minimumChannels` input channels.
        public static func applies(kernel: Int, stride: Int, padding: Int, inChannels: Int) -> Bool {
            kernel == 3 && stride == 1 && padding == 1 && inChannels >= minimumChannels
        }
        /// Below this, F(2×2) stays faster: the products save `O·C` work per pixel, the larger
        /// transforms cost extra work per pixel and channel, so narrow layers lose. Profiled
        /// (perf, CPU samples of the inference passes, loaded machine): ResNet-18 width 64 (64–512
        /// channels) took 0.85× the CPU time with F(4×4) everywhere, width 16 (16–128) 1.00×, its
        /// transforms growing from 38% to 47% of the pass while the products fell from 41% to 28%.
        public static let minimumChannels = 64

        /// Whether a training convolution of this shape goes through F(4×4, 3×3) (forward and
        /// `backward`): 3×3, stride 1, padding 1, at least `minimumChannels` input and output
        /// channels (the input gradient is a forward with the two swapped), and either at least
        /// four tiles across (`width` ≥ 13) or at least `minimumChannelsOnSmallMaps` channels.
        /// On maps one or two tiles wide the transforms' passes over tile rows run one or two
        /// lanes wide, so only very wide layers gain: measured (perf, 1 thread, session 11) on
        /// ResNet-18 width 16, F(4×4) on its 64-channel 8×8 and 128-channel 4×4 layers made the
        /// training step 1.5–3.5% slower (F(4×4) transforms +10% of the samples, products and
        /// F(2×2) transforms −9%), while Conv-2 and Conv-6 (64–256 channels, 32×32 to 8×8)
        /// trained 19–21% faster.
        public static func trainingApplies(kernel: Int, stride: Int, padding: Int, inChannels: Int, outChannels: Int,
                                           width: Int) -> Bool {
            let narrowest = min(inChannels, outChannels)
            return kernel == 3 && stride == 1 && padding == 1 && narrowest >= minimumChannels
                && ((width + 3) / 4 >= 4 || narrowest >= minimumChannelsOnSmallMaps)
        }
        /// The fewest channels with which a map one to three tiles wide trains with F(4×4): where
        /// the products (`36·O·C` per tile) dwarf the transforms (`∝ O + C`), as at ResNet-18
        /// width 64's 256- and 512-channel stages.
        public static let minimumChannelsOnSmallMaps = 256

        /// Plans for batches up to `batch` with `threads` cores and `budget` scratch floats (a
        /// chunk still gets `Winograd.Plan.minimumTiles` tiles when the lane has that many).
        public init(channels: Int, outChannels: Int, height: Int, width: Int, batch: Int, threads: Int, budget: Int,
                    lanes: Int? = nil) {
            self.channels = channels
            self.outChannels = outChannels
            self.height = height
            self.width = width
            tilesHigh = (height + 3) / 4
            tilesWide = (width + 3) / 4
            let l = max(1, min(lanes ?? (batch >= 2 * threads ? threads : 1), batch))
            self.lanes = l
            let tiles = tilesHigh * tilesWide
            let perImage = 36 * tiles * (channels + outChannels)
            let perLane = (batch + l - 1) / l
            let fitting = budget / l / max(perImage, 1)
            let amortising = (Winograd.Plan.minimumTiles + tiles - 1) / tiles
            imagesPerChunk = max(1, min(perLane, max(fitting, amortising)))
        }

        public var tilesPerImage: Int { tilesHigh * tilesWide }
        var transformedWeights: Int { 36 * outChannels * channels }
        /// Floats of one tile row's input row buffer: columns −1 … 4·tilesWide + 2 and a vector's overhang.
        var rowBuffer: Int { 4 * tilesWide + 4 + 16 }
        /// Floats of the six input row buffers of a chunk (one `rowBuffer` per tile row each) and the
        /// zero row, or of the vector transform's flat rows (`masklab_f4_transform_scratch`), whichever is more.
        var inputBuffers: Int {
            max(6 * imagesPerChunk * tilesHigh * rowBuffer + width, masklab_f4_transform_scratch(imagesPerChunk * tilesPerImage))
        }
        /// Floats of one output row buffer: 4 columns for every tile of a chunk.
        var outputBuffer: Int { 4 * imagesPerChunk * tilesPerImage + 16 }
        /// Floats of the six output row buffers, or of the vector transform's flat rows, whichever is more.
        var outputBuffers: Int { max(6 * outputBuffer, masklab_f4_transform_scratch(imagesPerChunk * tilesPerImage)) }
        /// One lane: `V`, `M` (chunk-sized), the input row buffers and zero row, the output row buffers.
        var laneScratch: Int {
            36 * imagesPerChunk * tilesPerImage * (channels + outChannels) + inputBuffers + outputBuffers
        }
        /// Workspace floats the plan needs.
        public var workspaceCount: Int { transformedWeights + lanes * laneScratch }
        /// Multiply-accumulates of the products for `n` images (for the thread cost model).
        func productMACs(batch n: Int) -> Int { 36 * n * tilesPerImage * outChannels * channels }

        /// The plan of the training backward's input gradient (`backward`): the forward of `dy`,
        /// so input and output channels swapped, the same lanes, chunks sized for its own scratch.
        public func inputGradientPlan(batch: Int, threads: Int, budget: Int) -> Plan {
            Plan(channels: outChannels, outChannels: channels, height: height, width: width, batch: batch, threads: threads,
                 budget: budget, lanes: lanes)
        }
        /// Workspace floats `backward` needs with `inputGradientPlan`: the larger of the weight
        /// gradient's (a partial `dU` and the forward's scratch per lane) and the input gradient's
        /// (the flipped filters, or the unused room for them with the C weight transforms, and the
        /// input-gradient plan's workspace).
        public func backwardWorkspaceCount(inputGradientPlan: Plan) -> Int {
            max(lanes * (transformedWeights + laneScratch), 9 * outChannels * channels + inputGradientPlan.workspaceCount)
        }
        /// A lane's `V`, `dM` and row buffers in the weight-gradient pass (where the forward has them).
        func backwardLaneScratch(_ workspace: UnsafeMutablePointer<Float>, lane: Int) -> UnsafeMutablePointer<Float> {
            workspace + transformedWeights + lane * laneScratch
        }
        /// A lane's partial `dU [36, O, C]`: lane 0's where the forward keeps `U`, the others after every lane's scratch.
        func partialGradient(_ workspace: UnsafeMutablePointer<Float>, lane: Int) -> UnsafeMutablePointer<Float> {
            lane == 0 ? workspace : workspace + transformedWeights + lanes * laneScratch + (lane - 1) * transformedWeights
        }
    }

    /// Forward: `y [n, O, H, W]` from `x [n, C, H, W]`, `weight [O, C, 3, 3]`, optional `bias [O]`,
    /// each output value passed through `epilogue` as the output transform stores it.
    public static func forward(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                               epilogue: OutputEpilogue = .none, plan: Plan, batch n: Int,
                               workspace: UnsafeMutablePointer<Float>, into y: UnsafeMutablePointer<Float>) {
        transformWeights(weight, plan: plan, into: workspace)
        forwardTransformed(x, bias: bias, epilogue: epilogue, plan: plan, batch: n, workspace: workspace, into: y)
    }

    /// `forward` with the transformed filters `U [36, O, C]` already at the start of `workspace`
    /// (the input gradient's, transformed from the unflipped filters, `WinogradF4Backward`).
    static func forwardTransformed(_ x: UnsafePointer<Float>, bias: UnsafePointer<Float>?, epilogue: OutputEpilogue,
                                   plan: Plan, batch n: Int, workspace: UnsafeMutablePointer<Float>,
                                   into y: UnsafeMutablePointer<Float>) {
        let u = workspace, o = plan.outChannels, c = plan.channels
        let lanes = min(plan.lanes, n)
        let cost = RegionCost.multiplyAdds(plan.productMACs(batch: n), bytes: 4 * n * plan.height * plan.width * (c + o))
        let run = { (lane: Int, share: Range<Int>) in
            let scratch = workspace + plan.transformedWeights + lane * plan.laneScratch
            Convolution.forEachChunk(of: share, plan.imagesPerChunk) { images in
                let tc = images.count * plan.tilesPerImage
                let v = scratch, m = scratch + 36 * c * tc
                let rows = scratch + 36 * (c + o) * plan.imagesPerChunk * plan.tilesPerImage
                transformInput(x, plan: plan, images: images, rows: rows, into: v)
                for xi in 0..<36 {
                    GEMM.multiply(m: o, n: tc, k: c, a: u + xi * o * c, b: v + xi * c * tc, c: m + xi * o * tc)
                }
                transformOutput(m, plan: plan, images: images, bias: bias, epilogue: epilogue,
                                rows: rows + plan.inputBuffers, into: y)
            }
        }
        if lanes <= 1 { run(0, 0..<n) } else { Convolution.inLanes(lanes, batch: n, cost: cost, run) }
    }

    // MARK: - Transforms

    /// Six vectors: one column (or row) of a transformed filter, for eight filters.
    typealias Six = (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>)

    /// `G · (a, b, d)ᵀ`: the six rows of G applied to three values (a column or row of a filter).
    @inline(__always)
    static func gTimes(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ d: SIMD8<Float>) -> Six {
        let s = a + d, sixth: Float = 1.0 / 6
        let e = a * (1.0 / 24) + d * sixth, f = b * (1.0 / 12)
        return (a * 0.25, -(s + b) * sixth, -(s - b) * sixth, e + f, e - f, d)
    }

    /// `U[ξ][o][c] = (G g Gᵀ)[ξ]` for every 3×3 filter `g = weight[o, c]`, spread over the threads.
    ///
    /// With AVX-512 (`vectorTransforms`) the C kernel `masklab_f4_weight_transform` (16 filters
    /// per vector); elsewhere `transformWeightsPortable`. Both give the same bits
    /// (`WinogradF4WeightTransformTests`).
    static func transformWeights(_ weight: UnsafePointer<Float>, plan: Plan, into u: UnsafeMutablePointer<Float>) {
        let oc = plan.outChannels * plan.channels
        guard vectorTransforms else { return transformWeightsPortable(weight, plan: plan, into: u) }
        forEachFilterBlock(oc) { first, count in masklab_f4_weight_transform(weight, oc, first, count, u) }
    }

    /// Runs `body(first, count)` on the threads' shares of `filters` filters, cut at multiples of
    /// 16 (the C weight kernels' vector), so that no two calls write the same block.
    static func forEachFilterBlock(_ filters: Int, _ body: (_ first: Int, _ count: Int) -> Void) {
        Parallel.forEachChunk((filters + 15) / 16, costPerItem: 16 * 64) { _, blocks in
            let first = 16 * blocks.lowerBound
            body(first, min(filters, 16 * blocks.upperBound) - first)
        }
    }

    /// The input gradient's transformed filters `U′[ξ][c][o] = (G flip(W[o, c]) Gᵀ)[ξ]` (`[36, C, O]`)
    /// straight from `weight [O, C, 3, 3]`, spread over the threads: the C kernel
    /// `masklab_f4_flipped_weight_transform`, the same bits as `flipFilters` followed by
    /// `transformWeightsPortable`. Only with `vectorTransforms`.
    static func transformFlippedWeights(_ weight: UnsafePointer<Float>, outChannels o: Int, channels c: Int,
                                        into u: UnsafeMutablePointer<Float>) {
        precondition(vectorTransforms, "WinogradF4.transformFlippedWeights: the C kernels are off (no AVX-512, or MASKLAB_F4_VECTOR_TRANSFORMS=0)")
        precondition(9 * o * c < Int(Int32.max), "WinogradF4.transformFlippedWeights: \(o)×\(c) filters are too many for 32-bit gather indices")
        forEachFilterBlock(o * c) { first, count in masklab_f4_flipped_weight_transform(weight, o, c, first, count, u) }
    }

    /// `transformWeights` in Swift SIMD, the C kernel's reference twin: eight filters at a time in
    /// `SIMD8` lanes (a partial block padded with zeros), spread over the threads.
    static func transformWeightsPortable(_ weight: UnsafePointer<Float>, plan: Plan, into u: UnsafeMutablePointer<Float>) {
        let oc = plan.outChannels * plan.channels
        Parallel.forEachChunk((oc + 7) / 8, costPerItem: 8 * 64) { _, blocks in
            for block in blocks {
                let filters = FilterBlock(weight, block: block, filters: oc), g = filters.taps
                // t = G g by the columns of g (t's column k is c_k), then U's row i = G (row i of t).
                let c0 = gTimes(g.0, g.3, g.6), c1 = gTimes(g.1, g.4, g.7), c2 = gTimes(g.2, g.5, g.8)
                @inline(__always) func store(_ r: Six, row i: Int) {
                    filters.store(r.0, into: u + (6 * i) * oc); filters.store(r.1, into: u + (6 * i + 1) * oc)
                    filters.store(r.2, into: u + (6 * i + 2) * oc); filters.store(r.3, into: u + (6 * i + 3) * oc)
                    filters.store(r.4, into: u + (6 * i + 4) * oc); filters.store(r.5, into: u + (6 * i + 5) * oc)
                }
                store(gTimes(c0.0, c1.0, c2.0), row: 0)
                store(gTimes(c0.1, c1.1, c2.1), row: 1)
                store(gTimes(c0.2, c1.2, c2.2), row: 2)
                store(gTimes(c0.3, c1.3, c2.3), row: 3)
                store(gTimes(c0.4, c1.4, c2.4), row: 4)
                store(gTimes(c0.5, c1.5, c2.5), row: 5)
            }
        }
    }

    /// `V[ξ][c][t] = (Bᵀ d B)[ξ]` for the 6×6 patch `d` of every tile `t` of `images` (row stride
    /// of `V`: `Tc`, the chunk's tiles). `rows`: the lane's row buffers (`Plan.inputBuffers` floats).
    ///
    /// With AVX-512 (`vectorTransforms`) the C kernel `masklab_f4_input_transform` (16 tiles per
    /// vector, on maps of any width, the planes prefetched); elsewhere `transformInputPortable`. Both give the
    /// same bits (`WinogradF4Tests`).
    @inline(__always)
    static func transformInput(_ x: UnsafePointer<Float>, plan: Plan, images: Range<Int>, rows: UnsafeMutablePointer<Float>,
                               into v: UnsafeMutablePointer<Float>) {
        if vectorTransforms {
            masklab_f4_input_transform(x, plan.channels, plan.height, plan.width, images.lowerBound, images.count, rows, v)
        } else {
            transformInputPortable(x, plan: plan, images: images, rows: rows, into: v)
        }
    }

    /// Whether the transforms run the C kernels of `f4_transforms.c` (`transformInput`,
    /// `transformOutput`, `transformOutputGradient`) and `f4_weight_transforms.c`
    /// (`transformWeights`, `transformFlippedWeights`, `transformWeightGradient`): on CPUs with AVX-512, unless
    /// `MASKLAB_F4_VECTOR_TRANSFORMS=0`. Either way the bits are the same; the switch is there to
    /// measure the kernels against their Swift twins in one binary
    /// (`results/bench/session34-f4-input/`, `results/bench/session35-weight-transforms/`).
    static let vectorTransforms: Bool = FusedWinograd.available && EnvironmentSwitch.isOn("MASKLAB_F4_VECTOR_TRANSFORMS")

    /// "vector" (`vectorTransforms`) or "portable", for the record of a run or benchmark.
    public static var transformKernels: String { vectorTransforms ? "vector" : "portable" }

    /// `transformInput` in Swift SIMD, the C kernel's reference twin: the same values, the same bits.
    /// `rows`: the lane's row buffers and zero row.
    ///
    /// Per channel, first **down** the patch rows `r_k` (image row `4ty − 1 + k`, zero outside) of
    /// every tile row of the chunk, contiguous along the image row, into six row buffers
    /// `P_i = Σ_k Bᵀ[i][k] r_k` (one `rowBuffer` per tile row; entry `col + 1` holds column `col`,
    /// column −1 and columns ≥ W stay zero); then **across** every tile row: tile `tx` reads entries
    /// `4tx … 4tx + 5` of `P_i` (`loadQuarters` splits a run of tiles into their six columns) and
    /// writes `V[6i + j] = Σ_l Bᵀ[j][l] P_i[4tx + l]`. (Finishing the down pass of the whole chunk
    /// first matters: reading a row buffer right after writing it, one float off the stores'
    /// alignment, stalled on store forwarding and made this transform twice as slow.)
    static func transformInputPortable(_ x: UnsafePointer<Float>, plan: Plan, images: Range<Int>, rows: UnsafeMutablePointer<Float>,
                                       into v: UnsafeMutablePointer<Float>) {
        let c = plan.channels, h = plan.height, w = plan.width, th = plan.tilesHigh, tw = plan.tilesWide
        let tc = images.count * plan.tilesPerImage, ld = c * tc, tileRows = images.count * th
        let stride = plan.rowBuffer, bufferStride = stride * plan.imagesPerChunk * th
        let zeroRow = rows + 6 * bufferStride
        zeroRow.update(repeating: 0, count: w)
        let zero = UnsafePointer(zeroRow)
        // Columns −1 and W … of every row buffer stay zero: only entries 1 … W are written below.
        rows.update(repeating: 0, count: 6 * bufferStride)
        for ch in 0..<c {
            for (j, image) in images.enumerated() {
                let plane = x + (image * c + ch) * h * w
                func row(_ y: Int) -> UnsafePointer<Float> { y >= 0 && y < h ? plane + y * w : zero }
                for ty in 0..<th {
                    let r0 = row(4 * ty - 1), r1 = row(4 * ty), r2 = row(4 * ty + 1)
                    let r3 = row(4 * ty + 2), r4 = row(4 * ty + 3), r5 = row(4 * ty + 4)
                    // P_i's entry for column `col` is at `p_i + col`.
                    let p0 = rows + (j * th + ty) * stride + 1, p1 = p0 + bufferStride, p2 = p1 + bufferStride
                    let p3 = p2 + bufferStride, p4 = p3 + bufferStride, p5 = p4 + bufferStride
                    @inline(__always) func down<V: LaneValue>(_: V.Type, _ k: Int) {
                        let a0 = V.load(r0 + k), a1 = V.load(r1 + k), a2 = V.load(r2 + k)
                        let a3 = V.load(r3 + k), a4 = V.load(r4 + k), a5 = V.load(r5 + k)
                        let four = V.splat(4), five = V.splat(5), two = V.splat(2)
                        (four * a0 - five * a2 + a4).store(p0 + k)
                        ((a4 + a3) - four * (a1 + a2)).store(p1 + k)
                        ((a4 - a3) + four * (a1 - a2)).store(p2 + k)
                        ((a4 - a2) + two * (a3 - a1)).store(p3 + k)
                        ((a4 - a2) - two * (a3 - a1)).store(p4 + k)
                        (four * a1 - five * a3 + a5).store(p5 + k)
                    }
                    laneSweep(w, { down(SIMD8<Float>.self, $0) }, { down(SIMD4<Float>.self, $0) }, { down(Float.self, $0) })
                }
            }
            for i in 0..<6 {
                for r in 0..<tileRows {
                    let buffer = UnsafePointer(rows + i * bufferStride + r * stride)   // P_i from column −1
                    let o0 = v + 6 * i * ld + ch * tc + r * tw, o1 = o0 + ld, o2 = o1 + ld, o3 = o2 + ld, o4 = o3 + ld, o5 = o4 + ld
                    @inline(__always) func across<V: LaneValue>(_: V.Type, _ t: Int) {
                        let (d0, d1, d2, d3) = V.loadQuarters(buffer + 4 * t), (d4, d5, _, _) = V.loadQuarters(buffer + 4 * t + 4)
                        let four = V.splat(4), five = V.splat(5), two = V.splat(2)
                        (four * d0 - five * d2 + d4).store(o0 + t)
                        ((d4 + d3) - four * (d1 + d2)).store(o1 + t)
                        ((d4 - d3) + four * (d1 - d2)).store(o2 + t)
                        ((d4 - d2) + two * (d3 - d1)).store(o3 + t)
                        ((d4 - d2) - two * (d3 - d1)).store(o4 + t)
                        (four * d1 - five * d3 + d5).store(o5 + t)
                    }
                    laneSweep(tw, { across(SIMD8<Float>.self, $0) }, { across(SIMD4<Float>.self, $0) }, { across(Float.self, $0) })
                }
            }
        }
    }

    /// `y` tiles `= Aᵀ M A + bias` from `M [36, O, Tc]`, written into NCHW (rows and columns
    /// outside the image dropped), each value passed through `epilogue` as it is stored.
    /// `rows`: the lane's output row buffers (`Plan.outputBuffers` floats).
    ///
    /// Per output channel: **across**, for each `i`, flat over all tiles of the chunk (contiguous
    /// in `M`): `Q_i[4t + s] = Σ_j Aᵀ[s][j] M[6i + j][t]` (`storeQuarters` interleaves the four
    /// columns), so a tile row of an image is a run of `4·tilesWide` output columns; **down**,
    /// along the image rows: output row `4ty + r` is `Σ_i Aᵀ[r][i] Q_i` (+ bias), then the epilogue
    /// on the row while it is in L1.
    ///
    /// With AVX-512 (`vectorTransforms`) the C kernel `masklab_f4_output_transform_channel`
    /// (16 tiles per vector) per output channel, then the epilogue on that channel's planes (still
    /// in cache); elsewhere `transformOutputPortable`. Both give the same bits (`WinogradF4Tests`).
    @inline(__always)
    static func transformOutput(_ m: UnsafePointer<Float>, plan: Plan, images: Range<Int>, bias: UnsafePointer<Float>?,
                                epilogue: OutputEpilogue, rows: UnsafeMutablePointer<Float>, into y: UnsafeMutablePointer<Float>) {
        guard vectorTransforms else {
            transformOutputPortable(m, plan: plan, images: images, bias: bias, epilogue: epilogue, rows: rows, into: y)
            return
        }
        let o = plan.outChannels, plane = plan.height * plan.width, plain = epilogue.isNone
        for ch in 0..<o {
            masklab_f4_output_transform_channel(m, o, plan.height, plan.width, images.lowerBound, images.count, ch, bias?[ch] ?? 0,
                                                rows, y)
            if !plain {
                let e = epilogue.channel(ch)
                for image in images {
                    let at = (image * o + ch) * plane
                    e.apply(y + at, count: plane, at: at)
                }
            }
        }
    }

    /// `transformOutput` in Swift SIMD, the C kernel's reference twin: the same values, the same bits.
    static func transformOutputPortable(_ m: UnsafePointer<Float>, plan: Plan, images: Range<Int>, bias: UnsafePointer<Float>?,
                                        epilogue: OutputEpilogue, rows: UnsafeMutablePointer<Float>,
                                        into y: UnsafeMutablePointer<Float>) {
        let o = plan.outChannels, h = plan.height, w = plan.width, th = plan.tilesHigh, tw = plan.tilesWide
        let tc = images.count * plan.tilesPerImage, ld = o * tc, stride = plan.outputBuffer
        let q0 = rows, q1 = q0 + stride, q2 = q1 + stride, q3 = q2 + stride, q4 = q3 + stride, q5 = q4 + stride
        for ch in 0..<o {
            for i in 0..<6 {
                let d = q0 + i * stride
                let s0 = m + 6 * i * ld + ch * tc, s1 = s0 + ld, s2 = s1 + ld, s3 = s2 + ld, s4 = s3 + ld, s5 = s4 + ld
                @inline(__always) func across<V: LaneValue>(_: V.Type, _ t: Int) {
                    let a0 = V.load(s0 + t), a1 = V.load(s1 + t), a2 = V.load(s2 + t)
                    let a3 = V.load(s3 + t), a4 = V.load(s4 + t), a5 = V.load(s5 + t)
                    let plus12 = a1 + a2, minus12 = a1 - a2, plus34 = a3 + a4, minus34 = a3 - a4
                    V.storeQuarters(a0 + plus12 + plus34, minus12 + V.splat(2) * minus34, plus12 + V.splat(4) * plus34,
                                    minus12 + V.splat(8) * minus34 + a5, d + 4 * t)
                }
                laneSweep(tc, { across(SIMD8<Float>.self, $0) }, { across(SIMD4<Float>.self, $0) }, { across(Float.self, $0) })
            }
            let bv = bias?[ch] ?? 0
            let e = epilogue.channel(ch), plain = epilogue.isNone
            for (j, image) in images.enumerated() {
                let start = (image * o + ch) * h * w
                for ty in 0..<th {
                    let at = (j * th + ty) * 4 * tw
                    let z0 = q0 + at, z1 = q1 + at, z2 = q2 + at, z3 = q3 + at, z4 = q4 + at, z5 = q5 + at
                    let outRows = min(4, h - 4 * ty)
                    @inline(__always) func down<V: LaneValue>(_: V.Type, _ k: Int) {
                        let a0 = V.load(z0 + k), a1 = V.load(z1 + k), a2 = V.load(z2 + k)
                        let a3 = V.load(z3 + k), a4 = V.load(z4 + k), a5 = V.load(z5 + k), b = V.splat(bv)
                        let plus12 = a1 + a2, minus12 = a1 - a2, plus34 = a3 + a4, minus34 = a3 - a4
                        let top = y + start + 4 * ty * w + k
                        (a0 + plus12 + plus34 + b).store(top)
                        if outRows > 1 { (minus12 + V.splat(2) * minus34 + b).store(top + w) }
                        if outRows > 2 { (plus12 + V.splat(4) * plus34 + b).store(top + 2 * w) }
                        if outRows > 3 { (minus12 + V.splat(8) * minus34 + a5 + b).store(top + 3 * w) }
                    }
                    laneSweep(w, { down(SIMD8<Float>.self, $0) }, { down(SIMD4<Float>.self, $0) }, { down(Float.self, $0) })
                    if !plain {
                        for r in 0..<outRows {
                            let at = start + (4 * ty + r) * w
                            e.apply(y + at, count: w, at: at)
                        }
                    }
                }
            }
        }
    }
}
