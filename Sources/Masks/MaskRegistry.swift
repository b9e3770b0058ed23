/// One entry of the mask registry.
public struct MaskSamplerEntry: Sendable {
    public let name: String
    public let summary: String
    public let make: @Sendable (MaskConfig) throws(MaskError) -> any MaskSampler

    public init(name: String, summary: String, make: @escaping @Sendable (MaskConfig) throws(MaskError) -> any MaskSampler) {
        self.name = name
        self.summary = summary
        self.make = make
    }
}

/// Every mask sampler by name. A new sampler is one file plus one line here.
public enum MaskRegistry {
    public static let entries: [MaskSamplerEntry] = [
        NoMask.entry,
        DropConnect.entry,
        ImportanceDropConnect.entry,
        MagnitudeMask.entry,
        RandomMask.entry,
        GivenMask.entry,
    ]

    /// Registered names, in registry order.
    public static var names: [String] { entries.map(\.name) }

    /// The sampler `config.name` with `config`'s options; unknown names list the valid ones.
    public static func make(_ config: MaskConfig) throws(MaskError) -> any MaskSampler {
        guard let e = entries.first(where: { $0.name == config.name }) else { throw .unknown(name: config.name, valid: names) }
        if let message = config.validationError() { throw .invalidOption(message) }
        return try e.make(config)
    }
}
