import TensorCore

/// `[N, C, H, W]` (or any `[N, …]`) viewed as `[N, C·H·W]`; no copy in either direction.
public final class Flatten: Layer {
    public var computesInputGradient = true
    private var inputShape = Shape(0)

    public init() {}

    public func prepare(input: Shape) -> Shape {
        inputShape = input
        return Shape(input[0], input.rowSize)
    }

    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        inputShape = x.shape
        return x.reshaped(Shape(x.shape[0], x.shape.rowSize))
    }

    public func backward(_ dy: Tensor) -> Tensor {
        computesInputGradient ? dy.reshaped(inputShape) : .none
    }
}
