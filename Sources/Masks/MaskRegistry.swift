import Options

/// One entry of the mask registry.
public struct MaskSamplerEntry: Sendable {
    public let name: String
    public let summary: String
    /// The `MaskConfig` keys (relative to "masks") the sampler reads; a group's name ("importance",
    /// "dst") stands for every key under it. The others it ignores: given as flags they are refused
    /// (`MaskConfig.unreadKeys`), and a resume does not count them as a difference.
    public let reads: [String]
    public let make: @Sendable (MaskConfig) throws(MaskError) -> any MaskSampler
    /// The sampler's own options (keys relative to "masks"), declared in its file.
    public var options: [ConfigOption<MaskConfig>] { optionList() }
    /// False for a sampler whose masks come from code (`given`: a lottery level's), not from a
    /// config: it is left out where a user is told which samplers to choose.
    public private(set) var configurable = true
    private var optionList: @Sendable () -> [ConfigOption<MaskConfig>] = { [] }

    public init(name: String, summary: String, reads: [String],
                make: @escaping @Sendable (MaskConfig) throws(MaskError) -> any MaskSampler) {
        self.name = name
        self.summary = summary
        self.reads = reads
        self.make = make
    }

    /// What every per-step sampler (a new mask from keep probabilities each step) reads.
    public static let perStepReads = ["keep", "target", "scaling", "sampling", "evalMask", "exclude"]
    /// What every fixed mask chosen at the start reads.
    public static let fixedReads = ["keep", "target", "exclude"]

    /// This entry marked as one whose masks come from code (`configurable` false).
    public func fromCodeOnly() -> MaskSamplerEntry {
        var e = self
        e.configurable = false
        return e
    }

    /// Whether the sampler reads `key` (relative to "masks").
    public func readsKey(_ key: String) -> Bool {
        reads.contains { SettingReaders.covers($0, key) }
    }

    /// This entry with the sampler's own options (`PruneMask.entry.declaring { PruneMask.options }`).
    public func declaring(_ options: @escaping @Sendable () -> [ConfigOption<MaskConfig>]) -> MaskSamplerEntry {
        var e = self
        e.optionList = options
        return e
    }
}

/// Every mask sampler by name. A new sampler is one file plus one line here (with its options:
/// `.declaring { X.options }` on that line).
public enum MaskRegistry {
    public static let entries: [MaskSamplerEntry] = [
        NoMask.entry,
        DropConnect.entry,
        ImportanceDropConnect.entry.declaring { ImportanceDropConnect.options },
        PruneMask.entry.declaring { PruneMask.options },
        PruneMask.magnitudeEntry,
        PruneMask.randomEntry,
        GivenMask.entry.fromCodeOnly(),
        SETMask.entry.declaring { DynamicSparseMask.options },
        RigLMask.entry,
        L1Penalty.entry.declaring { L1Penalty.options },
        L0Gates.entry.declaring { L0Gates.options },
        VariationalDropout.entry.declaring { VariationalDropout.options },
    ]

    /// Registered names, in registry order.
    public static var names: [String] { entries.map(\.name) }

    /// Which mask settings each sampler reads (`MaskSamplerEntry.reads`), judged on every mask
    /// key but the sampler's name, the same mechanism as the optimiser's and schedule's
    /// (`MaskConfig.unreadKeys`). `configurableOnly` leaves out samplers whose masks come from
    /// code (`given`), for telling a user which samplers read a setting.
    public static func settingReaders(configurableOnly: Bool = false) -> SettingReaders {
        SettingReaders(entries.filter { $0.configurable || !configurableOnly }.map { ($0.name, $0.reads) },
                       candidates: MaskConfig.options.map(\.key).filter { $0 != "name" })
    }

    /// The sampler `config.name` with `config`'s options; unknown names list the valid ones.
    public static func make(_ config: MaskConfig) throws(MaskError) -> any MaskSampler {
        guard let e = entries.first(where: { $0.name == config.name }) else { throw .unknown(name: config.name, valid: names) }
        if let message = config.validationError() { throw .invalidOption(message) }
        return try e.make(config)
    }
}
