import TensorCore

/// The mean of each channel over all positions: `[N, C, H, W]` → `[N, C]` (PyTorch
/// `F.adaptive_avg_pool2d(x, 1).flatten(1)`; kuangliu's ResNet writes `F.avg_pool2d(out, 4)`,
/// the same on its 4×4 maps).
public final class GlobalAvgPool2d: Layer {
    public var computesInputGradient = true
    private var output = TensorStorage(count: 0), inputGrad = TensorStorage(count: 0)
    private var inputShape = Shape(0)

    public init() {}

    public func prepare(input: Shape) -> Shape {
        precondition(input.rank == 4, "GlobalAvgPool2d: input \(input) is not [N, C, H, W]")
        inputShape = input
        output = TensorStorage(count: input[0] * input[1])
        inputGrad = TensorStorage(count: computesInputGradient ? input.count : 0)
        return Shape(input[0], input[1])
    }

    // y (N,C) = mean over (H,W) of x (N,C,H,W)
    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        precondition(x.shape.rank == 4, "GlobalAvgPool2d: input \(x.shape) is not [N, C, H, W]")
        inputShape = x.shape
        let y = output.tensor(Shape(x.shape[0], x.shape[1]))
        Pooling.globalAvgPool(x.pointer, planes: y.count, plane: x.shape[2] * x.shape[3], into: y.pointer)
        return y
    }

    // dx (N,C,H,W) = dy (N,C) / (H·W) at every position
    public func backward(_ dy: Tensor) -> Tensor {
        guard computesInputGradient else { return .none }
        let dx = inputGrad.tensor(inputShape)
        Pooling.globalAvgPoolBackward(dy.pointer, planes: dy.count, plane: inputShape[2] * inputShape[3], into: dx.pointer)
        return dx
    }
}
