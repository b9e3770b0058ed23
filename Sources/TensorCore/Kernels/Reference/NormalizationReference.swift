/// Plain twins of the `Normalization` kernels, on arrays in Double, written from the formulas
/// (x̂ computed explicitly, the ReLU as a separate step). Tests only.
extension Reference {
    /// Mean and biased variance of each channel of `[n, C, S]`.
    public static func batchStatistics(_ x: [Float], channels c: Int, plane s: Int) -> (mean: [Float], variance: [Float]) {
        let n = x.count / (c * s)
        var mean: [Float] = [], variance: [Float] = []
        for ch in 0..<c {
            var values: [Double] = []
            for i in 0..<n { for j in 0..<s { values.append(Double(x[(i * c + ch) * s + j])) } }
            let mu = values.reduce(0, +) / Double(values.count)
            mean.append(Float(mu))
            variance.append(Float(values.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(values.count)))
        }
        return (mean, variance)
    }

    /// `y = relu?(γ·x̂ + β + shortcut)`, x̂ = (x − μ)/√(σ² + ε), where the shortcut is `r` as it is
    /// (`rMean` nil) or normalised the same way with its own statistics and `rGamma`, `rBeta`.
    public static func batchNormForward(_ x: [Float], channels c: Int, plane s: Int, mean: [Float], variance: [Float],
                                        gamma: [Float], beta: [Float], epsilon: Float, relu: Bool,
                                        residual r: [Float]? = nil, rMean: [Float]? = nil, rVariance: [Float]? = nil,
                                        rGamma: [Float]? = nil, rBeta: [Float]? = nil) -> [Float] {
        x.indices.map { i in
            let ch = (i / s) % c
            var v = Double(gamma[ch]) * (Double(x[i]) - Double(mean[ch])) / (Double(variance[ch]) + Double(epsilon)).squareRoot()
                + Double(beta[ch])
            if let r {
                if let rMean, let rVariance, let rGamma, let rBeta {
                    v += Double(rGamma[ch]) * (Double(r[i]) - Double(rMean[ch])) / (Double(rVariance[ch]) + Double(epsilon)).squareRoot()
                        + Double(rBeta[ch])
                } else {
                    v += Double(r[i])
                }
            }
            return Float(relu ? max(v, 0) : v)
        }
    }

    /// The backward of `y = relu?(γ·x̂ + β + …)` through the normalisation of `x`:
    /// `g = dy·[y > 0]`; batch statistics `dx = γ·inv/M·(M·g − Σg − x̂·Σ g·x̂)`, running
    /// statistics `dx = γ·inv·g`; `dγ = Σ g·x̂`, `dβ = Σ g`.
    public static func batchNormBackward(_ dy: [Float], output y: [Float]?, input x: [Float], channels c: Int, plane s: Int,
                                         mean: [Float], variance: [Float], gamma: [Float], epsilon: Float,
                                         batchStatistics: Bool) -> (dx: [Float], dgamma: [Float], dbeta: [Float]) {
        let n = x.count / (c * s), m = Double(n * s)
        let g = dy.indices.map { i in y.map { $0[i] > 0 ? Double(dy[i]) : 0 } ?? Double(dy[i]) }
        let inv = (0..<c).map { 1 / (Double(variance[$0]) + Double(epsilon)).squareRoot() }
        let xhat = x.indices.map { i in (Double(x[i]) - Double(mean[(i / s) % c])) * inv[(i / s) % c] }
        var sg = [Double](repeating: 0, count: c), sgx = sg
        for i in x.indices { sg[(i / s) % c] += g[i]; sgx[(i / s) % c] += g[i] * xhat[i] }
        let dx = x.indices.map { i -> Float in
            let ch = (i / s) % c
            let k = Double(gamma[ch]) * inv[ch]
            return Float(batchStatistics ? k / m * (m * g[i] - sg[ch] - xhat[i] * sgx[ch]) : k * g[i])
        }
        return (dx, sgx.map(Float.init), sg.map(Float.init))
    }
}
