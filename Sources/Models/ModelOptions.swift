import Options

/// Options a model may read; each model ignores the ones it does not use. The run config's
/// "modelOptions" object; `options` declares its keys, flags and limits.
public struct ModelOptions: Sendable, Equatable, Codable {
    /// Hidden layer widths of the configurable MLP (`--hidden 300,100`); nil = LeNet-300-100's [300, 100].
    /// Conv-2/4/6 read it as the widths of fc1 and fc2 (nil = 256, 256).
    public var hidden: [Int]?
    /// Base width of convolutional models (ResNet-18: 64 gives 11.17 M parameters); nil = 64.
    public var width: Int?
    /// BatchNorm after each hidden layer of the MLP; nil = none.
    public var batchNorm: Bool?
    /// Activation dropout probability on the MLP's hidden layers, Conv-2/4/6's and AlexNet's
    /// classifier; nil = the model's default (0, no dropout layer at all; AlexNet 0.5).
    public var dropout: Double?
    /// Per-layer channel counts that replace the ones `width` gives (a structurally pruned model,
    /// `masklab prune --structured`): ResNets one inner width per BasicBlock (conv1's filters,
    /// bn1, conv2's inputs), Conv-2/4/6 and VGG one per convolution; nil = from `width`.
    public var channels: [Int]?

    public init(hidden: [Int]? = nil, width: Int? = nil, batchNorm: Bool? = nil, dropout: Double? = nil, channels: [Int]? = nil) {
        self.hidden = hidden
        self.width = width
        self.batchNorm = batchNorm
        self.dropout = dropout
        self.channels = channels
    }

    /// Largest hidden width of the MLP and most hidden layers (a typo such as 1e7 is refused
    /// here; the memory the rest needs is estimated against physical memory before training).
    public static let maxHiddenWidth = 65_536
    public static let maxHiddenLayers = 32
    /// Largest base width of convolutional models (16× ResNet-18's 64).
    public static let maxWidth = 1024
    /// Most entries of `channels` (ResNet-34 has 16 blocks, VGG-19 16 convolutions).
    public static let maxChannelLayers = 64

    /// The options, keys relative to "modelOptions".
    public static var options: [ConfigOption<ModelOptions>] { [
        .optional("hidden", \.hidden, flag: "hidden", .list(of: .int, valueName: "<w1,w2,…>"),
                  ValueRange("1 to \(maxHiddenLayers) widths, each in [1, \(maxHiddenWidth)]") { h in
                      !h.isEmpty && h.count <= maxHiddenLayers && h.allSatisfy { (1...maxHiddenWidth).contains($0) }
                  },
                  help: "Hidden layer widths of the MLP, comma-separated (none = 300,100, LeNet-300-100); conv2/4/6: fc1,fc2 (none = 256,256)."),
        .optional("width", \.width, flag: "width", .int, .within(1, maxWidth),
                  help: "Base width of convolutional models (none = 64; resnet18 at 64 has 11.17 M parameters)."),
        .optional("batchNorm", \.batchNorm, flag: "batch-norm", .bool,
                  help: "BatchNorm after each hidden layer of the MLP (none = off)."),
        .optional("dropout", \.dropout, flag: "dropout", .double, .from(0, below: 1),
                  help: "Activation dropout probability after the hidden ReLUs of mlp, conv2/4/6 (fc1, fc2) and in alexnet's classifier (none = 0, no layer; alexnet 0.5)."),
        .optional("channels", \.channels, flag: "channels", .list(of: .int, valueName: "<c1,c2,…>"),
                  ValueRange("1 to \(maxChannelLayers) counts, each in [1, \(maxHiddenWidth)]") { c in
                      !c.isEmpty && c.count <= maxChannelLayers && c.allSatisfy { (1...maxHiddenWidth).contains($0) }
                  },
                  help: "Per-layer channel counts (a structurally pruned model): resnet18/34 one inner width per BasicBlock, conv2/4/6 and vgg one per convolution (none = from --width)."),
    ] }
}
