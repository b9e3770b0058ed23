/// The transforms of `Winograd` F(2×2, 3×3): weights, input tiles, output tiles and their adjoints.
///
/// The tile transforms work on one channel of a whole chunk at a time, in two passes:
///
/// - **Down the columns** (rows of the 4×4 patch, `Bᵀ ·` or `Aᵀ ·`): four *plane buffers* `P_i`
///   hold, for every image of the chunk and every tile row, one row of `2·tilesWide` floats (the
///   image row, padded with a zero column when the width is odd). Each of these loops runs along
///   an image row, contiguous in NCHW.
/// - **Across the columns** (`· B`, `· A`): tile `t` of the chunk (image `j`, tile row `ty`, column
///   `tx`, `t = (j·tilesHigh + ty)·tilesWide + tx`) owns the plane-buffer entries from `2t − 1` to
///   `2t + 2` (its patch columns `2tx − 1 … 2tx + 2`), so one flat loop over all tiles of the
///   chunk does every tile row at once, splitting even and odd entries with vector shuffles
///   (`LaneValue.loadSplit`). Its two tiles per tile row whose patch reaches into the padding
///   columns (`tx = 0` and `tx = tilesWide − 1`) are fixed up afterwards.
///
/// Both passes run on `SIMD8<Float>` blocks with a `SIMD4` and scalar tail (`laneSweep`).
extension Winograd {
    /// Floats before and after each plane buffer (room for the flat pass's reads one entry
    /// beyond the chunk, and for a vector's overhang).
    static let bufferPadding = 16

    /// One lane's scratch for the tile transforms: four plane buffers of `2 · imagesPerChunk ·
    /// tilesPerImage` floats (plus padding) and a row of zeros standing in for rows outside the image.
    struct PlaneBuffers {
        let base: UnsafeMutablePointer<Float>
        let stride: Int
        let width: Int

        /// Floats needed for `plan`.
        static func count(_ plan: Plan) -> Int { 4 * stride(plan) + plan.width + bufferPadding }
        static func stride(_ plan: Plan) -> Int { 2 * plan.imagesPerChunk * plan.tilesPerImage + 2 * bufferPadding }

        init(_ base: UnsafeMutablePointer<Float>, plan: Plan) {
            self.base = base
            stride = Self.stride(plan)
            width = plan.width
        }

        /// Plane buffer `i` (0…3); index −1 and the entries just past the chunk are padding.
        subscript(_ i: Int) -> UnsafeMutablePointer<Float> { base + bufferPadding + i * stride }

        /// `width` zeros (cleared on every call).
        func zeroRow() -> UnsafePointer<Float> {
            let z = base + 4 * stride
            z.update(repeating: 0, count: width)
            return UnsafePointer(z)
        }
    }

    // MARK: - Weights

    /// `U[ξ][o][c] = (G g Gᵀ)[ξ]` for every 3×3 filter `g = weight[o, c]` (filters spread over the threads).
    static func transformWeights(_ weight: UnsafePointer<Float>, plan: Plan, into u: UnsafeMutablePointer<Float>) {
        transformWeights(weight, filters: plan.outChannels * plan.channels, into: u)
    }

    /// `U[ξ][f] = (G g Gᵀ)[ξ]` for the `filters` 3×3 filters `g = weight[f]` (`U [16, filters]`):
    /// eight filters at a time in `SIMD8` lanes (a partial block padded with zeros, only its
    /// filters stored), spread over the threads. Each lane does the scalar transform's operations
    /// in the same order (checked bit for bit in `WinogradWeightTransformTests`), so the bits do not depend on
    /// where a filter falls in a block.
    static func transformWeights(_ weight: UnsafePointer<Float>, filters oc: Int, into u: UnsafeMutablePointer<Float>) {
        Parallel.forEachChunk((oc + 7) / 8, costPerItem: 8 * 64) { _, blocks in
            for block in blocks {
                let filters = FilterBlock(weight, block: block, filters: oc), g = filters.taps
                // t = G g (4×3): rows g[0…2], ½(g0 + g1 + g2), ½(g0 − g1 + g2), g[6…8] down each column.
                @inline(__always) func down(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ d: SIMD8<Float>)
                    -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
                    (a, 0.5 * (a + b + d), 0.5 * (a - b + d), d)
                }
                let c0 = down(g.0, g.3, g.6), c1 = down(g.1, g.4, g.7), c2 = down(g.2, g.5, g.8)
                // U's row i = t's row i times Gᵀ: a, ½(a + b + d), ½(a − b + d), d.
                @inline(__always) func across(_ a: SIMD8<Float>, _ c: SIMD8<Float>, _ d: SIMD8<Float>, row i: Int) {
                    let r = down(a, c, d)
                    filters.store(r.0, into: u + (4 * i) * oc); filters.store(r.1, into: u + (4 * i + 1) * oc)
                    filters.store(r.2, into: u + (4 * i + 2) * oc); filters.store(r.3, into: u + (4 * i + 3) * oc)
                }
                across(c0.0, c1.0, c2.0, row: 0)
                across(c0.1, c1.1, c2.1, row: 1)
                across(c0.2, c1.2, c2.2, row: 2)
                across(c0.3, c1.3, c2.3, row: 3)
            }
        }
    }

    /// `weightGrad[o, c] += Gᵀ dU[·][o][c] G` (the adjoint of the weight transform; filters spread over the threads).
    static func transformWeightGradient(_ du: UnsafePointer<Float>, plan: Plan, into weightGrad: UnsafeMutablePointer<Float>) {
        let oc = plan.outChannels * plan.channels
        Parallel.forEachChunk(oc, costPerItem: 64) { _, filters in for f in filters {
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
        } }
    }

    // MARK: - Tiles

    /// `V[ξ][c][t] = (Bᵀ d B)[ξ]` for the 4×4 patch `d` of every tile `t` of `images` (row stride
    /// of `V`: `Tc`, the chunk's tiles).
    ///
    /// Down: `P_0 = r0 − r2`, `P_1 = r1 + r2`, `P_2 = r2 − r1`, `P_3 = r1 − r3` from patch rows
    /// `r_k` (image row `2ty − 1 + k`). Across, for each `P_i` and patch columns `e0 o0 e1 o1`
    /// (entries `2t − 1 … 2t + 2`): `V[4i …] = e0 − e1, o0 + e1, e1 − o0, o0 − o1`.
    static func transformInput(_ x: UnsafePointer<Float>, plan: Plan, images: Range<Int>, buffers: PlaneBuffers,
                               into v: UnsafeMutablePointer<Float>) {
        let c = plan.channels, h = plan.height, w = plan.width, th = plan.tilesHigh, tw = plan.tilesWide
        let wp = 2 * tw, tc = images.count * plan.tilesPerImage, ld = c * tc, tileRows = images.count * th
        let zero = buffers.zeroRow()
        let p0 = buffers[0], p1 = buffers[1], p2 = buffers[2], p3 = buffers[3]
        for ch in 0..<c {
            for (j, image) in images.enumerated() {
                let plane = x + (image * c + ch) * h * w
                func row(_ y: Int) -> UnsafePointer<Float> { y >= 0 && y < h ? plane + y * w : zero }
                for ty in 0..<th {
                    let r0 = row(2 * ty - 1), r1 = row(2 * ty), r2 = row(2 * ty + 1), r3 = row(2 * ty + 2)
                    let at = (j * th + ty) * wp
                    let d0 = p0 + at, d1 = p1 + at, d2 = p2 + at, d3 = p3 + at
                    @inline(__always) func down<V: LaneValue>(_: V.Type, _ k: Int) {
                        let a0 = V.load(r0 + k), a1 = V.load(r1 + k), a2 = V.load(r2 + k), a3 = V.load(r3 + k)
                        (a0 - a2).store(d0 + k); (a1 + a2).store(d1 + k); (a2 - a1).store(d2 + k); (a1 - a3).store(d3 + k)
                    }
                    laneSweep(w, { down(SIMD8<Float>.self, $0) }, { down(SIMD4<Float>.self, $0) }, { down(Float.self, $0) })
                    if w < wp { d0[w] = 0; d1[w] = 0; d2[w] = 0; d3[w] = 0 }
                }
            }
            for i in 0..<4 {
                let s = buffers[i]
                let o0 = v + 4 * i * ld + ch * tc, o1 = o0 + ld, o2 = o1 + ld, o3 = o2 + ld
                @inline(__always) func across<V: LaneValue>(_: V.Type, _ t: Int) {
                    let (e0, d0) = V.loadSplit(s + 2 * t - 1), (e1, d1) = V.loadSplit(s + 2 * t + 1)
                    (e0 - e1).store(o0 + t); (d0 + e1).store(o1 + t); (e1 - d0).store(o2 + t); (d0 - d1).store(o3 + t)
                }
                laneSweep(tc, { across(SIMD8<Float>.self, $0) }, { across(SIMD4<Float>.self, $0) }, { across(Float.self, $0) })
                // The first tile of a row has e0 in the left padding, the last has d1 in the right.
                for r in 0..<tileRows {
                    let first = r * tw, last = first + tw - 1
                    o0[first] = -s[2 * first + 1]
                    o3[last] = s[2 * last]
                }
            }
        }
    }

    /// `y` tiles `= Aᵀ M A + bias` from `M [16, O, Tc]`, written into NCHW (parts outside the image
    /// dropped), each value passed through `epilogue` as it is stored.
    ///
    /// Across, for each `i`: `P_i[2t] = m0 + m1 + m2`, `P_i[2t + 1] = m1 − m2 − m3` (`m_j = M[4i + j]`).
    /// Down: output row `2ty` is `P_0 + P_1 + P_2`, row `2ty + 1` is `P_1 − P_2 − P_3`.
    static func transformOutput(_ m: UnsafePointer<Float>, plan: Plan, images: Range<Int>, bias: UnsafePointer<Float>?,
                                epilogue: OutputEpilogue = .none, buffers: PlaneBuffers, into y: UnsafeMutablePointer<Float>) {
        let o = plan.outChannels, h = plan.height, w = plan.width, th = plan.tilesHigh, tw = plan.tilesWide
        let wp = 2 * tw, tc = images.count * plan.tilesPerImage, ld = o * tc
        let p0 = buffers[0], p1 = buffers[1], p2 = buffers[2], p3 = buffers[3]
        for ch in 0..<o {
            for i in 0..<4 {
                let s0 = m + 4 * i * ld + ch * tc, s1 = s0 + ld, s2 = s1 + ld, s3 = s2 + ld, d = buffers[i]
                @inline(__always) func across<V: LaneValue>(_: V.Type, _ t: Int) {
                    let a0 = V.load(s0 + t), a1 = V.load(s1 + t), a2 = V.load(s2 + t), a3 = V.load(s3 + t)
                    V.storeMerged(even: a0 + a1 + a2, odd: a1 - a2 - a3, d + 2 * t)
                }
                laneSweep(tc, { across(SIMD8<Float>.self, $0) }, { across(SIMD4<Float>.self, $0) }, { across(Float.self, $0) })
            }
            let bv = bias?[ch] ?? 0
            let e = epilogue.channel(ch), plain = epilogue.isNone
            for (j, image) in images.enumerated() {
                let start = (image * o + ch) * h * w, plane = y + start
                for ty in 0..<th {
                    let at = (j * th + ty) * wp
                    let z0 = p0 + at, z1 = p1 + at, z2 = p2 + at, z3 = p3 + at
                    let top = plane + 2 * ty * w, bottom = top + w, topAt = start + 2 * ty * w, bottomAt = topAt + w
                    if 2 * ty + 1 < h {
                        @inline(__always) func down<V: LaneValue>(_: V.Type, _ k: Int) {
                            let a0 = V.load(z0 + k), a1 = V.load(z1 + k), a2 = V.load(z2 + k), a3 = V.load(z3 + k), b = V.splat(bv)
                            (a0 + a1 + a2 + b).store(top + k); (a1 - a2 - a3 + b).store(bottom + k)
                        }
                        laneSweep(w, { down(SIMD8<Float>.self, $0) }, { down(SIMD4<Float>.self, $0) }, { down(Float.self, $0) })
                        // The epilogue on the two rows just written, still in L1.
                        if !plain {
                            e.apply(top, count: w, at: topAt)
                            e.apply(bottom, count: w, at: bottomAt)
                        }
                    } else {
                        @inline(__always) func down<V: LaneValue>(_: V.Type, _ k: Int) {
                            (V.load(z0 + k) + V.load(z1 + k) + V.load(z2 + k) + V.splat(bv)).store(top + k)
                        }
                        laneSweep(w, { down(SIMD8<Float>.self, $0) }, { down(SIMD4<Float>.self, $0) }, { down(Float.self, $0) })
                        if !plain { e.apply(top, count: w, at: topAt) }
                    }
                }
            }
        }
    }

    /// `dM [16, O, Tc] = A dy Aᵀ` per tile: the adjoint of `transformOutput` (dy outside the image is 0).
    ///
    /// Down, from dy rows `g0 = 2ty`, `g1 = 2ty + 1`: `P_0 = g0`, `P_1 = g0 + g1`, `P_2 = g0 − g1`,
    /// `P_3 = −g1`. Across, with `p = P_i[2t]`, `q = P_i[2t + 1]`: `dM[4i …] = p, p + q, p − q, −q`.
    static func transformOutputGradient(_ dy: UnsafePointer<Float>, plan: Plan, images: Range<Int>,
                                        buffers: PlaneBuffers, into dm: UnsafeMutablePointer<Float>) {
        let o = plan.outChannels, h = plan.height, w = plan.width, th = plan.tilesHigh, tw = plan.tilesWide
        let wp = 2 * tw, tc = images.count * plan.tilesPerImage, ld = o * tc
        let zero = buffers.zeroRow()
        let p0 = buffers[0], p1 = buffers[1], p2 = buffers[2], p3 = buffers[3]
        for ch in 0..<o {
            for (j, image) in images.enumerated() {
                let plane = dy + (image * o + ch) * h * w
                for ty in 0..<th {
                    let g0 = plane + 2 * ty * w, g1 = 2 * ty + 1 < h ? g0 + w : zero
                    let at = (j * th + ty) * wp
                    let d0 = p0 + at, d1 = p1 + at, d2 = p2 + at, d3 = p3 + at
                    @inline(__always) func down<V: LaneValue>(_: V.Type, _ k: Int) {
                        let a = V.load(g0 + k), b = V.load(g1 + k)
                        a.store(d0 + k); (a + b).store(d1 + k); (a - b).store(d2 + k); (-b).store(d3 + k)
                    }
                    laneSweep(w, { down(SIMD8<Float>.self, $0) }, { down(SIMD4<Float>.self, $0) }, { down(Float.self, $0) })
                    if w < wp { d0[w] = 0; d1[w] = 0; d2[w] = 0; d3[w] = 0 }
                }
            }
            for i in 0..<4 {
                let s = buffers[i]
                let o0 = dm + 4 * i * ld + ch * tc, o1 = o0 + ld, o2 = o1 + ld, o3 = o2 + ld
                @inline(__always) func across<V: LaneValue>(_: V.Type, _ t: Int) {
                    let (p, q) = V.loadSplit(s + 2 * t)
                    p.store(o0 + t); (p + q).store(o1 + t); (p - q).store(o2 + t); (-q).store(o3 + t)
                }
                laneSweep(tc, { across(SIMD8<Float>.self, $0) }, { across(SIMD4<Float>.self, $0) }, { across(Float.self, $0) })
            }
        }
    }

    /// `dx` planes of `images` `= Σ_tiles B dV Bᵀ` placed at each tile's patch (overlaps add;
    /// parts in the padding dropped): the adjoint of `transformInput`. Overwrites those planes.
    ///
    /// Across, with `u_q = dV[4i + q]`: entry `2t − 1` of `P_i` gets `u0[t] + (−u0 + u1 + u2)[t − 1]`
    /// and entry `2t` gets `(u1 − u2 + u3)[t] − u3[t − 1]` (tiles `t − 1` and `t` share two patch
    /// columns; at row edges the neighbour's term belongs to the padding and is left out).
    /// Down: image row `2ty` is `(P_1 − P_2 + P_3)[ty] − P_3[ty − 1]`, row `2ty + 1` is
    /// `(−P_0 + P_1 + P_2)[ty] + P_0[ty + 1]`.
    static func transformInputGradient(_ dv: UnsafePointer<Float>, plan: Plan, images: Range<Int>,
                                       buffers: PlaneBuffers, into dx: UnsafeMutablePointer<Float>) {
        let c = plan.channels, h = plan.height, w = plan.width, th = plan.tilesHigh, tw = plan.tilesWide
        let wp = 2 * tw, tc = images.count * plan.tilesPerImage, ld = c * tc, tileRows = images.count * th
        let zero = buffers.zeroRow()
        let p0 = buffers[0], p1 = buffers[1], p2 = buffers[2], p3 = buffers[3]
        for ch in 0..<c {
            for i in 0..<4 {
                let u0 = dv + 4 * i * ld + ch * tc, u1 = u0 + ld, u2 = u1 + ld, u3 = u2 + ld, d = buffers[i]
                d[0] = u1[0] - u2[0] + u3[0]
                @inline(__always) func across<V: LaneValue>(_: V.Type, _ t: Int) {
                    let a0 = V.load(u0 + t), a1 = V.load(u1 + t), a2 = V.load(u2 + t), a3 = V.load(u3 + t)
                    let b0 = V.load(u0 + t - 1), b1 = V.load(u1 + t - 1), b2 = V.load(u2 + t - 1), b3 = V.load(u3 + t - 1)
                    V.storeMerged(even: a0 - b0 + b1 + b2, odd: a1 - a2 + a3 - b3, d + 2 * t - 1)
                }
                laneSweep(tc - 1, from: 1, { across(SIMD8<Float>.self, $0) }, { across(SIMD4<Float>.self, $0) },
                          { across(Float.self, $0) })
                // Row edges: the last column of a tile row only from its last tile, the first only from its first.
                for r in 1...tileRows {
                    let last = r * tw - 1
                    d[2 * last + 1] = -u0[last] + u1[last] + u2[last]
                    if r < tileRows { d[2 * last + 2] = u1[last + 1] - u2[last + 1] + u3[last + 1] }
                }
            }
            for (j, image) in images.enumerated() {
                let plane = dx + (image * c + ch) * h * w
                for ty in 0..<th {
                    let at = (j * th + ty) * wp
                    let c0 = p0 + at, c1 = p1 + at, c2 = p2 + at, c3 = p3 + at
                    let above = ty > 0 ? UnsafePointer(p3 + at - wp) : zero
                    let below = ty + 1 < th ? UnsafePointer(p0 + at + wp) : zero
                    let top = plane + 2 * ty * w, bottom = top + w
                    @inline(__always) func even<V: LaneValue>(_: V.Type, _ k: Int) {
                        (V.load(c1 + k) - V.load(c2 + k) + V.load(c3 + k) - V.load(above + k)).store(top + k)
                    }
                    laneSweep(w, { even(SIMD8<Float>.self, $0) }, { even(SIMD4<Float>.self, $0) }, { even(Float.self, $0) })
                    guard 2 * ty + 1 < h else { continue }
                    @inline(__always) func odd<V: LaneValue>(_: V.Type, _ k: Int) {
                        (V.load(c1 + k) + V.load(c2 + k) - V.load(c0 + k) + V.load(below + k)).store(bottom + k)
                    }
                    laneSweep(w, { odd(SIMD8<Float>.self, $0) }, { odd(SIMD4<Float>.self, $0) }, { odd(Float.self, $0) })
                }
            }
        }
    }
}
