/// Plain, obviously-correct twins of the kernels, on arrays, for tests to compare against.
/// Slow by design; nothing in training calls them.
public enum Reference {
    /// Row-major `C = alpha·op(A)·op(B) + beta·C` accumulated in Double.
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                            a: [Float], b: [Float], beta: Float, c: [Float]) -> [Float] {
        var out = c
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let av = transA ? a[p * m + i] : a[i * k + p]
                    let bv = transB ? b[j * k + p] : b[p * n + j]
                    s += Double(av) * Double(bv)
                }
                out[i * n + j] = Float(Double(alpha) * s + Double(beta) * Double(c[i * n + j]))
            }
        }
        return out
    }

    public static func relu(_ x: [Float]) -> [Float] { x.map { max($0, 0) } }

    public static func reluBackward(output y: [Float], gradOutput dy: [Float]) -> [Float] {
        zip(y, dy).map { $0 > 0 ? $1 : 0 }
    }

    public static func addMasked(_ dy: [Float], where y: [Float], into dx: [Float]) -> [Float] {
        dx.indices.map { dx[$0] + (y[$0] > 0 ? dy[$0] : 0) }
    }

    public static func axpy(_ alpha: Float, _ x: [Float], _ y: [Float]) -> [Float] {
        zip(x, y).map { $1 + alpha * $0 }
    }

    public static func addRowBias(_ x: [Float], bias: [Float]) -> [Float] {
        x.enumerated().map { $0.element + bias[$0.offset % bias.count] }
    }

    public static func sumRows(_ x: [Float], cols: Int) -> [Float] {
        var out = [Float](repeating: 0, count: cols)
        for (i, v) in x.enumerated() { out[i % cols] += v }
        return out
    }

    public static func argmaxRows(_ x: [Float], rows: Int) -> [Int32] {
        let cols = x.count / rows
        return (0..<rows).map { r in
            let row = x[(r * cols)..<((r + 1) * cols)]
            return Int32(row.firstIndex(of: row.max()!)! - r * cols)
        }
    }
}
