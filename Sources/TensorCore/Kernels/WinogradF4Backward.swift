import CFusedKernels

/// The training backward of `WinogradF4` F(4×4, 3×3): the weight gradient by Winograd's
/// transposed algorithm and the input gradient as the F(4×4) forward of `dy` with the filters
/// flipped and transposed.
///
/// Weight gradient, with the forward's `V[ξ] (C, T) = Bᵀ d B` recomputed from `x`:
///
///     dM[ξ] (O, T)  = A dy Aᵀ                   output-gradient transform, per (o, tile): 4×4 → 6×6
///     dU[ξ] (O, C) += dM[ξ] · V[ξ]ᵀ             36 GEMMs per chunk, one partial dU per lane
///     dW           += Gᵀ dU G                    weight-gradient transform, per (o, c): 6×6 → 3×3
///
/// (`A` is the 6×4 transpose of the forward's `Aᵀ`; this is the exact adjoint of `y = Aᵀ (U ⊙ V) A`
/// summed over tiles.) Input gradient: for a 3×3 kernel with stride 1 and padding 1,
/// `dx[c] = Σ_o conv(dy[o], flip(W[o, c]))` with the same padding, so `dx` is `WinogradF4.forward`
/// of `dy` with the filters `W′[c, o] = flip(W[o, c])` and a plan whose channels are swapped
/// (`Plan.inputGradientPlan`). Both sides have F(4×4)'s float error (the transforms scale by up
/// to 8 and 1/24): tests bound them against the double-precision direct gradients
/// (`WinogradF4BackwardTests`), and the layer's finite-difference check runs on this path.
///
/// Lanes and chunks as in the forward; the lanes' partial `dU` are summed in lane order, so
/// results are bit-identical run to run for one thread count.
///
/// Workspace (floats, `Plan.backwardWorkspaceCount`): for the weight gradient lane 0's partial
/// `dU [36, O, C]`, then per lane the forward's scratch (`V`, `dM` in the place of `M`, row
/// buffers), then the partial `dU` of lanes 1…; for the input gradient (afterwards, reusing the
/// memory) the flipped filters `[C, O, 3, 3]` followed by the input-gradient plan's workspace
/// (with the C weight transforms the flipped filters are not written: `transformFlippedWeights`
/// puts their transform straight at the start of the input-gradient plan's workspace, and the
/// first `9·O·C` floats stay unused).
extension WinogradF4 {
    /// Backward: accumulates `weightGrad [O, C, 3, 3]` (and `biasGrad [O]`) and writes `dx [n, C,
    /// H, W]` when given. `x` is the forward's input; `inputGradientPlan` is
    /// `plan.inputGradientPlan(batch:threads:budget:)`. Without `weightGrad` (then no `biasGrad` either) only `dx` is
    /// computed.
    public static func backward(_ x: UnsafePointer<Float>, gradOutput dy: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                weightGrad: UnsafeMutablePointer<Float>?, biasGrad: UnsafeMutablePointer<Float>?,
                                plan: Plan, inputGradientPlan: Plan, batch n: Int, workspace: UnsafeMutablePointer<Float>,
                                gradInput dx: UnsafeMutablePointer<Float>?) {
        precondition(weightGrad != nil || biasGrad == nil, "WinogradF4 backward: a bias gradient without the weight gradient")
        precondition(inputGradientPlan.channels == plan.outChannels && inputGradientPlan.outChannels == plan.channels
                     && inputGradientPlan.height == plan.height && inputGradientPlan.width == plan.width,
                     "WinogradF4 backward: the input-gradient plan does not mirror the plan")
        let o = plan.outChannels, c = plan.channels
        if let weightGrad {
            let lanes = min(plan.lanes, n)
            let run = { (lane: Int, share: Range<Int>) in
                let scratch = plan.backwardLaneScratch(workspace, lane: lane)
                let du = plan.partialGradient(workspace, lane: lane)
                du.update(repeating: 0, count: plan.transformedWeights)
                Convolution.forEachChunk(of: share, plan.imagesPerChunk) { images in
                    let tc = images.count * plan.tilesPerImage
                    let v = scratch, dm = scratch + 36 * c * tc
                    let rows = scratch + 36 * (c + o) * plan.imagesPerChunk * plan.tilesPerImage
                    transformInput(x, plan: plan, images: images, rows: rows, into: v)
                    transformOutputGradient(dy, plan: plan, images: images, rows: rows, into: dm)
                    for xi in 0..<36 {
                        GEMM.multiply(transB: true, m: o, n: c, k: tc, a: dm + xi * o * tc, b: v + xi * c * tc, beta: 1,
                                      c: du + xi * o * c)
                    }
                }
            }
            if lanes <= 1 {
                run(0, 0..<n)
            } else {
                let cost = RegionCost.multiplyAdds(plan.productMACs(batch: n), bytes: 4 * n * plan.height * plan.width * (c + o))
                Convolution.inLanes(lanes, batch: n, cost: cost, run)
            }
            // dU = Σ lanes (in lane order) into lane 0's partial, then dW += Gᵀ dU G.
            Convolution.sumLanePartials(plan.transformedWeights, lanes: lanes) { plan.partialGradient(workspace, lane: $0) }
            transformWeightGradient(plan.partialGradient(workspace, lane: 0), plan: plan, into: weightGrad)
            if let biasGrad {
                Im2Col.sumChannels(dy, images: n, channels: o, plane: plan.height * plan.width, into: biasGrad)
            }
        }
        if let dx {
            if vectorTransforms {
                let u = workspace + 9 * o * c
                transformFlippedWeights(weight, outChannels: o, channels: c, into: u)
                forwardTransformed(dy, bias: nil, epilogue: .none, plan: inputGradientPlan, batch: n, workspace: u, into: dx)
            } else {
                let flipped = workspace
                flipFilters(weight, outChannels: o, channels: c, into: flipped)
                forward(dy, weight: flipped, bias: nil, plan: inputGradientPlan, batch: n, workspace: workspace + 9 * o * c, into: dx)
            }
        }
    }

    /// `W′[c, o, a, b] = W[o, c, 2 − a, 2 − b]`: the filters of the input gradient as a forward
    /// convolution (`[O, C, 3, 3]` → `[C, O, 3, 3]`).
    static func flipFilters(_ weight: UnsafePointer<Float>, outChannels o: Int, channels c: Int,
                            into flipped: UnsafeMutablePointer<Float>) {
        Parallel.forEachChunk(c, costPerItem: 9 * o) { _, inputs in
            for ci in inputs {
                for oi in 0..<o {
                    let src = weight + 9 * (oi * c + ci), dst = flipped + 9 * (ci * o + oi)
                    for k in 0..<9 { dst[k] = src[8 - k] }
                }
            }
        }
    }

    /// `dM[ξ][o][t] = (A dy Aᵀ)[ξ]` for the 4×4 output-gradient tile of every tile `t` of `images`
    /// (rows and columns outside the image count as 0), with
    ///
    ///     A = [1 0 0 0; 1 1 1 1; 1 −1 1 −1; 1 2 4 8; 1 −2 4 −8; 0 0 0 1]   (6×4, the transpose of Aᵀ)
    ///
    /// Per output channel, first **down** every tile row of the chunk: `Q_i = Σ_r A[i][r] dy_row(4ty + r)`
    /// into six buffers, each holding the chunk's tile rows back to back with `4·tilesWide` columns
    /// (columns ≥ W stay zero), so tile `t` of the chunk owns entries `4t … 4t + 3`; then **across**,
    /// flat over the chunk's tiles: `dM[6i + j][t] = Σ_s A[j][s] Q_i[4t + s]` (`loadQuarters` splits
    /// a run of tiles into their four columns). `rows`: the lane's row buffers (the forward's).
    ///
    /// With AVX-512 (`vectorTransforms`) the C kernel `masklab_f4_output_gradient_transform`
    /// (16 tiles per vector, the planes prefetched); elsewhere `transformOutputGradientPortable`.
    /// Both give the same bits (`WinogradF4BackwardTests`).
    @inline(__always)
    static func transformOutputGradient(_ dy: UnsafePointer<Float>, plan: Plan, images: Range<Int>,
                                        rows: UnsafeMutablePointer<Float>, into dm: UnsafeMutablePointer<Float>) {
        if vectorTransforms {
            masklab_f4_output_gradient_transform(dy, plan.outChannels, plan.height, plan.width, images.lowerBound, images.count,
                                                 rows, dm)
        } else {
            transformOutputGradientPortable(dy, plan: plan, images: images, rows: rows, into: dm)
        }
    }

    /// `transformOutputGradient` in Swift SIMD, the C kernel's reference twin: the same values, the same bits.
    static func transformOutputGradientPortable(_ dy: UnsafePointer<Float>, plan: Plan, images: Range<Int>,
                                                rows: UnsafeMutablePointer<Float>, into dm: UnsafeMutablePointer<Float>) {
        let o = plan.outChannels, h = plan.height, w = plan.width, th = plan.tilesHigh, tw = plan.tilesWide
        let tc = images.count * plan.tilesPerImage, ld = o * tc, span = 4 * tc
        let zeroRow = rows + 6 * span
        zeroRow.update(repeating: 0, count: w)
        let zero = UnsafePointer(zeroRow)
        // Columns W … 4·tilesWide − 1 of every tile row are never written below: they stay zero.
        if 4 * tw != w { rows.update(repeating: 0, count: 6 * span) }
        for ch in 0..<o {
            for (j, image) in images.enumerated() {
                let plane = dy + (image * o + ch) * h * w
                func row(_ y: Int) -> UnsafePointer<Float> { y < h ? plane + y * w : zero }
                for ty in 0..<th {
                    let r0 = row(4 * ty), r1 = row(4 * ty + 1), r2 = row(4 * ty + 2), r3 = row(4 * ty + 3)
                    let p0 = rows + (j * th + ty) * 4 * tw, p1 = p0 + span, p2 = p1 + span
                    let p3 = p2 + span, p4 = p3 + span, p5 = p4 + span
                    @inline(__always) func down<V: LaneValue>(_: V.Type, _ k: Int) {
                        aTimes(V.load(r0 + k), V.load(r1 + k), V.load(r2 + k), V.load(r3 + k),
                               into: p0 + k, p1 + k, p2 + k, p3 + k, p4 + k, p5 + k)
                    }
                    laneSweep(w, { down(SIMD8<Float>.self, $0) }, { down(SIMD4<Float>.self, $0) }, { down(Float.self, $0) })
                }
            }
            for i in 0..<6 {
                let q = UnsafePointer(rows + i * span)
                let o0 = dm + 6 * i * ld + ch * tc, o1 = o0 + ld, o2 = o1 + ld, o3 = o2 + ld, o4 = o3 + ld, o5 = o4 + ld
                @inline(__always) func across<V: LaneValue>(_: V.Type, _ t: Int) {
                    let (e0, e1, e2, e3) = V.loadQuarters(q + 4 * t)
                    aTimes(e0, e1, e2, e3, into: o0 + t, o1 + t, o2 + t, o3 + t, o4 + t, o5 + t)
                }
                laneSweep(tc, { across(SIMD8<Float>.self, $0) }, { across(SIMD4<Float>.self, $0) }, { across(Float.self, $0) })
            }
        }
    }

    /// Stores `A · (a0, a1, a2, a3)ᵀ`, the six rows of `A` applied to four values (a column or row
    /// of an output-gradient tile), at `p0 … p5`.
    @inline(__always)
    static func aTimes<V: LaneValue>(_ a0: V, _ a1: V, _ a2: V, _ a3: V, into p0: UnsafeMutablePointer<Float>,
                                     _ p1: UnsafeMutablePointer<Float>, _ p2: UnsafeMutablePointer<Float>,
                                     _ p3: UnsafeMutablePointer<Float>, _ p4: UnsafeMutablePointer<Float>,
                                     _ p5: UnsafeMutablePointer<Float>) {
        let even = a0 + a2, odd = a1 + a3, evenFour = a0 + V.splat(4) * a2, oddEight = V.splat(2) * a1 + V.splat(8) * a3
        a0.store(p0)
        (even + odd).store(p1)
        (even - odd).store(p2)
        (evenFour + oddEight).store(p3)
        (evenFour - oddEight).store(p4)
        a3.store(p5)
    }

    /// Three vectors: `Gᵀ · (d0 … d5)ᵀ`, one column (or row) of a 3×3 filter gradient, for eight filters.
    typealias Three = (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>)

    /// `Gᵀ d` for the six values of a row or column of a transformed gradient, with
    /// `Gᵀ = [¼ −⅙ −⅙ 1⁄24 1⁄24 0; 0 −⅙ ⅙ 1⁄12 −1⁄12 0; 0 −⅙ −⅙ ⅙ ⅙ 1]`.
    @inline(__always)
    static func gTransposedTimes(_ d0: SIMD8<Float>, _ d1: SIMD8<Float>, _ d2: SIMD8<Float>, _ d3: SIMD8<Float>,
                                 _ d4: SIMD8<Float>, _ d5: SIMD8<Float>) -> Three {
        let sixth: Float = 1.0 / 6
        let s12 = d1 + d2, s34 = d3 + d4
        return (d0 * 0.25 - s12 * sixth + s34 * (1.0 / 24),
                (d2 - d1) * sixth + (d3 - d4) * (1.0 / 12),
                (s34 - s12) * sixth + d5)
    }

    /// `weightGrad[o, c] += Gᵀ dU[·][o][c] G` for every filter, from `dU [36, O, C]` (ξ = 6i + j),
    /// spread over the threads; every filter is written by one block, so the sums do not depend on
    /// the split.
    ///
    /// With AVX-512 (`vectorTransforms`) the C kernel `masklab_f4_weight_gradient_transform` (16
    /// filters per vector); elsewhere `transformWeightGradientPortable`. Both give the same bits
    /// (`WinogradF4WeightTransformTests`).
    static func transformWeightGradient(_ du: UnsafePointer<Float>, plan: Plan, into weightGrad: UnsafeMutablePointer<Float>) {
        let oc = plan.outChannels * plan.channels
        guard vectorTransforms else { return transformWeightGradientPortable(du, plan: plan, into: weightGrad) }
        forEachFilterBlock(oc) { first, count in masklab_f4_weight_gradient_transform(du, oc, first, count, weightGrad) }
    }

    /// `transformWeightGradient` in Swift SIMD, the C kernel's reference twin: eight filters at a
    /// time in `SIMD8` lanes (a partial block padded with zeros).
    static func transformWeightGradientPortable(_ du: UnsafePointer<Float>, plan: Plan, into weightGrad: UnsafeMutablePointer<Float>) {
        let oc = plan.outChannels * plan.channels
        Parallel.forEachChunk((oc + 7) / 8, costPerItem: 8 * 64) { _, blocks in
            for block in blocks {
                let f = 8 * block, width = min(8, oc - f)
                @inline(__always) func load(_ xi: Int) -> SIMD8<Float> {
                    let src = du + xi * oc + f
                    if width == 8 { return UnsafeRawPointer(src).loadUnaligned(as: SIMD8<Float>.self) }
                    var v = SIMD8<Float>()
                    for l in 0..<width { v[l] = src[l] }
                    return v
                }
                // t = Gᵀ D down each column j of D (rows i = 0…5), giving t's three rows; then row a
                // of the filter gradient is Gᵀ applied to row a of t (its six columns).
                @inline(__always) func column(_ j: Int) -> Three {
                    gTransposedTimes(load(j), load(6 + j), load(12 + j), load(18 + j), load(24 + j), load(30 + j))
                }
                let t0 = column(0), t1 = column(1), t2 = column(2), t3 = column(3), t4 = column(4), t5 = column(5)
                let g0 = gTransposedTimes(t0.0, t1.0, t2.0, t3.0, t4.0, t5.0)
                let g1 = gTransposedTimes(t0.1, t1.1, t2.1, t3.1, t4.1, t5.1)
                let g2 = gTransposedTimes(t0.2, t1.2, t2.2, t3.2, t4.2, t5.2)
                for l in 0..<width {
                    let dst = weightGrad + 9 * (f + l)
                    dst[0] += g0.0[l]; dst[1] += g0.1[l]; dst[2] += g0.2[l]
                    dst[3] += g1.0[l]; dst[4] += g1.1[l]; dst[5] += g1.2[l]
                    dst[6] += g2.0[l]; dst[7] += g2.1[l]; dst[8] += g2.2[l]
                }
            }
        }
    }
}
