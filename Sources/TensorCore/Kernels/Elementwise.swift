/// Elementwise kernels over contiguous buffers, spread over `Parallel.threads`.
///
/// Each has a plain twin in `Reference` that the tests compare against.
public enum Elementwise {
    /// `y[i] = max(x[i], 0)`; `x` and `y` may alias.
    @inlinable
    public static func relu(_ x: Tensor, into y: Tensor) {
        precondition(x.count == y.count, "relu: \(x.shape) vs \(y.shape)")
        let xp = x.pointer, yp = y.pointer
        Parallel.forEachChunk(x.count) { _, r in
            for i in r { let v = xp[i]; yp[i] = v > 0 ? v : 0 }
        }
    }

    /// `dx[i] = y[i] > 0 ? dy[i] : 0` where `y` is the ReLU output; `dx` may alias `dy`.
    @inlinable
    public static func reluBackward(output y: Tensor, gradOutput dy: Tensor, into dx: Tensor) {
        precondition(y.count == dy.count && dy.count == dx.count, "reluBackward: shape mismatch")
        let yp = y.pointer, gp = dy.pointer, dp = dx.pointer
        Parallel.forEachChunk(y.count) { _, r in
            for i in r { let g = gp[i]; dp[i] = yp[i] > 0 ? g : 0 }
        }
    }

    /// `dx[i] += y[i] > 0 ? dy[i] : 0`: a ReLU's backward added onto another gradient (the
    /// identity shortcut of a residual block).
    @inlinable
    public static func addMasked(_ dy: Tensor, where y: Tensor, into dx: Tensor) {
        precondition(y.count == dy.count && dy.count == dx.count, "addMasked: shape mismatch")
        let yp = y.pointer, gp = dy.pointer, dp = dx.pointer
        Parallel.forEachChunk(y.count) { _, r in
            for i in r { let g = gp[i]; dp[i] += yp[i] > 0 ? g : 0 }
        }
    }

    /// `y[i] += alpha · x[i]`.
    @inlinable
    public static func axpy(_ alpha: Float, _ x: Tensor, _ y: Tensor) {
        precondition(x.count == y.count, "axpy: \(x.shape) vs \(y.shape)")
        let xp = x.pointer, yp = y.pointer
        Parallel.forEachChunk(x.count) { _, r in
            for i in r { yp[i] += alpha * xp[i] }
        }
    }

    /// `x[i] *= alpha`.
    @inlinable
    public static func scale(_ x: Tensor, by alpha: Float) {
        let xp = x.pointer
        Parallel.forEachChunk(x.count) { _, r in
            for i in r { xp[i] *= alpha }
        }
    }

    /// `z[i] = x[i] + y[i]`; any of them may alias.
    @inlinable
    public static func add(_ x: Tensor, _ y: Tensor, into z: Tensor) {
        precondition(x.count == y.count && y.count == z.count, "add: shape mismatch")
        let xp = x.pointer, yp = y.pointer, zp = z.pointer
        Parallel.forEachChunk(x.count) { _, r in
            for i in r { zp[i] = xp[i] + yp[i] }
        }
    }

    /// Adds `bias[j]` to every row of `x` viewed as `[rows, bias.count]`.
    @inlinable
    public static func addRowBias(_ x: Tensor, bias: Tensor) {
        let cols = bias.count, rows = x.count / cols
        precondition(rows * cols == x.count, "addRowBias: \(x.shape) not a multiple of \(bias.count)")
        let xp = x.pointer, bp = bias.pointer
        Parallel.forEachChunk(rows, costPerItem: cols) { _, r in
            for i in r {
                let row = xp + i * cols
                for j in 0..<cols { row[j] += bp[j] }
            }
        }
    }
}
