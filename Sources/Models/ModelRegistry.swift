import Options
import Layers
import TensorCore

/// Errors from looking up a model.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    case unknown(name: String, valid: [String])
    case invalidOption(model: String, message: String)
    /// An option the model does not read was set (`ModelEntry.unread`).
    case unreadOption(model: String, option: ModelOption, message: String)

    public var description: String {
        switch self {
        case let .unknown(name, valid):
            return "unknown model '\(name)'; valid models: \(valid.joined(separator: ", "))"
        case let .invalidOption(model, message), let .unreadOption(model, _, message):
            return "model '\(model)': \(message)"
        }
    }
}

/// One entry of the model registry.
public struct ModelEntry: Sendable {
    public let name: String
    public let summary: String
    /// The options this model does not read: setting one is refused (`ModelError.unreadOption`).
    public let unread: [ModelOption]
    /// Builds the network for samples of a given shape and class count (refusing `unread` options first).
    public let build: @Sendable (_ sampleShape: Shape, _ classes: Int, _ options: ModelOptions) throws(ModelError) -> Network

    public init(name: String, summary: String, unread: [ModelOption],
                build: @escaping @Sendable (Shape, Int, ModelOptions) throws(ModelError) -> Network) {
        self.name = name
        self.summary = summary
        self.unread = unread
        self.build = { shape, classes, options throws(ModelError) in
            try ModelOptionCheck.refuse(unread, in: options, model: name)
            return try build(shape, classes, options)
        }
    }

    /// Whether the model reads `option`.
    public func reads(_ option: ModelOption) -> Bool { !unread.contains(option) }

    /// `options` without the ones this model does not read (for a setting applied to every
    /// model, such as `masklab models --width` or a benchmark's width).
    public func applicable(_ options: ModelOptions) -> ModelOptions {
        unread.reduce(options) { $1.removed(from: $0) }
    }
}

/// Every model MaskLab can build, by name. A new model is one file plus one line here.
public enum ModelRegistry {
    /// Which model options (`ModelOption` raw values) each model reads, from each entry's
    /// `unread`: the same mechanism as the optimiser's, schedule's and mask sampler's settings.
    public static var settingReaders: SettingReaders {
        SettingReaders(entries.map { e in (e.name, ModelOption.allCases.filter(e.reads).map(\.rawValue)) },
                       candidates: ModelOption.allCases.map(\.rawValue))
    }

    public static let entries: [ModelEntry] = [
        ModelEntry(name: "mlp", summary: "LeNet-300-100 (784-300-100-10) or --hidden widths", unread: [.width]) { shape, classes, o throws(ModelError) in
            let hidden = o.hidden ?? [300, 100]
            guard !hidden.isEmpty, hidden.allSatisfy({ $0 > 0 }) else {
                throw .invalidOption(model: "mlp", message: "hidden widths must be positive, got \(hidden)")
            }
            let dropout = try ModelOptionCheck.dropout(o, model: "mlp")
            try ModelOptionCheck.noChannels(o, model: "mlp")
            let label = modelLabel("mlp", [o.hidden.map { "hidden: \($0.map(String.init).joined(separator: ","))" },
                                           dropout > 0 ? "dropout: \(dropout)" : nil])
            return MLP.make(sampleShape: shape, hidden: hidden, classes: classes, batchNorm: o.batchNorm ?? false,
                            dropout: dropout, name: label)
        },
        LeNet5.entry,
        ConvNet.entry("conv2", pairs: 1),
        ConvNet.entry("conv4", pairs: 2),
        ConvNet.entry("conv6", pairs: 3),
        VGG.entry("vgg11"),
        VGG.entry("vgg16"),
        VGG.entry("vgg19"),
        CIFARResNet.entry("resnet18", summary: "CIFAR ResNet-18 (kuangliu/pytorch-cifar names), --width w/2w/4w/8w, default 64 = 11.17 M"),
        CIFARResNet.entry("resnet34", summary: "CIFAR ResNet-34 (BasicBlocks 3-4-6-3, kuangliu names), --width w/2w/4w/8w, default 64 = 21.28 M"),
        AlexNet.entry,
    ]

    /// Registered model names, in registry order.
    public static var names: [String] { entries.map(\.name) }

    /// The entry of model `name`, nil when there is none.
    public static func entry(_ name: String) -> ModelEntry? { entries.first { $0.name == name } }

    /// `options` without the ones model `name` does not read (unchanged for an unknown name).
    public static func applicable(_ options: ModelOptions, to name: String) -> ModelOptions {
        entry(name)?.applicable(options) ?? options
    }

    /// Builds model `name`; unknown names fail with the list of valid ones.
    public static func make(_ name: String, sampleShape: Shape, classes: Int,
                            options: ModelOptions = ModelOptions()) throws(ModelError) -> Network {
        guard let e = entries.first(where: { $0.name == name }) else { throw .unknown(name: name, valid: names) }
        return try e.build(sampleShape, classes, options)
    }
}
