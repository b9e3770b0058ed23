import Layers
import TensorCore

/// The CIFAR ResNets of kuangliu/pytorch-cifar built from BasicBlocks (3×3 stem with stride 1,
/// no max pool); `blocks` is the number of BasicBlocks per stage, [2, 2, 2, 2] for ResNet-18 and
/// [3, 4, 6, 3] for ResNet-34:
///
///     conv1 3×3 w (no bias) → bn1 → relu
///     → layer1: blocks[0] BasicBlocks, w,  stride 1     → layer2: blocks[1], 2w, stride 2
///     → layer3: blocks[2] BasicBlocks, 4w, stride 2     → layer4: blocks[3], 8w, stride 2
///     → global average pool → linear (8w → classes)
///
/// The first block of layer2–4 has a projection shortcut. Names and layouts are the PyTorch
/// `state_dict` of that model: `conv1.weight` `[w, 3, 3, 3]`,
/// `bn1.{weight, bias, running_mean, running_var, num_batches_tracked}`,
/// `layer{1-4}.{i}.{conv1, bn1, conv2, bn2}.…`, `layer{2-4}.0.shortcut.0.weight` `[O, I, 1, 1]`,
/// `layer{2-4}.0.shortcut.1.…`, `linear.weight` `[classes, 8w]`, `linear.bias`.
///
/// Parameters for 10 classes at width 64: ResNet-18 11 173 962 (122 tensors), ResNet-34
/// 21 282 122 (218 tensors); at width 16: 701 466 and 1 334 618.
///
/// `channels` (one per BasicBlock) sets each block's conv1 filter count (bn1's channels, conv2's
/// inputs), the shape of a model pruned by `masklab prune --structured`.
public enum CIFARResNet {
    /// Blocks per stage of the registered depths.
    public static let depths: [String: [Int]] = ["resnet18": [2, 2, 2, 2], "resnet34": [3, 4, 6, 3]]

    /// `inner` (one per block, in order; nil = the stage width) is each BasicBlock's conv1 filter
    /// count: a structurally pruned ResNet keeps every residual width and narrows only inside blocks.
    public static func make(sampleShape: Shape, classes: Int, blocks: [Int], width: Int = 64, inner: [Int]? = nil, name: String) -> Network {
        precondition(sampleShape.rank == 3 && width > 0, "\(name) needs [C, H, W] samples and a positive width, got \(sampleShape), \(width)")
        precondition(blocks.count == 4 && blocks.allSatisfy { $0 > 0 }, "\(name): blocks per stage \(blocks)")
        precondition(inner.map { $0.count == blocks.reduce(0, +) && $0.allSatisfy { $0 > 0 } } ?? true, "\(name): inner widths \(inner ?? []) for blocks \(blocks)")
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
        var channels = width, blockIndex = 0
        for (stage, count) in blocks.enumerated() {
            let out = width << stage
            for block in 0..<count {
                let stride = stage > 0 && block == 0 ? 2 : 1
                layers.append(BasicBlock("layer\(stage + 1).\(block)", channels, out, midChannels: inner?[blockIndex], stride: stride,
                                         workspace: workspace, builder: builder))
                channels = out
                blockIndex += 1
            }
        }
        layers.append(GlobalAvgPool2d())
        layers.append(Linear("linear", channels, classes, builder: builder))
        return Network(name: name, body: Sequential(layers), store: builder.finish(), sampleShape: sampleShape, classes: classes)
    }
}

extension CIFARResNet {
    /// The registry entry `resnet18` or `resnet34` (a key of `depths`); reads `width` (default 64).
    public static func entry(_ name: String, summary: String) -> ModelEntry {
        guard let blocks = depths[name] else { preconditionFailure("unknown CIFAR ResNet \(name)") }
        return ModelEntry(name: name, summary: summary, unread: [.hidden, .batchNorm]) { shape, classes, o throws(ModelError) in
            let width = try ModelOptionCheck.width(o, model: name)
            try ModelOptionCheck.noDropout(o, model: name)
            let inner = try ModelOptionCheck.channels(o, model: name, count: blocks.reduce(0, +), what: "one inner width per BasicBlock")
            guard shape.rank == 3, shape[1] >= 8, shape[2] >= 8 else {
                throw .invalidOption(model: name, message: "needs [C, H, W] samples with H, W ≥ 8 (three stride-2 stages), got \(shape)")
            }
            return make(sampleShape: shape, classes: classes, blocks: blocks, width: width, inner: inner,
                        name: modelLabel(name, [o.width.map { "width: \($0)" }, ModelOptionCheck.channelsLabel(o)]))
        }
    }
}
