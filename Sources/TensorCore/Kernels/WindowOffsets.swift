import CFusedKernels

/// For each kernel offset of a window, where each output entry reads its input: the table that
/// `Im2Col.im2col` gathers through for windows that are not "same" (its block copies cover those),
/// and that `Im2Col.col2im` scatters back through for strided windows.
///
/// `table[(kh·K + kw)·S + oh·OW + ow] = ih·W + iw` with `ih = oh·s − p + kh`, `iw = ow·s − p + kw`,
/// or −1 where that pixel is padding (`S = OH·OW`): `K·K·S` 32-bit offsets, made once per layer
/// when its plan is made (ResNet-18's stride-2 layers: 9 × 256 offsets at most), and empty for a
/// "same" window (`WindowGeometry.isSame`), which needs none. Within one kernel offset the
/// non-negative entries are distinct pixels, which `col2im`'s vector scatter needs.
public struct WindowOffsets: Sendable, Equatable {
    public let geometry: WindowGeometry
    /// `[K·K, OH·OW]` input-plane offsets, −1 in the padding; empty when `geometry.isSame`.
    public let table: [Int32]

    public init(_ g: WindowGeometry) {
        precondition(g.inputPlane <= Int(Int32.max), "an input plane of \(g.inputPlane) entries exceeds 32-bit offsets")
        geometry = g
        guard !g.isSame else { table = []; return }
        var table = [Int32](repeating: -1, count: g.kernel * g.kernel * g.outputPlane)
        for kh in 0..<g.kernel { for kw in 0..<g.kernel {
            let base = (kh * g.kernel + kw) * g.outputPlane
            for oh in 0..<g.outHeight { for ow in 0..<g.outWidth {
                let ih = oh * g.stride - g.padding + kh, iw = ow * g.stride - g.padding + kw
                if ih >= 0 && ih < g.height && iw >= 0 && iw < g.width {
                    table[base + oh * g.outWidth + ow] = Int32(ih * g.width + iw)
                }
            } }
        } }
        self.table = table
    }

    /// Entries one gather instruction of `Im2Col` moves: 16 (AVX-512F), 8 (AVX2) or 1 (scalar);
    /// at first the widest this CPU has.
    public static var vectorWidth: Int { Int(masklab_gather_vector_width()) }

    /// Runs `body` with the gathers limited to `width` entries per instruction (or the widest this
    /// CPU has below it), then restores the previous width; returns the width `body` ran with.
    /// For tests and benchmarks, with no other thread gathering meanwhile.
    @discardableResult
    public static func withVectorWidth(_ width: Int, _ body: () throws -> Void) rethrows -> Int {
        let previous = vectorWidth
        let used = Int(masklab_gather_set_vector_width(Int32(width)))
        defer { masklab_gather_set_vector_width(Int32(previous)) }
        try body()
        return used
    }
}
