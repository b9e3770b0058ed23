import Layers
import TensorCore

/// LeNet-5 with ReLU and max pooling, for 1×28×28 (MNIST) or 3×32×32 (CIFAR) images:
///
///     conv1 6@5×5 → relu → maxpool 2 → conv2 16@5×5 → relu → maxpool 2 → flatten
///     → fc1 120 → relu → fc2 84 → relu → fc3 classes
///
/// 28×28 inputs get padding 2 on `conv1`, so both sizes reach conv2 at 14×14 and fc1 at 16·5·5
/// = 400 inputs. Names (PyTorch modules): `conv1`, `conv2`, `fc1`, `fc2`, `fc3`, each with
/// `weight` and `bias`. 61 706 parameters on 1×28×28, 62 006 on 3×32×32 (10 classes).
public enum LeNet5 {
    public static func make(sampleShape: Shape, classes: Int, name: String = "lenet5") -> Network {
        precondition(sampleShape.rank == 3, "lenet5 needs [C, H, W] samples, got \(sampleShape)")
        let builder = ParameterBuilder()
        let workspace = ConvolutionWorkspace()
        let (c, h, w) = (sampleShape[0], sampleShape[1], sampleShape[2])
        let pad = h == 28 && w == 28 ? 2 : 0
        // Spatial size after conv(5, pad) → pool 2 → conv(5) → pool 2.
        let side = { (n: Int) in ((n + 2 * pad - 4) / 2 - 4) / 2 }
        let layers: [Layer] = [
            Conv2d("conv1", c, 6, kernel: 5, padding: pad, workspace: workspace, builder: builder), ReLU(),
            MaxPool2d(kernel: 2),
            Conv2d("conv2", 6, 16, kernel: 5, workspace: workspace, builder: builder), ReLU(),
            MaxPool2d(kernel: 2),
            Flatten(),
            Linear("fc1", 16 * side(h) * side(w), 120, builder: builder), ReLU(),
            Linear("fc2", 120, 84, builder: builder), ReLU(),
            Linear("fc3", 84, classes, builder: builder),
        ]
        return Network(name: name, body: Sequential(layers), store: builder.finish(), sampleShape: sampleShape, classes: classes)
    }
}

extension LeNet5 {
    /// The registry entry `lenet5` (1×28×28 or 3×32×32 samples).
    public static let entry = ModelEntry(name: "lenet5", summary: "LeNet-5 (conv 6@5×5, 16@5×5, fc 120-84) for 28×28 or 32×32 images", unread: [.hidden, .width, .batchNorm]) { shape, classes, o throws(ModelError) in
        try ModelOptionCheck.noDropout(o, model: "lenet5")
        try ModelOptionCheck.noChannels(o, model: "lenet5")
        guard shape.rank == 3, (shape[1] == 28 && shape[2] == 28) || (shape[1] == 32 && shape[2] == 32) else {
            throw .invalidOption(model: "lenet5", message: "needs [C, 28, 28] or [C, 32, 32] samples, got \(shape)")
        }
        return make(sampleShape: shape, classes: classes)
    }
}
