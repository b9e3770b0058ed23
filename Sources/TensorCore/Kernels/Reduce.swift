/// Reductions over contiguous buffers. Sums run in a fixed order for a given thread count, so
/// results are bit-identical between runs.
public enum Reduce {
    /// `out[j] (+)= Σ_i x[i, j]` over the rows of `x` viewed as `[rows, out.count]`;
    /// accumulates into `out` when `accumulate` (as a gradient does).
    @inlinable
    public static func sumRows(_ x: Tensor, into out: Tensor, accumulate: Bool) {
        let cols = out.count, rows = x.count / cols
        precondition(rows * cols == x.count, "sumRows: \(x.shape) not a multiple of \(out.count)")
        let xp = x.pointer, op = out.pointer
        // Columns are independent: split them over threads; each column sums rows in order.
        Parallel.forEachChunk(cols, costPerItem: rows) { _, r in
            for j in r {
                var s: Float = accumulate ? op[j] : 0
                for i in 0..<rows { s += xp[i * cols + j] }
                op[j] = s
            }
        }
    }

    /// Σ x[i] in double precision, in index order.
    @inlinable
    public static func sum(_ x: Tensor) -> Double {
        var s = 0.0
        for i in 0..<x.count { s += Double(x.pointer[i]) }
        return s
    }

    /// Σ x[i]² in double precision, in index order.
    @inlinable
    public static func sumOfSquares(_ x: Tensor) -> Double {
        var s = 0.0
        for i in 0..<x.count { let v = Double(x.pointer[i]); s += v * v }
        return s
    }

    /// Index of the largest entry of each row of `x` (`[rows, cols]`) written to `out[row]`
    /// (first index on ties, as `torch.argmax`).
    @inlinable
    public static func argmaxRows(_ x: Tensor, rows: Int, into out: UnsafeMutablePointer<Int32>) {
        let cols = x.count / max(rows, 1)
        for i in 0..<rows {
            let row = x.pointer + i * cols
            var best = 0
            var bv = row[0]
            for j in 1..<cols where row[j] > bv { bv = row[j]; best = j }
            out[i] = Int32(best)
        }
    }

    /// True when every entry is finite.
    @inlinable
    public static func allFinite(_ x: Tensor) -> Bool {
        for i in 0..<x.count where !x.pointer[i].isFinite { return false }
        return true
    }
}
