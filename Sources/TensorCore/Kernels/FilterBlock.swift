/// Eight 3×3 filters side by side in `SIMD8` lanes, for the Winograd weight transforms
/// (`Winograd.transformWeights`, `WinogradF4.transformWeightsPortable`).
///
/// Lane `l` of `taps.k` is tap `k` (row-major, `k = 3·row + column`) of filter `first + l`; a
/// partial last block (`width < 8`) has zeros in its unused lanes and `store` writes only its
/// `width` filters.
struct FilterBlock {
    /// Index of the block's first filter.
    let first: Int
    /// Filters in the block, 1…8.
    let width: Int
    /// The nine taps, each across the block's filters.
    var taps: (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>,
               SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>)

    /// Block `block` (filters `8·block …`) of the `filters` filters `weight [filters, 3, 3]`.
    @inline(__always)
    init(_ weight: UnsafePointer<Float>, block: Int, filters: Int) {
        first = 8 * block
        width = min(8, filters - first)
        var g0 = SIMD8<Float>(), g1 = g0, g2 = g0, g3 = g0, g4 = g0, g5 = g0, g6 = g0, g7 = g0, g8 = g0
        for l in 0..<width {
            let p = weight + 9 * (first + l)
            g0[l] = p[0]; g1[l] = p[1]; g2[l] = p[2]; g3[l] = p[3]; g4[l] = p[4]
            g5[l] = p[5]; g6[l] = p[6]; g7[l] = p[7]; g8[l] = p[8]
        }
        taps = (g0, g1, g2, g3, g4, g5, g6, g7, g8)
    }

    /// Writes the block's `width` lanes of `v` to `row[first ..< first + width]`.
    @inline(__always)
    func store(_ v: SIMD8<Float>, into row: UnsafeMutablePointer<Float>) {
        let dst = row + first
        if width == 8 {
            UnsafeMutableRawPointer(dst).storeBytes(of: v, as: SIMD8<Float>.self)
        } else {
            for l in 0..<width { dst[l] = v[l] }
        }
    }
}
