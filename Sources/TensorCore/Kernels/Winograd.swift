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
/// Workspace layout (floats): `U [16, O, C]`, then per lane `V [16, C, Tc]`, `M [16, O, Tc]`, a
/// partial `dU [16, O, C]` and the transforms' row buffers (Tc: the tiles of one chunk).
public enum Winograd {
    /// How one Winograd convolution splits its batch; made once when the layer is prepared.
    public struct Plan: Sendable, Equatable {
        public let channels: Int, outChannels: Int, height: Int, width: Int
        public let tilesHigh: Int, tilesWide: Int
        public let lanes: Int
        public let imagesPerChunk: Int

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
                    lanes: Int? = nil) {
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
        }

        public var tilesPerImage: Int { tilesHigh * tilesWide }
        /// Spacing of the transforms' row buffers (a tile row's even or odd patch columns, plus room
        /// for one shifted entry and a vector's overhang).
        var rowStride: Int { tilesWide + 16 }
        /// Floats of one lane's row buffers.
        var rowScratch: Int { 16 * rowStride }
        var transformedWeights: Int { 16 * outChannels * channels }
        /// One lane: `V`, `M` (chunk-sized), its partial `dU`, its row buffers.
        var laneScratch: Int { 16 * imagesPerChunk * tilesPerImage * (channels + outChannels) + transformedWeights + rowScratch }
        func partialGradient(_ workspace: UnsafeMutablePointer<Float>, lane: Int) -> UnsafeMutablePointer<Float> {
            workspace + transformedWeights + lane * laneScratch + 16 * imagesPerChunk * tilesPerImage * (channels + outChannels)
        }
        func rowBuffers(_ workspace: UnsafeMutablePointer<Float>, lane: Int) -> UnsafeMutablePointer<Float> {
            partialGradient(workspace, lane: lane) + transformedWeights
        }
        /// Workspace floats the plan needs.
        public var workspaceCount: Int { transformedWeights + lanes * laneScratch }
    }

    /// Forward: `y [n, O, H, W]` from `x [n, C, H, W]`, `weight [O, C, 3, 3]`, optional `bias [O]`.
    public static func forward(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                               plan: Plan, batch n: Int, workspace: UnsafeMutablePointer<Float>,
                               into y: UnsafeMutablePointer<Float>) {
        let u = workspace
        transformWeights(weight, plan: plan, into: u)
        inLanes(plan, batch: n) { lane, share in
            let scratch = workspace + plan.transformedWeights + lane * plan.laneScratch
            let rows = plan.rowBuffers(workspace, lane: lane)
            forEachChunk(of: share, plan.imagesPerChunk) { images in
                let tc = images.count * plan.tilesPerImage
                let v = scratch, m = scratch + 16 * plan.channels * tc
                transformInput(x, plan: plan, images: images, rows: rows, into: v)
                for xi in 0..<16 {
                    GEMM.multiply(m: plan.outChannels, n: tc, k: plan.channels, a: u + xi * plan.outChannels * plan.channels,
                                  b: v + xi * plan.channels * tc, c: m + xi * plan.outChannels * tc)
                }
                transformOutput(m, plan: plan, images: images, bias: bias, rows: rows, into: y)
            }
        }
    }

    /// Backward: accumulates `weightGrad [O, C, 3, 3]` (and `biasGrad [O]`) and writes `dx
    /// [n, C, H, W]` when given. `x` is the forward's input (its transform is recomputed).
    public static func backward(_ x: UnsafePointer<Float>, gradOutput dy: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                weightGrad: UnsafeMutablePointer<Float>, biasGrad: UnsafeMutablePointer<Float>?,
                                plan: Plan, batch n: Int, workspace: UnsafeMutablePointer<Float>,
                                gradInput dx: UnsafeMutablePointer<Float>?) {
        let u = workspace, o = plan.outChannels, c = plan.channels
        transformWeights(weight, plan: plan, into: u)
        let lanes = min(plan.lanes, n)
        inLanes(plan, batch: n) { lane, share in
            let scratch = workspace + plan.transformedWeights + lane * plan.laneScratch
            let du = plan.partialGradient(workspace, lane: lane), rows = plan.rowBuffers(workspace, lane: lane)
            du.update(repeating: 0, count: plan.transformedWeights)
            forEachChunk(of: share, plan.imagesPerChunk) { images in
                let tc = images.count * plan.tilesPerImage
                let v = scratch, dm = scratch + 16 * c * tc
                transformInput(x, plan: plan, images: images, rows: rows, into: v)
                transformOutputGradient(dy, plan: plan, images: images, rows: rows, into: dm)
                for xi in 0..<16 {
                    GEMM.multiply(transB: true, m: o, n: c, k: tc, a: dm + xi * o * tc, b: v + xi * c * tc, beta: 1,
                                  c: du + xi * o * c)
                }
                guard let dx else { return }
                for xi in 0..<16 {
                    GEMM.multiply(transA: true, m: c, n: tc, k: o, a: u + xi * o * c, b: dm + xi * o * tc, c: v + xi * c * tc)
                }
                transformInputGradient(v, plan: plan, images: images, rows: rows, into: dx)
            }
        }
        if let biasGrad {
            Im2Col.sumChannels(dy, images: n, channels: o, plane: plan.height * plan.width, into: biasGrad)
        }
        // dU = Σ lanes (in lane order) into lane 0's partial, then dW += Gᵀ dU G.
        let du0 = plan.partialGradient(workspace, lane: 0)
        for lane in 1..<max(lanes, 1) {
            let part = plan.partialGradient(workspace, lane: lane)
            for i in 0..<plan.transformedWeights { du0[i] += part[i] }
        }
        transformWeightGradient(du0, plan: plan, into: weightGrad)
    }

    // MARK: - Transforms

    /// `U[ξ][o][c] = (G g Gᵀ)[ξ]` for every 3×3 filter `g = weight[o, c]`.
    static func transformWeights(_ weight: UnsafePointer<Float>, plan: Plan, into u: UnsafeMutablePointer<Float>) {
        let oc = plan.outChannels * plan.channels
        for f in 0..<oc {
            let g = weight + 9 * f
            // t = G g (4×3), then U = t Gᵀ (4×4).
            var t = (Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0))
            withUnsafeMutableBytes(of: &t) { raw in
                let t = raw.baseAddress!.assumingMemoryBound(to: Float.self)
                for j in 0..<3 {
                    let g0 = g[j], g1 = g[3 + j], g2 = g[6 + j]
                    t[j] = g0
                    t[3 + j] = 0.5 * (g0 + g1 + g2)
                    t[6 + j] = 0.5 * (g0 - g1 + g2)
                    t[9 + j] = g2
                }
                for i in 0..<4 {
                    let a = t[3 * i], b = t[3 * i + 1], d = t[3 * i + 2]
                    u[(4 * i) * oc + f] = a
                    u[(4 * i + 1) * oc + f] = 0.5 * (a + b + d)
                    u[(4 * i + 2) * oc + f] = 0.5 * (a - b + d)
                    u[(4 * i + 3) * oc + f] = d
                }
            }
        }
    }

    /// `weightGrad[o, c] += Gᵀ dU[·][o][c] G` (the adjoint of the weight transform).
    static func transformWeightGradient(_ du: UnsafePointer<Float>, plan: Plan, into weightGrad: UnsafeMutablePointer<Float>) {
        let oc = plan.outChannels * plan.channels
        for f in 0..<oc {
            // s = Gᵀ dU (3×4), then dg = s G (3×3).
            var r = (Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0))
            withUnsafeMutableBytes(of: &r) { raw in
                let s = raw.baseAddress!.assumingMemoryBound(to: Float.self)
                for j in 0..<4 {
                    let d0 = du[j * oc + f], d1 = du[(4 + j) * oc + f], d2 = du[(8 + j) * oc + f], d3 = du[(12 + j) * oc + f]
                    s[j] = d0 + 0.5 * (d1 + d2)
                    s[4 + j] = 0.5 * (d1 - d2)
                    s[8 + j] = 0.5 * (d1 + d2) + d3
                }
                let g = weightGrad + 9 * f
                for i in 0..<3 {
                    let d0 = s[4 * i], d1 = s[4 * i + 1], d2 = s[4 * i + 2], d3 = s[4 * i + 3]
                    g[3 * i] += d0 + 0.5 * (d1 + d2)
                    g[3 * i + 1] += 0.5 * (d1 - d2)
                    g[3 * i + 2] += 0.5 * (d1 + d2) + d3
                }
            }
        }
    }

    // The transforms work one tile row of one plane at a time. Patch columns are split into even
    // and odd ones in small row buffers (`rows`, `rowScratch` floats per lane, `stride` apart), so
    // every loop over the tiles of the row reads and writes with unit stride; those loops run on
    // `SIMD8` vectors (`Lane`), with a scalar tail.

    /// `V[ξ][c][t] = (Bᵀ d B)[ξ]` for the 4×4 patch `d` of every tile of `images` (row stride of `V`: Tc).
    static func transformInput(_ x: UnsafePointer<Float>, plan: Plan, images: Range<Int>, rows: UnsafeMutablePointer<Float>,
                               into v: UnsafeMutablePointer<Float>) {
        let c = plan.channels, h = plan.height, w = plan.width, th = plan.tilesHigh, tw = plan.tilesWide
        let tiles = plan.tilesPerImage, tc = images.count * tiles, ld = c * tc, b = plan.rowStride
        // Buffers 0…3: patch rows r, even columns (E[k] = column 2k − 1); 4…7: odd (O[k] = column 2k);
        // 8…11 / 12…15: the same after Bᵀ down the columns.
        func buffer(_ i: Int) -> UnsafeMutablePointer<Float> { rows + i * b }
        rows.update(repeating: 0, count: 16 * b)
        for (j, image) in images.enumerated() {
            for ch in 0..<c {
                let plane = x + (image * c + ch) * h * w
                for ty in 0..<th {
                    for r in 0..<4 {
                        let e = buffer(r), o = buffer(4 + r), yy = 2 * ty - 1 + r
                        guard yy >= 0 && yy < h else {
                            e.update(repeating: 0, count: tw + 1)
                            o.update(repeating: 0, count: tw + 1)
                            continue
                        }
                        let src = plane + yy * w
                        e[0] = 0
                        for k in 0..<(w / 2) { o[k] = src[2 * k]; e[k + 1] = src[2 * k + 1] }
                        if w % 2 == 1 { o[w / 2] = src[w - 1]; e[w / 2 + 1] = 0 }
                        o[tw] = 0
                    }
                    for parity in 0..<2 {
                        let d0 = buffer(4 * parity), d1 = buffer(4 * parity + 1), d2 = buffer(4 * parity + 2), d3 = buffer(4 * parity + 3)
                        let t0 = buffer(8 + 4 * parity), t1 = t0 + b, t2 = t1 + b, t3 = t2 + b
                        Lane.sweep(tw + 1) { (_: Lane.Vector.Type, k) in
                            let a0 = Lane.load(d0, k), a1 = Lane.load(d1, k), a2 = Lane.load(d2, k), a3 = Lane.load(d3, k)
                            Lane.store(a0 - a2, t0, k); Lane.store(a1 + a2, t1, k); Lane.store(a2 - a1, t2, k); Lane.store(a1 - a3, t3, k)
                        } scalar: { k in
                            let a0 = d0[k], a1 = d1[k], a2 = d2[k], a3 = d3[k]
                            t0[k] = a0 - a2; t1[k] = a1 + a2; t2[k] = a2 - a1; t3[k] = a1 - a3
                        }
                    }
                    let out = v + ch * tc + j * tiles + ty * tw
                    for r in 0..<4 {
                        let e = buffer(8 + r), o = buffer(12 + r)
                        let o0 = out + (4 * r) * ld, o1 = o0 + ld, o2 = o1 + ld, o3 = o2 + ld
                        // Patch columns of tile tx: E[tx], O[tx], E[tx + 1], O[tx + 1].
                        Lane.sweep(tw) { (_: Lane.Vector.Type, tx) in
                            let u0 = Lane.load(e, tx), u1 = Lane.load(o, tx), u2 = Lane.load(e, tx + 1), u3 = Lane.load(o, tx + 1)
                            Lane.store(u0 - u2, o0, tx); Lane.store(u1 + u2, o1, tx); Lane.store(u2 - u1, o2, tx); Lane.store(u1 - u3, o3, tx)
                        } scalar: { tx in
                            let u0 = e[tx], u1 = o[tx], u2 = e[tx + 1], u3 = o[tx + 1]
                            o0[tx] = u0 - u2; o1[tx] = u1 + u2; o2[tx] = u2 - u1; o3[tx] = u1 - u3
                        }
                    }
                }
            }
        }
    }

    /// `y` tiles `= Aᵀ M A + bias` from `M [16, O, Tc]`, written into NCHW (parts outside the image dropped).
    static func transformOutput(_ m: UnsafePointer<Float>, plan: Plan, images: Range<Int>, bias: UnsafePointer<Float>?,
                                rows: UnsafeMutablePointer<Float>, into y: UnsafeMutablePointer<Float>) {
        let o = plan.outChannels, h = plan.height, w = plan.width, th = plan.tilesHigh, tw = plan.tilesWide
        let tiles = plan.tilesPerImage, tc = images.count * tiles, ld = o * tc, b = plan.rowStride
        // Output rows 2ty (even columns y00, odd y01) and 2ty + 1 (y10, y11).
        let y00 = rows, y01 = rows + b, y10 = rows + 2 * b, y11 = rows + 3 * b
        for (j, image) in images.enumerated() {
            for ch in 0..<o {
                let bv = bias?[ch] ?? 0
                let plane = y + (image * o + ch) * h * w
                for ty in 0..<th {
                    let s = m + ch * tc + j * tiles + ty * tw
                    // Aᵀ down each column q (a: output row 0, c: row 1), then across.
                    Lane.sweep(tw) { (_: Lane.Vector.Type, tx) in
                        func at(_ xi: Int) -> Lane.Vector { Lane.load(s + xi * ld, tx) }
                        let a0 = at(0) + at(4) + at(8), c0 = at(4) - at(8) - at(12)
                        let a1 = at(1) + at(5) + at(9), c1 = at(5) - at(9) - at(13)
                        let a2 = at(2) + at(6) + at(10), c2 = at(6) - at(10) - at(14)
                        let a3 = at(3) + at(7) + at(11), c3 = at(7) - at(11) - at(15)
                        Lane.store(a0 + a1 + a2 + bv, y00, tx); Lane.store(a1 - a2 - a3 + bv, y01, tx)
                        Lane.store(c0 + c1 + c2 + bv, y10, tx); Lane.store(c1 - c2 - c3 + bv, y11, tx)
                    } scalar: { tx in
                        func at(_ xi: Int) -> Float { s[xi * ld + tx] }
                        let a0 = at(0) + at(4) + at(8), c0 = at(4) - at(8) - at(12)
                        let a1 = at(1) + at(5) + at(9), c1 = at(5) - at(9) - at(13)
                        let a2 = at(2) + at(6) + at(10), c2 = at(6) - at(10) - at(14)
                        let a3 = at(3) + at(7) + at(11), c3 = at(7) - at(11) - at(15)
                        y00[tx] = a0 + a1 + a2 + bv; y01[tx] = a1 - a2 - a3 + bv
                        y10[tx] = c0 + c1 + c2 + bv; y11[tx] = c1 - c2 - c3 + bv
                    }
                    interleave(y00, y01, count: w, into: plane + 2 * ty * w)
                    if 2 * ty + 1 < h { interleave(y10, y11, count: w, into: plane + (2 * ty + 1) * w) }
                }
            }
        }
    }

    /// `dM [16, O, Tc] = A dy Aᵀ` per tile (the adjoint of the output transform; dy outside the image is 0).
    static func transformOutputGradient(_ dy: UnsafePointer<Float>, plan: Plan, images: Range<Int>,
                                        rows: UnsafeMutablePointer<Float>, into dm: UnsafeMutablePointer<Float>) {
        let o = plan.outChannels, h = plan.height, w = plan.width, th = plan.tilesHigh, tw = plan.tilesWide
        let tiles = plan.tilesPerImage, tc = images.count * tiles, ld = o * tc, b = plan.rowStride
        // dy rows 2ty (even columns g00, odd g01) and 2ty + 1 (g10, g11), zero outside the image.
        let g00 = rows, g01 = rows + b, g10 = rows + 2 * b, g11 = rows + 3 * b
        for (j, image) in images.enumerated() {
            for ch in 0..<o {
                let plane = dy + (image * o + ch) * h * w
                for ty in 0..<th {
                    deinterleave(plane + 2 * ty * w, count: w, into: g00, g01)
                    if 2 * ty + 1 < h {
                        deinterleave(plane + (2 * ty + 1) * w, count: w, into: g10, g11)
                    } else {
                        g10.update(repeating: 0, count: tw)
                        g11.update(repeating: 0, count: tw)
                    }
                    let d = dm + ch * tc + j * tiles + ty * tw
                    // Down the rows (adjoint of Aᵀ): [g0, g0 + g1, g0 − g1, −g1]; then the same across.
                    Lane.sweep(tw) { (_: Lane.Vector.Type, tx) in
                        let p = Lane.load(g00, tx), q = Lane.load(g01, tx), r = Lane.load(g10, tx), s = Lane.load(g11, tx)
                        func put(_ row: Int, _ u: Lane.Vector, _ v: Lane.Vector) {
                            let base = d + 4 * row * ld
                            Lane.store(u, base, tx); Lane.store(u + v, base + ld, tx)
                            Lane.store(u - v, base + 2 * ld, tx); Lane.store(-v, base + 3 * ld, tx)
                        }
                        put(0, p, q); put(1, p + r, q + s); put(2, p - r, q - s); put(3, -r, -s)
                    } scalar: { tx in
                        let p = g00[tx], q = g01[tx], r = g10[tx], s = g11[tx]
                        func put(_ row: Int, _ u: Float, _ v: Float) {
                            let base = d + 4 * row * ld
                            base[tx] = u; base[ld + tx] = u + v; base[2 * ld + tx] = u - v; base[3 * ld + tx] = -v
                        }
                        put(0, p, q); put(1, p + r, q + s); put(2, p - r, q - s); put(3, -r, -s)
                    }
                }
            }
        }
    }

    /// `dx` planes of `images` `= Σ_tiles B dV Bᵀ` placed at each tile's patch (overlaps add;
    /// parts in the padding dropped). Overwrites those planes.
    static func transformInputGradient(_ dv: UnsafePointer<Float>, plan: Plan, images: Range<Int>,
                                       rows: UnsafeMutablePointer<Float>, into dx: UnsafeMutablePointer<Float>) {
        let c = plan.channels, h = plan.height, w = plan.width, th = plan.tilesHigh, tw = plan.tilesWide
        let tiles = plan.tilesPerImage, tc = images.count * tiles, ld = c * tc, b = plan.rowStride
        // For patch row i: k0…k3 (buffers 4i … 4i + 3) are the contributions of tile tx to patch
        // columns 2tx − 1 … 2tx + 2; k2 and k3 are stored one place to the right (index tx + 1), so
        // that column 2t − 1 = k0[t] + k2[t] and column 2t = k1[t] + k3[t].
        func buffer(_ i: Int) -> UnsafeMutablePointer<Float> { rows + i * b }
        for (j, image) in images.enumerated() {
            for ch in 0..<c {
                let plane = dx + (image * c + ch) * h * w
                plane.update(repeating: 0, count: h * w)
                for ty in 0..<th {
                    let s = dv + ch * tc + j * tiles + ty * tw
                    for i in 0..<4 {
                        let k0 = buffer(4 * i), k1 = k0 + b, k2 = k1 + b + 1, k3 = k2 + b
                        k0[tw] = 0; k1[tw] = 0; (k2 - 1)[0] = 0; (k3 - 1)[0] = 0
                        // Down the rows (adjoint of Bᵀ) for patch row i, then across the columns.
                        Lane.sweep(tw) { (_: Lane.Vector.Type, tx) in
                            func f(_ q: Int) -> Lane.Vector {
                                let v0 = Lane.load(s + q * ld, tx), v1 = Lane.load(s + (4 + q) * ld, tx)
                                let v2 = Lane.load(s + (8 + q) * ld, tx), v3 = Lane.load(s + (12 + q) * ld, tx)
                                switch i { case 0: return v0; case 1: return v1 - v2 + v3; case 2: return v1 + v2 - v0; default: return -v3 }
                            }
                            let f0 = f(0), f1 = f(1), f2 = f(2), f3 = f(3)
                            Lane.store(f0, k0, tx); Lane.store(f1 - f2 + f3, k1, tx)
                            Lane.store(f1 + f2 - f0, k2, tx); Lane.store(-f3, k3, tx)
                        } scalar: { tx in
                            func f(_ q: Int) -> Float {
                                let v0 = s[q * ld + tx], v1 = s[(4 + q) * ld + tx], v2 = s[(8 + q) * ld + tx], v3 = s[(12 + q) * ld + tx]
                                switch i { case 0: return v0; case 1: return v1 - v2 + v3; case 2: return v1 + v2 - v0; default: return -v3 }
                            }
                            let f0 = f(0), f1 = f(1), f2 = f(2), f3 = f(3)
                            k0[tx] = f0; k1[tx] = f1 - f2 + f3; k2[tx] = f1 + f2 - f0; k3[tx] = -f3
                        }
                        let yy = 2 * ty - 1 + i
                        guard yy >= 0 && yy < h else { continue }
                        let dst = plane + yy * w
                        // Image column 2t ↔ k1[t] + k3[t] (k3 shifted); column 2t + 1 ↔ k0[t + 1] + k2[t + 1].
                        let e1 = k1, e3 = k3 - 1, e0 = k0 + 1, e2 = k2
                        for t in 0..<(w / 2) {
                            dst[2 * t] += e1[t] + e3[t]
                            dst[2 * t + 1] += e0[t] + e2[t]
                        }
                        if w % 2 == 1 { dst[w - 1] += e1[w / 2] + e3[w / 2] }
                    }
                }
            }
        }
    }

    /// `dst[2t] = even[t]`, `dst[2t + 1] = odd[t]` for the first `count` entries of `dst`.
    @inline(__always)
    static func interleave(_ even: UnsafePointer<Float>, _ odd: UnsafePointer<Float>, count: Int, into dst: UnsafeMutablePointer<Float>) {
        for t in 0..<(count / 2) { dst[2 * t] = even[t]; dst[2 * t + 1] = odd[t] }
        if count % 2 == 1 { dst[count - 1] = even[count / 2] }
    }

    /// `even[t] = src[2t]`, `odd[t] = src[2t + 1]` for `count` entries of `src` (a missing last odd entry is 0).
    @inline(__always)
    static func deinterleave(_ src: UnsafePointer<Float>, count: Int, into even: UnsafeMutablePointer<Float>,
                             _ odd: UnsafeMutablePointer<Float>) {
        for t in 0..<(count / 2) { even[t] = src[2 * t]; odd[t] = src[2 * t + 1] }
        if count % 2 == 1 { even[count / 2] = src[count - 1]; odd[count / 2] = 0 }
    }

    /// Unaligned `SIMD8<Float>` loads and stores, and a loop that runs a vector body over blocks of
    /// 8 indices and a scalar body over the rest.
    enum Lane {
        typealias Vector = SIMD8<Float>

        @inline(__always)
        static func load(_ p: UnsafePointer<Float>, _ i: Int) -> Vector {
            UnsafeRawPointer(p + i).loadUnaligned(as: Vector.self)
        }

        @inline(__always)
        static func load(_ p: UnsafeMutablePointer<Float>, _ i: Int) -> Vector { load(UnsafePointer(p), i) }

        @inline(__always)
        static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
            UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: Vector.self)
        }

        /// `vector(Vector.self, i)` for i = 0, 8, 16, … while a whole block fits in `count`, then `scalar(i)` for the rest.
        @inline(__always)
        static func sweep(_ count: Int, _ vector: (Vector.Type, Int) -> Void, scalar: (Int) -> Void) {
            var i = 0
            while i + Vector.scalarCount <= count {
                vector(Vector.self, i)
                i += Vector.scalarCount
            }
            while i < count {
                scalar(i)
                i += 1
            }
        }
    }

    // MARK: - Lanes

    /// Runs `body(lane, images)` on `min(plan.lanes, n)` threads with unsplit products meanwhile;
    /// one lane runs on the calling thread, where large products may be split.
    static func inLanes(_ plan: Plan, batch n: Int, _ body: (Int, Range<Int>) -> Void) {
        let lanes = min(plan.lanes, n)
        if lanes <= 1 {
            body(0, 0..<n)
            return
        }
        Convolution.inLanes(lanes, batch: n, body)
    }

    static func forEachChunk(of range: Range<Int>, _ size: Int, _ body: (Range<Int>) -> Void) {
        Convolution.forEachChunk(of: range, size, body)
    }
}
