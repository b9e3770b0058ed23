import TensorCore

/// `y = max(x, 0)`, elementwise. Shapes: `y` and `dx` as `x`.
public final class ReLU: Layer {
    public var computesInputGradient = true
    private var output = TensorStorage(count: 0), inputGrad = TensorStorage(count: 0)
    private var last: Tensor = .none

    public init() {}

    public func prepare(input: Shape) -> Shape {
        output = TensorStorage(count: input.count)
        inputGrad = TensorStorage(count: computesInputGradient ? input.count : 0)
        return input
    }

    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        let y = output.tensor(x.shape)
        Elementwise.relu(x, into: y)
        last = y
        return y
    }

    // dx = dy where y > 0, else 0
    public func backward(_ dy: Tensor) -> Tensor {
        guard computesInputGradient else { return .none }
        let dx = inputGrad.tensor(dy.shape)
        Elementwise.reluBackward(output: last, gradOutput: dy, into: dx)
        return dx
    }
}
