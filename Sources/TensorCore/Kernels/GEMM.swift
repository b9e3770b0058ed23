import COpenBLAS

/// Matrix products, all through OpenBLAS `cblas_sgemm` (row-major).
public enum GEMM {
    /// Products with at least this many multiply-accumulates (`m·n·k`, 4 M) are split over
    /// `Parallel.gemmThreads` threads — by columns of C when `n ≥ m`, else by rows — each part one
    /// single-threaded OpenBLAS call; smaller ones run on the calling thread (waking a second
    /// thread costs as much as it saves on them: thresholds 0 and 4 M gave the same `masklab bench
    /// --workloads mlp` speed, 16 M and above, i.e. the whole LeNet-300-100 step serial, 13% less).
    /// The split depends only on the sizes and the thread count, so results are deterministic;
    /// whether the parts then run on the pool or one after the other on the calling thread is
    /// `Parallel.forEachPart`'s choice (`RegionCost.multiplyAdds`) and changes no result.
    nonisolated(unsafe) public static var serialMACs = 1 << 22

    /// `C = alpha · op(A) · op(B) + beta · C` with `op(A)` of shape `[m, k]`, `op(B)` `[k, n]`, `C` `[m, n]`.
    ///
    /// `A` is stored `[m, k]` (or `[k, m]` when `transA`), `B` is `[k, n]` (or `[n, k]` when
    /// `transB`); `lda`, `ldb`, `ldc` are row strides in elements and default to dense storage.
    @inlinable
    public static func multiply(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int? = nil,
        b: UnsafePointer<Float>, ldb: Int? = nil,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int? = nil
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            // BLAS leaves C·beta; do the same explicitly so beta = 0 clears garbage.
            for i in 0..<(m * (ldc ?? n)) { c[i] = beta == 0 ? 0 : c[i] * beta }
            return
        }
        let lda = lda ?? (transA ? m : k), ldb = ldb ?? (transB ? k : n), ldc = ldc ?? n
        let parts = Parallel.gemmThreads
        guard parts > 1 && m * n * k >= serialMACs && max(m, n) >= parts else {
            sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        let cost = RegionCost.multiplyAdds(m * n * k, bytes: 4 * (m * k + k * n + m * n))
        Parallel.forEachPart(parts, cost: cost) { p in
            if n >= m {
                let j0 = p * n / parts, j1 = (p + 1) * n / parts
                sgemm(transA, transB, m, j1 - j0, k, alpha, a, lda, b + (transB ? j0 * ldb : j0), ldb, beta, c + j0, ldc)
            } else {
                let i0 = p * m / parts, i1 = (p + 1) * m / parts
                sgemm(transA, transB, i1 - i0, n, k, alpha, a + (transA ? i0 : i0 * lda), lda, b, ldb, beta, c + i0 * ldc, ldc)
            }
        }
    }

    /// One row-major `cblas_sgemm` call.
    @inlinable
    static func sgemm(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                      _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                      _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Tensor form: `c = alpha · op(a) · op(b) + beta · c`, with 2-D views (leading dims merged:
    /// a tensor of shape `[r, …]` is read as `[r, rowSize]`).
    @inlinable
    public static func multiply(_ a: Tensor, transA: Bool = false, _ b: Tensor, transB: Bool = false,
                                into c: Tensor, alpha: Float = 1, beta: Float = 0) {
        let (ar, ac) = (a.shape[0], a.shape.rowSize)
        let (br, bc) = (b.shape[0], b.shape.rowSize)
        let m = transA ? ac : ar, k = transA ? ar : ac
        let kb = transB ? bc : br, n = transB ? br : bc
        precondition(k == kb, "GEMM inner dimensions differ: op(a) \(m)x\(k), op(b) \(kb)x\(n)")
        precondition(c.shape[0] == m && c.shape.rowSize == n, "GEMM output \(c.shape) is not \(m)x\(n)")
        multiply(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                 a: a.pointer, b: b.pointer, beta: beta, c: c.pointer)
    }
}
