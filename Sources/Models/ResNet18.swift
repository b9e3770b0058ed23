import Layers
import TensorCore

/// ResNet-18 in the CIFAR style of kuangliu/pytorch-cifar (3×3 stem with stride 1, no max pool):
///
///     conv1 3×3 w (no bias) → bn1 → relu
///     → layer1: 2 BasicBlocks, w,  stride 1     → layer2: 2 BasicBlocks, 2w, stride 2
///     → layer3: 2 BasicBlocks, 4w, stride 2     → layer4: 2 BasicBlocks, 8w, stride 2
///     → global average pool → linear (8w → classes)
///
/// The first block of layer2–4 has a projection shortcut. Names and layouts are the PyTorch
/// `state_dict` of that model (122 tensors at any width): `conv1.weight` `[w, 3, 3, 3]`,
/// `bn1.{weight, bias, running_mean, running_var, num_batches_tracked}`,
/// `layer{1-4}.{0,1}.{conv1, bn1, conv2, bn2}.…`, `layer{2-4}.0.shortcut.0.weight` `[O, I, 1, 1]`,
/// `layer{2-4}.0.shortcut.1.…`, `linear.weight` `[classes, 8w]`, `linear.bias`. Width 64 gives
/// 11 173 962 parameters for 10 classes; width 16, 701 466.
public enum ResNet18 {
    public static func make(sampleShape: Shape, classes: Int, width: Int = 64, name: String) -> Network {
        precondition(sampleShape.rank == 3 && width > 0, "\(name) needs [C, H, W] samples and a positive width, got \(sampleShape), \(width)")
        let builder = ParameterBuilder()
        let workspace = ConvolutionWorkspace()
        // The stem stays three top-level modules (conv1, bn1, relu): the importance solver addresses
        // modules by index. Inside the blocks, bn1 carries the ReLU and bn2 the residual add. The
        // stem's BatchNorm writes its input gradient over the ReLU's (which nothing reads after it).
        // conv1 must be declared first: the parameter order is PyTorch's.
        let stem = Conv2d("conv1", sampleShape[0], width, kernel: 3, stride: 1, padding: 1, bias: false, workspace: workspace, builder: builder)
        let stemNorm = BatchNorm("bn1", channels: width, builder: builder)
        stemNorm.gradientInPlace = true
        var layers: [Layer] = [stem, stemNorm, ReLU()]
        var channels = width
        for stage in 0..<4 {
            let out = width << stage
            for block in 0..<2 {
                let stride = stage > 0 && block == 0 ? 2 : 1
                layers.append(BasicBlock("layer\(stage + 1).\(block)", channels, out, stride: stride,
                                         workspace: workspace, builder: builder))
                channels = out
            }
        }
        layers.append(GlobalAvgPool2d())
        layers.append(Linear("linear", channels, classes, builder: builder))
        return Network(name: name, body: Sequential(layers), store: builder.finish(), sampleShape: sampleShape, classes: classes)
    }
}

extension ResNet18 {
    /// The registry entry `resnet18`; reads `width` (default 64).
    public static let entry = ModelEntry(name: "resnet18", summary: "CIFAR ResNet-18 (kuangliu/pytorch-cifar names), --width w/2w/4w/8w, default 64 = 11.17 M") { shape, classes, o throws(ModelError) in
        let width = try ModelOptionCheck.width(o, model: "resnet18")
        guard shape.rank == 3, shape[1] >= 8, shape[2] >= 8 else {
            throw .invalidOption(model: "resnet18", message: "needs [C, H, W] samples with H, W ≥ 8 (three stride-2 stages), got \(shape)")
        }
        return make(sampleShape: shape, classes: classes, width: width,
                    name: o.width == nil ? "resnet18" : "resnet18(width: \(width))")
    }
}
