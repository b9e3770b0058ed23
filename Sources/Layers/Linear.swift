import TensorCore

/// A fully connected layer, `y = x · Wᵀ + b`, as PyTorch's `nn.Linear`.
///
/// Shapes: `x` is `[N, in]` (any `[N, …]` is read as `[N, rowSize]`), `weight` is `[out, in]`,
/// `bias` is `[out]`, `y` is `[N, out]`.
public final class Linear: Layer {
    public let weight: Parameter
    public let bias: Parameter?
    public let inFeatures: Int, outFeatures: Int
    public var computesInputGradient = true
    private var output = TensorStorage(count: 0), inputGrad = TensorStorage(count: 0)
    private var input: Tensor = .none
    private var inputShape = Shape(0)

    /// Declares `module.weight` `[out, in]` and (if `bias`) `module.bias` `[out]`, both uniform on
    /// ±1/√in as PyTorch.
    public init(_ module: String, _ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, builder: ParameterBuilder) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        let bound = 1 / Float(inFeatures).squareRoot()
        weight = builder.parameter(module, "weight", shape: Shape(outFeatures, inFeatures), role: .weight,
                                   initializer: .uniform(bound: bound))
        self.bias = bias ? builder.parameter(module, "bias", shape: Shape(outFeatures), role: .bias,
                                             initializer: .uniform(bound: bound)) : nil
    }

    public func prepare(input: Shape) -> Shape {
        precondition(input.rowSize == inFeatures, "Linear \(weight.name): input \(input) has \(input.rowSize) features, expected \(inFeatures)")
        inputShape = input
        output = TensorStorage(count: input[0] * outFeatures)
        inputGrad = TensorStorage(count: computesInputGradient ? input.count : 0)
        return Shape(input[0], outFeatures)
    }

    /// `in · out`.
    public var forwardMACsPerSample: Int { inFeatures * outFeatures }

    // y (N,out) = x (N,in) · Wᵀ (in,out) + b
    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        input = x
        let n = x.shape[0]
        let y = output.tensor(Shape(n, outFeatures))
        GEMM.multiply(x.reshaped(Shape(n, inFeatures)), weight.effective, transB: true, into: y)
        if let b = bias { Elementwise.addRowBias(y, bias: b.value) }
        return y
    }

    /// The forward with the bias and `epilogue` applied in one pass over the output (in
    /// inference: a following BatchNorm's map and ReLU, see `OutputEpilogue.applyRows`). Only
    /// inference passes use it: a backward after it would differentiate the wrong function.
    public func forward(_ x: Tensor, epilogue: OutputEpilogue) -> Tensor {
        input = x
        let n = x.shape[0]
        let y = output.tensor(Shape(n, outFeatures))
        GEMM.multiply(x.reshaped(Shape(n, inFeatures)), weight.effective, transB: true, into: y)
        epilogue.applyRows(y.pointer, rows: 0..<n, columns: outFeatures, bias: bias.map { UnsafePointer($0.value.pointer) })
        return y
    }

    // dW (out,in) += dyᵀ (out,N) · x (N,in);  db += Σ_N dy;  dx (N,in) = dy (N,out) · W (out,in)
    public func backward(_ dy: Tensor) -> Tensor {
        let n = dy.shape[0]
        let x2 = input.reshaped(Shape(n, inFeatures))
        if weight.accumulatesGradient { GEMM.multiply(dy, transA: true, x2, into: weight.grad, beta: 1) }
        if let b = bias, b.accumulatesGradient { Reduce.sumRows(dy, into: b.grad, accumulate: true) }
        guard computesInputGradient else { return .none }
        let dx = inputGrad.tensor(input.shape)
        GEMM.multiply(dy, weight.effective, into: dx.reshaped(Shape(n, inFeatures)))
        return dx
    }
}
