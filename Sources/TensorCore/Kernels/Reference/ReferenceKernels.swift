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

extension Reference {
    /// One Adam / AdamW step on arrays, element by element (the twin of `AdamUpdate.apply`),
    /// under the flush-to-zero and denormals-are-zero the kernel runs with: an input below 2⁻¹²⁶
    /// in magnitude counts as ±0, and a result the processor finds tiny becomes ±0 — on x86 when
    /// it is below 2⁻¹²⁶ after rounding to 24 bits with an unbounded exponent ("tininess after
    /// rounding"), on arm64 when the exact result is below 2⁻¹²⁶ ("before rounding"). Each
    /// operation is computed in Double, which rounds to the same Float as the Float operation
    /// (53 ≥ 2·24 + 2 bits) and shows where the exact result lies. Returns the new parameters,
    /// first and second moments.
    public static func adamUpdate(values: [Float], grads: [Float], firstMoment: [Float], secondMoment: [Float],
                                  _ c: AdamUpdate.Coefficients) -> (values: [Float], firstMoment: [Float], secondMoment: [Float]) {
        func z(_ x: Float) -> Float { x.isSubnormal ? (x.sign == .minus ? -0.0 : 0.0) : x }
        func flush(_ d: Double) -> Float {
            #if arch(arm64)
            let tiny = abs(d) < 0x1p-126
            #else
            let tiny = abs(Float(d * 0x1p64)) < 0x1p-62
            #endif
            return tiny ? (d.sign == .minus ? -0.0 : 0.0) : Float(d)
        }
        func mul(_ a: Float, _ b: Float) -> Float { flush(Double(z(a)) * Double(z(b))) }
        func add(_ a: Float, _ b: Float) -> Float { flush(Double(z(a)) + Double(z(b))) }
        func sub(_ a: Float, _ b: Float) -> Float { flush(Double(z(a)) - Double(z(b))) }
        func div(_ a: Float, _ b: Float) -> Float { flush(Double(z(a)) / Double(z(b))) }
        func sqrt(_ a: Float) -> Float { flush(Double(z(a)).squareRoot()) }
        var (p, m, v) = (values, firstMoment, secondMoment)
        for i in p.indices {
            var g = z(grads[i])
            if c.decoupled { p[i] = mul(p[i], c.shrink) } else { g = add(g, mul(c.weightDecay, p[i])) }
            m[i] = add(mul(c.beta1, m[i]), mul(1 - c.beta1, g))
            v[i] = add(mul(c.beta2, v[i]), mul(mul(1 - c.beta2, g), g))
            let denom = add(div(sqrt(v[i]), c.correction2Sqrt), c.epsilon)
            p[i] = sub(p[i], div(mul(c.stepSize, m[i]), denom))
        }
        return (p, m, v)
    }
}
