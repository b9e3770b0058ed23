import TensorCore

/// Max pooling over unpadded K×K windows, as PyTorch's `nn.MaxPool2d(kernel, stride)`.
///
/// Shapes: `x` `[N, C, H, W]` → `y` `[N, C, OH, OW]`, `OH = ⌊(H − K)/s⌋ + 1`. Forward records
/// the argmax of each window (first on ties, as PyTorch), backward routes `dy` to it.
public final class MaxPool2d: Layer {
    public let kernel: Int, stride: Int
    public var computesInputGradient = true
    private var output = TensorStorage(count: 0), inputGrad = TensorStorage(count: 0)
    private var argmaxStorage = TensorStorage(count: 0)
    private var argmax = UnsafeMutablePointer<Int32>(bitPattern: 64)!
    private var geometry = WindowGeometry(channels: 1, height: 1, width: 1, kernel: 1)
    private var inputShape = Shape(0)

    /// `stride` defaults to `kernel`, as PyTorch.
    public init(kernel: Int, stride: Int? = nil) {
        self.kernel = kernel
        self.stride = stride ?? kernel
    }

    public func prepare(input: Shape) -> Shape {
        precondition(input.rank == 4, "MaxPool2d: input \(input) is not [N, C, H, W]")
        geometry = WindowGeometry(channels: input[1], height: input[2], width: input[3], kernel: kernel, stride: stride)
        let out = Shape(input[0], input[1], geometry.outHeight, geometry.outWidth)
        output = TensorStorage(count: out.count)
        // Argmax indices share the layout of y; Int32 fits in the storage's 4-byte slots.
        argmaxStorage = TensorStorage(count: out.count)
        argmax = UnsafeMutableRawPointer(argmaxStorage.base).bindMemory(to: Int32.self, capacity: max(out.count, 1))
        inputGrad = TensorStorage(count: computesInputGradient ? input.count : 0)
        inputShape = input
        return out
    }

    // y (N,C,OH,OW) = max over each K×K window of x (N,C,H,W); argmax (N,C,OH,OW)
    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        precondition(x.shape.rank == 4 && x.shape[1] == geometry.channels && x.shape[2] == geometry.height
                     && x.shape[3] == geometry.width, "MaxPool2d: input \(x.shape) differs from the prepared \(geometry)")
        inputShape = x.shape
        let n = x.shape[0]
        let y = output.tensor(Shape(n, geometry.channels, geometry.outHeight, geometry.outWidth))
        Pooling.maxPool(x.pointer, geometry, images: n, into: y.pointer, argmax: argmax)
        return y
    }

    // dx (N,C,H,W) = dy scattered to each window's argmax
    public func backward(_ dy: Tensor) -> Tensor {
        guard computesInputGradient else { return .none }
        let dx = inputGrad.tensor(inputShape)
        Pooling.maxPoolBackward(dy.pointer, argmax: argmax, geometry, images: inputShape[0], into: dx.pointer)
        return dx
    }
}
