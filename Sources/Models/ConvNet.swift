import Layers
import TensorCore

/// The CIFAR convnets of Frankle & Carbin (2019, "The Lottery Ticket Hypothesis", Fig. 2):
/// VGG-like stacks of 3×3 convolutions (padding 1, bias, ReLU) with a 2×2 max pool after each
/// pair, then fully connected layers 256, 256, classes with ReLU between.
///
///     conv2: 64, 64, pool                                   → fc 256, 256, classes
///     conv4: 64, 64, pool, 128, 128, pool                   → fc 256, 256, classes
///     conv6: 64, 64, pool, 128, 128, pool, 256, 256, pool   → fc 256, 256, classes
///
/// `width` scales the 64 (channels 64·w/64, 128·w/64, 256·w/64); the fc widths stay 256.
/// `dropout` > 0 puts `Dropout(p)` after the ReLUs of fc1 and fc2 (Frankle & Carbin §4; no
/// layer at 0, and the names never change). `channels` (one per convolution) and `hidden` (fc1,
/// fc2) replace the widths for a structurally pruned model.
/// Names (PyTorch modules): `conv1` … `convK` and `fc1`, `fc2`, `fc3`, each with `weight` and
/// `bias`. Parameters at width 64, 3×32×32, 10 classes: conv2 4 301 642, conv4 2 425 930,
/// conv6 2 262 602 (the paper's Table 1 agrees for Conv-2/4 and for Conv-6's 1.1 M conv weights,
/// but lists 1.7 M in all for Conv-6, which its own layer sizes do not give: fc1 alone has
/// 4·4·256·256 = 1.05 M).
public enum ConvNet {
    /// `pairs` is the number of conv-conv-pool groups: 1, 2 or 3 for conv2, conv4, conv6.
    /// `channels` (one per convolution; nil = from `width`) and `hidden` (fc1, fc2; nil = 256, 256)
    /// give a structurally pruned model's widths.
    public static func make(sampleShape: Shape, classes: Int, pairs: Int, width: Int = 64, dropout: Double = 0,
                            channels convWidths: [Int]? = nil, hidden: [Int]? = nil, name: String) -> Network {
        precondition(sampleShape.rank == 3, "\(name) needs [C, H, W] samples, got \(sampleShape)")
        precondition((1...3).contains(pairs) && width > 0, "\(name): pairs \(pairs), width \(width)")
        precondition(convWidths.map { $0.count == 2 * pairs } ?? true, "\(name): \(convWidths ?? []) for \(2 * pairs) convolutions")
        precondition(hidden.map { $0.count == 2 } ?? true, "\(name): fc widths \(hidden ?? [])")
        let fc = hidden ?? [256, 256]
        let builder = ParameterBuilder()
        let workspace = ConvolutionWorkspace()
        var layers: [Layer] = []
        var channels = sampleShape[0], h = sampleShape[1], w = sampleShape[2]
        var index = 0
        for pair in 0..<pairs {
            for _ in 0..<2 {
                let out = convWidths?[index] ?? (64 << pair) * width / 64
                index += 1
                layers.append(Conv2d("conv\(index)", channels, out, kernel: 3, padding: 1, workspace: workspace, builder: builder))
                layers.append(ReLU())
                channels = out
            }
            layers.append(MaxPool2d(kernel: 2))
            h /= 2
            w /= 2
        }
        layers.append(Flatten())
        layers.append(Linear("fc1", channels * h * w, fc[0], builder: builder))
        layers.append(ReLU())
        layers += dropoutLayer(dropout)
        layers.append(Linear("fc2", fc[0], fc[1], builder: builder))
        layers.append(ReLU())
        layers += dropoutLayer(dropout)
        layers.append(Linear("fc3", fc[1], classes, builder: builder))
        return Network(name: name, body: Sequential(layers), store: builder.finish(), sampleShape: sampleShape, classes: classes)
    }
}

extension ConvNet {
    /// The registry entry `conv2`, `conv4` or `conv6` (`pairs` 1, 2, 3); reads `width`.
    public static func entry(_ name: String, pairs: Int) -> ModelEntry {
        ModelEntry(name: name, summary: "Frankle & Carbin's Conv-\(2 * pairs) (3×3 convs from 64, fc 256-256); --width scales 64", unread: [.batchNorm]) { shape, classes, o throws(ModelError) in
            let width = try ModelOptionCheck.width(o, model: name)
            let dropout = try ModelOptionCheck.dropout(o, model: name)
            let convWidths = try ModelOptionCheck.channels(o, model: name, count: 2 * pairs, what: "one per convolution")
            if let h = o.hidden, h.count != 2 {
                throw .invalidOption(model: name, message: "hidden needs the 2 widths of fc1 and fc2, got \(h.count)")
            }
            let side = 1 << pairs
            guard shape.rank == 3, shape[1] >= side, shape[2] >= side else {
                throw .invalidOption(model: name, message: "needs [C, H, W] samples with H, W ≥ \(side), got \(shape)")
            }
            return make(sampleShape: shape, classes: classes, pairs: pairs, width: width, dropout: dropout,
                        channels: convWidths, hidden: o.hidden,
                        name: modelLabel(name, [o.width.map { "width: \($0)" }, dropout > 0 ? "dropout: \(dropout)" : nil,
                                                ModelOptionCheck.channelsLabel(o), o.hidden.map { "hidden: \($0.map(String.init).joined(separator: ","))" }]))
        }
    }
}
