import Layers
import TensorCore

/// CIFAR VGG with BatchNorm, as kuangliu/pytorch-cifar's `VGG(name)`: `features` is one
/// `nn.Sequential` of Conv2d(3×3, padding 1, bias) → BatchNorm2d → ReLU per number in the
/// configuration and MaxPool2d(2, 2) per "M", then a flatten and `classifier`, a Linear from the
/// last width to the classes (32×32 inputs end at 1×1 after five pools).
///
/// Names count every module of `features` (ReLU and MaxPool too), as in the PyTorch state_dict:
/// `features.0.weight`, `features.0.bias` (conv), `features.1.weight`, `.bias`, `.running_mean`,
/// `.running_var`, `.num_batches_tracked` (BatchNorm), index 2 is the ReLU, and so on;
/// `classifier.weight`, `classifier.bias`. (kuangliu's trailing `AvgPool2d(1, 1)` is the identity
/// and holds no tensors, so it is left out.) `width` scales the 64 of every configuration.
/// Parameters at width 64, 10 classes: vgg11 9 231 114, vgg16 14 728 266, vgg19 20 040 522.
public enum VGG {
    /// Configurations A, D, E (0 stands for "M", a 2×2 max pool).
    public static let configurations: [String: [Int]] = [
        "vgg11": [64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0],
        "vgg16": [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0],
        "vgg19": [64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512, 0],
    ]

    /// `channels` (one per convolution, in order; nil = from `width`) gives a structurally pruned
    /// model's widths.
    public static func make(_ variant: String, sampleShape: Shape, classes: Int, width: Int = 64, channels convWidths: [Int]? = nil,
                            name: String) -> Network {
        guard let config = configurations[variant] else { preconditionFailure("unknown VGG variant \(variant)") }
        precondition(convWidths.map { $0.count == config.filter { $0 > 0 }.count } ?? true, "\(name): \(convWidths ?? []) for \(config)")
        precondition(sampleShape.rank == 3 && width > 0, "\(name) needs [C, H, W] samples and a positive width, got \(sampleShape), \(width)")
        let builder = ParameterBuilder()
        let stack = FeatureStack(config, widthScale: width, convolutionChannels: convWidths, batchNorm: true, sampleShape: sampleShape, builder: builder)
        let layers = stack.layers + [Flatten(), Linear("classifier", stack.flattened, classes, builder: builder)]
        return Network(name: name, body: Sequential(layers), store: builder.finish(), sampleShape: sampleShape, classes: classes)
    }
}

extension VGG {
    /// The registry entry `vgg11`, `vgg16` or `vgg19`; reads `width`.
    public static func entry(_ name: String) -> ModelEntry {
        ModelEntry(name: name, summary: "CIFAR \(name.uppercased()) with BatchNorm (kuangliu/pytorch-cifar names); --width scales 64", unread: [.hidden, .batchNorm]) { shape, classes, o throws(ModelError) in
            let width = try ModelOptionCheck.width(o, model: name)
            try ModelOptionCheck.noDropout(o, model: name)
            let convWidths = try ModelOptionCheck.channels(o, model: name, count: configurations[name]!.filter { $0 > 0 }.count,
                                                           what: "one per convolution")
            guard shape.rank == 3, shape[1] >= 32, shape[2] >= 32 else {
                throw .invalidOption(model: name, message: "needs [C, H, W] samples with H, W ≥ 32 (five 2×2 pools), got \(shape)")
            }
            return make(name, sampleShape: shape, classes: classes, width: width, channels: convWidths,
                        name: modelLabel(name, [o.width.map { "width: \($0)" }, ModelOptionCheck.channelsLabel(o)]))
        }
    }
}
