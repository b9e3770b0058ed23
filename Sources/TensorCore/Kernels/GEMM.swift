import COpenBLAS

/// Matrix products, all through OpenBLAS `cblas_sgemm` (row-major).
public enum GEMM {
    /// Products with fewer multiply-accumulates (`m·n·k`) than this (4 M) run on one OpenBLAS
    /// thread even when more are configured: waking and joining OpenBLAS's workers costs tens of
    /// microseconds, as much as a second core saves on such a product. Measured with `masklab
    /// bench --workloads mlp --threads 2` on a quiet machine: thresholds 0 and 4 M gave the same
    /// speed, 16 M and above (the whole LeNet-300-100 step on one thread) 13% less.
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
        let serial = m * n * k < serialMACs && Parallel.blasThreads != 1
        if serial { Parallel.setBLASThreads(1) }
        defer { if serial { Parallel.setBLASThreads(Parallel.threads) } }
        cblas_sgemm(CblasRowMajor,
                    transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha,
                    a, Int32(lda ?? (transA ? m : k)),
                    b, Int32(ldb ?? (transB ? k : n)),
                    beta, c, Int32(ldc ?? n))
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
