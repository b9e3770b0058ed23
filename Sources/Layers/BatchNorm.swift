import TensorCore

/// Batch normalisation over the channel dimension, as PyTorch's `BatchNorm1d` (input `[N, C]`)
/// and `BatchNorm2d` (input `[N, C, H, W]`): statistics per channel over the batch and spatial
/// positions (M = N·H·W values each).
///
/// Training: `y = γ (x − μ_B) / √(σ²_B + ε) + β` with the biased batch variance; running
/// statistics move as `r ← (1 − momentum) r + momentum · s` where the variance fed in is the
/// unbiased one (`σ²_B · M/(M−1)`), and `num_batches_tracked` counts updates. Inference uses the
/// running statistics. Defaults momentum 0.1, ε 1e-5 as PyTorch.
public final class BatchNorm: Layer {
    public let scale: Parameter, shift: Parameter
    public let runningMean: StateBuffer, runningVar: StateBuffer
    public let batchesTracked: CounterBuffer
    public let channels: Int
    public let momentum: Float, epsilon: Float
    public var computesInputGradient = true

    private var output = TensorStorage(count: 0), inputGrad = TensorStorage(count: 0)
    private var normalised = TensorStorage(count: 0)   // x̂, [N, C, S]
    private var inverseStd = TensorStorage(count: 0)   // 1/√(σ² + ε) per channel
    private var inputShape = Shape(0)
    private var lastMode = ForwardMode.training

    /// Declares `module.weight` (γ = 1), `module.bias` (β = 0), `module.running_mean` (0),
    /// `module.running_var` (1) and `module.num_batches_tracked`, in PyTorch's order.
    public init(_ module: String, channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5, builder: ParameterBuilder) {
        self.channels = channels
        self.momentum = momentum
        self.epsilon = epsilon
        scale = builder.parameter(module, "weight", shape: Shape(channels), role: .normScale, initializer: .constant(1))
        shift = builder.parameter(module, "bias", shape: Shape(channels), role: .normShift, initializer: .constant(0))
        runningMean = builder.buffer(module, "running_mean", shape: Shape(channels), initialValue: 0)
        runningVar = builder.buffer(module, "running_var", shape: Shape(channels), initialValue: 1)
        batchesTracked = builder.counter(module, "num_batches_tracked")
    }

    public func prepare(input: Shape) -> Shape {
        precondition(input.rank >= 2 && input[1] == channels, "BatchNorm \(scale.name): input \(input) does not have \(channels) channels")
        inputShape = input
        output = TensorStorage(count: input.count)
        normalised = TensorStorage(count: input.count)
        inverseStd = TensorStorage(count: channels)
        inputGrad = TensorStorage(count: computesInputGradient ? input.count : 0)
        return input
    }

    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        inputShape = x.shape
        lastMode = mode
        let n = x.shape[0], c = channels, s = x.shape.rowSize / channels
        let m = n * s
        let xp = x.pointer, yp = output.base, hp = normalised.base, ip = inverseStd.base
        let gp = scale.value.pointer, bp = shift.value.pointer
        let rm = runningMean.value.pointer, rv = runningVar.value.pointer
        let mom = momentum, eps = epsilon
        let useBatch = mode != .inference
        let update = mode == .training
        Parallel.forEach(c, costPerItem: 3 * m) { ch in
            var mean: Double, variance: Double
            if useBatch {
                var sum = 0.0
                for i in 0..<n { let row = xp + i * c * s + ch * s; for j in 0..<s { sum += Double(row[j]) } }
                mean = sum / Double(m)
                var sq = 0.0
                for i in 0..<n { let row = xp + i * c * s + ch * s; for j in 0..<s { let d = Double(row[j]) - mean; sq += d * d } }
                variance = sq / Double(m)
                if update {
                    rm[ch] = (1 - mom) * rm[ch] + mom * Float(mean)
                    let unbiased = m > 1 ? variance * Double(m) / Double(m - 1) : variance
                    rv[ch] = (1 - mom) * rv[ch] + mom * Float(unbiased)
                }
            } else {
                mean = Double(rm[ch])
                variance = Double(rv[ch])
            }
            let inv = Float(1 / (variance + Double(eps)).squareRoot())
            ip[ch] = inv
            let mu = Float(mean), g = gp[ch], b = bp[ch]
            for i in 0..<n {
                let o = i * c * s + ch * s
                for j in 0..<s {
                    let h = (xp[o + j] - mu) * inv
                    hp[o + j] = h
                    yp[o + j] = g * h + b
                }
            }
        }
        if update { batchesTracked.value += 1 }
        return output.tensor(x.shape)
    }

    // dγ += Σ dy·x̂;  dβ += Σ dy;
    // batch statistics: dx = γ·inv/M · (M·dy − Σdy − x̂·Σ(dy·x̂));  running statistics: dx = γ·inv·dy
    public func backward(_ dy: Tensor) -> Tensor {
        let n = dy.shape[0], c = channels, s = dy.shape.rowSize / channels
        let m = Float(n * s)
        let gp = dy.pointer, hp = normalised.base, ip = inverseStd.base
        let dgam = scale.grad.pointer, dbet = shift.grad.pointer, gam = scale.value.pointer
        let dxp = computesInputGradient ? inputGrad.base : nil
        let batchStats = lastMode != .inference
        Parallel.forEach(c, costPerItem: 3 * n * s) { ch in
            var sdy: Float = 0, sdyh: Float = 0
            for i in 0..<n {
                let o = i * c * s + ch * s
                for j in 0..<s { sdy += gp[o + j]; sdyh += gp[o + j] * hp[o + j] }
            }
            dgam[ch] += sdyh
            dbet[ch] += sdy
            guard let dxp else { return }
            let k = gam[ch] * ip[ch]
            for i in 0..<n {
                let o = i * c * s + ch * s
                if batchStats {
                    let a = k / m
                    for j in 0..<s { dxp[o + j] = a * (m * gp[o + j] - sdy - hp[o + j] * sdyh) }
                } else {
                    for j in 0..<s { dxp[o + j] = k * gp[o + j] }
                }
            }
        }
        return computesInputGradient ? inputGrad.tensor(dy.shape) : .none
    }
}
