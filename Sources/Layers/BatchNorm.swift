import TensorCore

/// Batch normalisation over the channel dimension, as PyTorch's `BatchNorm1d` (input `[N, C]`)
/// and `BatchNorm2d` (input `[N, C, H, W]`): statistics per channel over the batch and spatial
/// positions (M = N·H·W values each); with `relu: true`, followed by a ReLU in the same pass
/// (`relu(bn(x))`, the BN→ReLU pair of a ResNet, with BatchNorm's names and parameters unchanged).
///
/// Training: `y = γ (x − μ_B) / √(σ²_B + ε) + β` with the biased batch variance; running
/// statistics move as `r ← (1 − momentum) r + momentum · s` where the variance fed in is the
/// unbiased one (`σ²_B · M/(M−1)`), and `num_batches_tracked` counts updates. Inference uses the
/// running statistics. Defaults momentum 0.1, ε 1e-5 as PyTorch.
///
/// Memory: the layer keeps its output and per-channel statistics only; backward recomputes
/// `x̂ = (x − μ)·inv` from the input (the previous layer's output, still alive), see
/// `Normalization`. With `gradientInPlace` (set by a container that owns the incoming gradient,
/// before `prepare`), backward writes `dx` over `dy` and the layer holds no gradient buffer.
/// `BasicBlock` also uses the statistics and gradient steps directly to fuse `bn2`, the shortcut's
/// BatchNorm, the residual add and the ReLU.
public final class BatchNorm: Layer {
    public let scale: Parameter, shift: Parameter
    public let runningMean: StateBuffer, runningVar: StateBuffer
    public let batchesTracked: CounterBuffer
    public let channels: Int
    public let momentum: Float, epsilon: Float
    /// Whether a ReLU follows in the same pass.
    public let relu: Bool
    public var computesInputGradient = true
    /// Backward overwrites `dy` with `dx` (no gradient buffer of its own); set before `prepare`.
    public var gradientInPlace = false

    private var output = TensorStorage(count: 0), inputGrad = TensorStorage(count: 0)
    /// Per channel: mean, inv, a = γ·inv, b = β − γ·μ·inv, Σg, Σg·(x − μ), p, q (8 × C floats).
    private let perChannel: TensorStorage
    private var input: Tensor = .none
    private var lastMode = ForwardMode.training

    /// Declares `module.weight` (γ = 1), `module.bias` (β = 0), `module.running_mean` (0),
    /// `module.running_var` (1) and `module.num_batches_tracked`, in PyTorch's order.
    public init(_ module: String, channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5, relu: Bool = false,
                builder: ParameterBuilder) {
        self.channels = channels
        self.momentum = momentum
        self.epsilon = epsilon
        self.relu = relu
        scale = builder.parameter(module, "weight", shape: Shape(channels), role: .normScale, initializer: .constant(1))
        shift = builder.parameter(module, "bias", shape: Shape(channels), role: .normShift, initializer: .constant(0))
        runningMean = builder.buffer(module, "running_mean", shape: Shape(channels), initialValue: 0)
        runningVar = builder.buffer(module, "running_var", shape: Shape(channels), initialValue: 1)
        batchesTracked = builder.counter(module, "num_batches_tracked")
        perChannel = TensorStorage(count: 8 * channels)
    }

    public func prepare(input: Shape) -> Shape {
        precondition(input.rank >= 2 && input[1] == channels, "BatchNorm \(scale.name): input \(input) does not have \(channels) channels")
        output = TensorStorage(count: input.count)
        inputGrad = TensorStorage(count: computesInputGradient && !gradientInPlace ? input.count : 0)
        return input
    }

    // Per-channel views of `perChannel`.
    var mean: UnsafeMutablePointer<Float> { perChannel.base }
    var inverseStd: UnsafeMutablePointer<Float> { perChannel.base + channels }
    /// `a = γ·inv`: the forward's per-channel scale (and the backward's `k`).
    public var affineScale: UnsafeMutablePointer<Float> { perChannel.base + 2 * channels }
    /// `b = β − γ·μ·inv`: the forward's per-channel shift.
    public var affineShift: UnsafeMutablePointer<Float> { perChannel.base + 3 * channels }
    /// `Σ g` and `Σ g·(x − μ)` per channel, filled by `Normalization.gradientSums` (or, channel by
    /// channel, `Normalization.backward`) before `finishSums`.
    public var sumG: UnsafeMutablePointer<Float> { perChannel.base + 4 * channels }
    public var sumGX: UnsafeMutablePointer<Float> { perChannel.base + 5 * channels }
    var p: UnsafeMutablePointer<Float> { perChannel.base + 6 * channels }
    var q: UnsafeMutablePointer<Float> { perChannel.base + 7 * channels }
    /// The centre of the recomputed x̂ (the mean used by the last forward).
    public var centre: UnsafePointer<Float> { UnsafePointer(mean) }
    /// The last forward's input.
    public var lastInput: Tensor { input }

    /// Statistics of `x` for `mode` (batch or running), the running-statistics update in
    /// `.training`, and the affine coefficients `a`, `b` of the forward. Remembers `x` for backward.
    public func fitStatistics(_ x: Tensor, mode: ForwardMode) {
        precondition(x.shape.rank >= 2 && x.shape[1] == channels,
                     "BatchNorm \(scale.name): input \(x.shape) does not have \(channels) channels")
        input = x
        lastMode = mode
        let n = x.shape[0], c = channels, s = x.shape.rowSize / channels, m = n * s
        let mu = mean, inv = inverseStd
        let rm = runningMean.value.pointer, rv = runningVar.value.pointer
        if mode.usesRunningStatistics {
            for ch in 0..<c { mu[ch] = rm[ch]; inv[ch] = rv[ch] }
        } else {
            Normalization.statistics(x.pointer, images: n, channels: c, plane: s, mean: mu, variance: inv)
            if mode == .training {
                let unbias = m > 1 ? Float(m) / Float(m - 1) : 1
                for ch in 0..<c {
                    rm[ch] = (1 - momentum) * rm[ch] + momentum * mu[ch]
                    rv[ch] = (1 - momentum) * rv[ch] + momentum * (inv[ch] * unbias)
                }
                batchesTracked.value += 1
            }
        }
        finishCoefficients()
    }

    /// `inv`, `a` and `b` from `mean` and the variance held in `inverseStd`.
    private func finishCoefficients() {
        let mu = mean, inv = inverseStd, a = affineScale, b = affineShift
        let gp = scale.value.pointer, bp = shift.value.pointer
        for ch in 0..<channels {
            let i = Float(1 / (Double(inv[ch]) + Double(epsilon)).squareRoot())   // inv held σ² until here
            inv[ch] = i
            a[ch] = gp[ch] * i
            b[ch] = bp[ch] - gp[ch] * mu[ch] * i
        }
    }

    /// The inference forward fused into the product before it: fits `a`, `b` from the running
    /// statistics (as `fitStatistics(_, mode: .inference)`, without an input) and returns the
    /// epilogue `relu?(a·t + b)` (`relu` when the layer carries one or `relu` is true) that the
    /// product applies as it writes its output. Nothing is kept for a backward.
    public func inferenceEpilogue(relu: Bool = false) -> OutputEpilogue {
        input = .none
        lastMode = .inference
        let rm = runningMean.value.pointer, rv = runningVar.value.pointer
        for ch in 0..<channels { mean[ch] = rm[ch]; inverseStd[ch] = rv[ch] }
        finishCoefficients()
        return OutputEpilogue(scale: affineScale, shift: affineShift, relu: relu || self.relu)
    }

    /// After `sumG`/`sumGX` are filled for the last forward's input: accumulates `dγ += inv·Σg(x − μ)`
    /// and `dβ += Σg`, and sets the input-gradient coefficients `p`, `q` (zero for running statistics).
    public func finishSums(count m: Int) {
        for ch in 0..<channels { finishSums(channel: ch, count: m) }
    }

    /// `finishSums` for channel `ch` alone (touches only index `ch`; `Normalization.backward`
    /// calls it from the thread that summed the channel). `m`: values per channel, n·S.
    func finishSums(channel ch: Int, count m: Int) {
        let inv = inverseStd, a = affineScale, dgam = scale.grad.pointer, dbet = shift.grad.pointer
        let batch = !lastMode.usesRunningStatistics, fm = Float(m)
        dgam[ch] += inv[ch] * sumGX[ch]
        dbet[ch] += sumG[ch]
        p[ch] = batch ? -a[ch] * inv[ch] * inv[ch] * sumGX[ch] / fm : 0
        q[ch] = batch ? -a[ch] * sumG[ch] / fm : 0
    }

    /// `dx (+)= k·g + p·(x − μ) + q` for the last forward's input (after `finishSums`), `g` being
    /// `dy` masked by `reluOutput > 0` when given.
    public func inputGradient(_ dy: Tensor, reluOutput: Tensor?, accumulate: Bool = false, into dx: Tensor) {
        let n = input.shape[0], s = input.shape.rowSize / channels
        Normalization.inputGradient(dy.pointer, reluOutput: reluOutput.map { UnsafePointer($0.pointer) }, input.pointer,
                                    mean: centre, images: n, channels: channels, plane: s,
                                    k: affineScale, p: p, q: q, accumulate: accumulate, into: dx.pointer)
    }

    // y (N,C,S) = relu?(a·x + b), a = γ·inv, b = β − γ·μ·inv
    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        precondition(x.count <= output.count, "BatchNorm \(scale.name): input \(x.shape) exceeds the prepared size")
        fitStatistics(x, mode: mode)
        let n = x.shape[0], s = x.shape.rowSize / channels
        let y = output.tensor(x.shape)
        Normalization.affine(x.pointer, images: n, channels: channels, plane: s, scale: affineScale, shift: affineShift,
                             residual: nil, residualScale: nil, residualShift: nil, relu: relu, into: y.pointer)
        return y
    }

    // g = dy·[y > 0] (relu) or dy;  dγ += Σ g·x̂;  dβ += Σ g;
    // batch statistics: dx = γ·inv/M · (M·g − Σg − x̂·Σ(g·x̂));  running statistics: dx = γ·inv·g
    // The ReLU's mask [y > 0] = [a·x + b > 0] is recomputed from x (read anyway) rather than read from y.
    public func backward(_ dy: Tensor) -> Tensor {
        let n = dy.shape[0], s = dy.shape.rowSize / channels
        precondition(dy.shape == input.shape, "BatchNorm \(scale.name): gradient \(dy.shape) does not match the last input \(input.shape)")
        let mask = relu ? Normalization.ReluOfAffine(scale: affineScale, shift: affineShift) : nil
        guard computesInputGradient else {
            Normalization.gradientSums(dy.pointer, reluOutput: nil, reluOf: mask, input.pointer, mean: centre,
                                       images: n, channels: channels, plane: s, sumG: sumG, sumGX: sumGX)
            finishSums(count: n * s)
            return .none
        }
        let dx = gradientInPlace ? dy : inputGrad.tensor(dy.shape)
        // The sums, the coefficients and dx channel by channel, dy and x read once from memory.
        Normalization.backward(dy.pointer, reluOutput: nil, reluOf: mask, input.pointer, mean: centre,
                               images: n, channels: channels, plane: s, sumG: sumG, sumGX: sumGX,
                               finish: { self.finishSums(channel: $0, count: n * s) },
                               k: affineScale, p: p, q: q, into: dx.pointer)
        return dx
    }
}
