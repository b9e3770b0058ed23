import Options

/// Options a model may read; each model ignores the ones it does not use. The run config's
/// "modelOptions" object; `options` declares its keys, flags and limits.
public struct ModelOptions: Sendable, Equatable, Codable {
    /// Hidden layer widths of the configurable MLP (`--hidden 300,100`); nil = LeNet-300-100's [300, 100].
    public var hidden: [Int]?
    /// Base width of convolutional models (ResNet-18: 64 gives 11.17 M parameters); nil = 64.
    public var width: Int?
    /// BatchNorm after each hidden layer of the MLP; nil = none.
    public var batchNorm: Bool?

    public init(hidden: [Int]? = nil, width: Int? = nil, batchNorm: Bool? = nil) {
        self.hidden = hidden
        self.width = width
        self.batchNorm = batchNorm
    }

    /// Largest hidden width of the MLP and most hidden layers (a typo such as 1e7 is refused
    /// here; the memory the rest needs is estimated against physical memory before training).
    public static let maxHiddenWidth = 65_536
    public static let maxHiddenLayers = 32
    /// Largest base width of convolutional models (16× ResNet-18's 64).
    public static let maxWidth = 1024

    /// The options, keys relative to "modelOptions".
    public static var options: [ConfigOption<ModelOptions>] { [
        .optional("hidden", \.hidden, flag: "hidden", .list(of: .int, valueName: "<w1,w2,…>"),
                  ValueRange("1 to \(maxHiddenLayers) widths, each in [1, \(maxHiddenWidth)]") { h in
                      !h.isEmpty && h.count <= maxHiddenLayers && h.allSatisfy { (1...maxHiddenWidth).contains($0) }
                  },
                  help: "Hidden layer widths of the MLP, comma-separated (none = 300,100, LeNet-300-100)."),
        .optional("width", \.width, flag: "width", .int, .within(1, maxWidth),
                  help: "Base width of convolutional models (none = 64; resnet18 at 64 has 11.17 M parameters)."),
        .optional("batchNorm", \.batchNorm, flag: "batch-norm", .bool,
                  help: "BatchNorm after each hidden layer of the MLP (none = off)."),
    ] }
}
