import Layers
import TensorCore

/// AlexNet for 32×32 images: torchvision's `AlexNet` (channels 64, 192, 384, 256, 256; classifier
/// Dropout → Linear 4096 → ReLU → Dropout → Linear 4096 → ReLU → Linear) with every kernel 3×3,
/// stride 1, padding 1, and 2×2 max pools after conv1, conv2 and conv5 (32 → 16 → 8 → 4), so the
/// classifier reads 256·4·4 = 4096 features and no adaptive average pool is needed — the common
/// CIFAR form of AlexNet (not kuangliu's, which has none):
///
///     features:   0 conv 64, 1 relu, 2 maxpool, 3 conv 192, 4 relu, 5 maxpool, 6 conv 384, 7 relu,
///                 8 conv 256, 9 relu, 10 conv 256, 11 relu, 12 maxpool
///     classifier: 0 dropout, 1 linear 4096, 2 relu, 3 dropout, 4 linear 4096, 5 relu, 6 linear classes
///
/// Names count every module of the two `nn.Sequential`s, as PyTorch does: `features.{0,3,6,8,10}`
/// and `classifier.{1,4,6}`, each with `weight` and `bias`. The dropout modules keep their
/// indices when `dropout` is 0 (then no layer is built), so the names never depend on it.
/// `width` scales the 64 of the convolutions and the 4096 of the classifier (c · width / 64).
/// Parameters at width 64, 3×32×32, 10 classes: 35 855 178 (convolutions 2 251 584); 28×28
/// inputs pool to 3×3 (28 513 994 on 1×28×28).
public enum AlexNet {
    /// Convolution channels at width 64; 0 stands for a 2×2 max pool.
    static let features = [64, 0, 192, 0, 384, 256, 256, 0]
    /// Hidden width of the classifier at width 64.
    static let hidden = 4096

    public static func make(sampleShape: Shape, classes: Int, width: Int = 64, dropout: Double = 0.5, name: String) -> Network {
        precondition(sampleShape.rank == 3 && width > 0, "\(name) needs [C, H, W] samples and a positive width, got \(sampleShape), \(width)")
        let builder = ParameterBuilder()
        let stack = FeatureStack(features, widthScale: width, batchNorm: false, sampleShape: sampleShape, builder: builder)
        var layers = stack.layers
        layers.append(Flatten())
        let fc = hidden * width / 64
        layers += dropoutLayer(dropout)
        layers += [Linear("classifier.1", stack.flattened, fc, builder: builder), ReLU()]
        layers += dropoutLayer(dropout)
        layers += [Linear("classifier.4", fc, fc, builder: builder), ReLU(),
                   Linear("classifier.6", fc, classes, builder: builder)]
        return Network(name: name, body: Sequential(layers), store: builder.finish(), sampleShape: sampleShape, classes: classes)
    }
}

extension AlexNet {
    /// The registry entry `alexnet`; reads `width` and `dropout` (default 0.5, torchvision's).
    public static let entry = ModelEntry(name: "alexnet", summary: "CIFAR AlexNet (3×3 convs 64-192-384-256-256, fc 4096-4096, dropout 0.5); --width scales 64 and 4096", unread: [.hidden, .batchNorm]) { shape, classes, o throws(ModelError) in
        let width = try ModelOptionCheck.width(o, model: "alexnet")
        let dropout = try ModelOptionCheck.dropout(o, model: "alexnet", default: 0.5)
        try ModelOptionCheck.noChannels(o, model: "alexnet")
        guard shape.rank == 3, shape[1] >= 8, shape[2] >= 8 else {
            throw .invalidOption(model: "alexnet", message: "needs [C, H, W] samples with H, W ≥ 8 (three 2×2 pools), got \(shape)")
        }
        return make(sampleShape: shape, classes: classes, width: width, dropout: dropout,
                    name: modelLabel("alexnet", [o.width.map { "width: \($0)" }, o.dropout.map { "dropout: \($0)" }]))
    }
}
