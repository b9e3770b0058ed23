import TensorCore

/// Average pooling over unpadded K×K windows, as PyTorch's `nn.AvgPool2d(kernel, stride)`.
///
/// Shapes: `x` `[N, C, H, W]` → `y` `[N, C, OH, OW]`, `OH = ⌊(H − K)/s⌋ + 1`.
public final class AvgPool2d: Layer {
    public let kernel: Int, stride: Int
    public var computesInputGradient = true
    private var output = TensorStorage(count: 0), inputGrad = TensorStorage(count: 0)
    private var geometry = WindowGeometry(channels: 1, height: 1, width: 1, kernel: 1)
    private var inputShape = Shape(0)

    /// `stride` defaults to `kernel`, as PyTorch.
    public init(kernel: Int, stride: Int? = nil) {
        self.kernel = kernel
        self.stride = stride ?? kernel
    }

    public func prepare(input: Shape) -> Shape {
        precondition(input.rank == 4, "AvgPool2d: input \(input) is not [N, C, H, W]")
        geometry = WindowGeometry(channels: input[1], height: input[2], width: input[3], kernel: kernel, stride: stride)
        let out = Shape(input[0], input[1], geometry.outHeight, geometry.outWidth)
        output = TensorStorage(count: out.count)
        inputGrad = TensorStorage(count: computesInputGradient ? input.count : 0)
        inputShape = input
        return out
    }

    // y (N,C,OH,OW) = mean over each K×K window of x (N,C,H,W)
    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        precondition(x.shape.rank == 4 && x.shape[1] == geometry.channels && x.shape[2] == geometry.height
                     && x.shape[3] == geometry.width, "AvgPool2d: input \(x.shape) differs from the prepared \(geometry)")
        inputShape = x.shape
        let n = x.shape[0]
        let y = output.tensor(Shape(n, geometry.channels, geometry.outHeight, geometry.outWidth))
        Pooling.avgPool(x.pointer, geometry, images: n, into: y.pointer)
        return y
    }

    // dx (N,C,H,W) = dy / K² spread over each window
    public func backward(_ dy: Tensor) -> Tensor {
        guard computesInputGradient else { return .none }
        let dx = inputGrad.tensor(inputShape)
        Pooling.avgPoolBackward(dy.pointer, geometry, images: inputShape[0], into: dx.pointer)
        return dx
    }
}
