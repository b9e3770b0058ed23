import Importance
import Options

/// Whether a pruning mask ranks weights within each tensor or across the masked tensors.
public enum MagnitudeScope: String, Codable, Sendable, CaseIterable {
    /// Each tensor keeps its own largest round(q·n) |w|.
    case layerwise
    /// One threshold over all masked tensors: the largest round(q·N) |w| overall are kept.
    case global
}

/// Everything that defines the masks of a run: the object under the run config's "masks"
/// key, e.g. `{"name": "importance", "keep": 0.2, "importance": {"lambda": 1}}`. The property
/// initialisers are the defaults; unknown keys are an error.
///
/// The options every sampler shares are declared in `commonOptions`; a sampler declares its own
/// in its own file and lists them on its registry line (`entry.declaring(options)`), so
/// `options` (common + every registered sampler's) covers them all. A sampler without a typed
/// field here keeps its values in `settings` through a `SamplerSetting`.
///
/// A family's own options are nested under its name: `dst.updateEvery` (set, rigl),
/// `importance.…`, `pruning.…`, `l1.lambda`, `l0.droprateInit`, `vd.klStart`. The flat keys the
/// learned samplers had before (`l1Lambda`, `vdKLStart`, …) are still read (`ConfigOption.formerKeys`).
public struct MaskConfig: Sendable, Equatable {
    /// Sampler name: one of `MaskRegistry.names`.
    public var name: String = "none"
    /// Keep rate q: the expected share of masked entries kept (dropping arms), or the share
    /// a fixed mask keeps.
    public var keep: Double = 0.5
    public var target: MaskTarget = .weights
    public var scaling: MaskScaling = .inverted
    /// Excluded from the default scope (all conv and linear weights).
    public var exclude: [MaskExclusion] = []
    public var evalMask: EvalMask = .none
    public var sampling: MaskSampling = .bernoulli
    /// Lower clip p_min of importance keep probabilities (bounds 1/p for inverted scaling);
    /// declared by `ImportanceDropConnect.options`.
    public var minKeep: Double = 0.01
    /// Ranking of the pruning masks (prune, magnitude); declared by `PruneMask.options`.
    public var magnitudeScope: MagnitudeScope = .layerwise
    /// The pruning criterion of `prune`; declared by `PruneMask.options`.
    public var criterion: String = "magnitude"
    /// Share of the output layer a pruning mask keeps (nil: like the others); declared by `PruneMask.options`.
    public var keepOutput: Double?
    /// Options of the pruning criteria; declared by `PruneMask.options`.
    public var pruning: PruningConfig = PruningConfig()
    /// Options of the importance solver (used by `importance`); declared by `ImportanceDropConnect.options`.
    public var importance: ImportanceConfig = ImportanceConfig()
    /// Options of the dynamic sparse masks (set, rigl); declared by `DynamicSparseMask.options`.
    public var dst: DynamicSparsityConfig = DynamicSparsityConfig()
    /// Values of sampler options declared with `SamplerSetting` (key → value; defaults are not stored).
    public var settings: [String: ConfigValue] = [:]

    public init(name: String = "none", keep: Double = 0.5) {
        self.name = name
        self.keep = keep
    }

    /// The scope the exclusions describe.
    public var scope: MaskScope { MaskScope(exclude: Set(exclude)) }

    /// The options every sampler reads, keys relative to "masks".
    public static var commonOptions: [ConfigOption<MaskConfig>] { [
        .value("name", \.name, flag: "mask", .string(names: MaskRegistry.names), .oneOf(MaskRegistry.names), help: "Mask sampler."),
        .value("keep", \.keep, flag: "keep", .double, .above(0, upTo: 1),
               help: "Keep rate q: expected share of masked weights kept per step (dropping masks) or kept by a fixed mask."),
        .value("target", \.target, flag: "mask-target", .choice,
               help: "weights (true DropConnect: forward uses m⊙W) or gradients (only the update is masked)."),
        .value("scaling", \.scaling, flag: "mask-scaling", .choice, help: "inverted (kept weights scaled by 1/p) or none."),
        .value("exclude", \.exclude, flag: "mask-exclude", .list(of: .choice, valueName: "<first,shortcut,last>"),
               help: "Leave these weights dense: first (first layer), shortcut (ResNet projections), last (output layer); comma-separated."),
        .value("evalMask", \.evalMask, flag: "eval-mask", .choice,
               help: "What evaluation uses for per-step masks: none (the weights as trained) or expected (p⊙W without scaling)."),
        .value("sampling", \.sampling, flag: "mask-sampling", .choice,
               help: "bernoulli (independent per weight) or exactK (exactly round(q·n) kept per tensor)."),
    ] }

    /// Every mask option: the common ones and those each registered sampler declares.
    public static var options: [ConfigOption<MaskConfig>] { commonOptions + MaskRegistry.entries.flatMap(\.options) }

    /// The keys (relative to "masks") of the settings this config's sampler ignores (its
    /// registry entry's `reads`), e.g. `keep` under `none` or `importance.eta` under
    /// `dropconnect`; [] for an unknown sampler.
    public var unreadKeys: [String] { MaskRegistry.settingReaders().unreadKeys(of: name) }

    /// This config with every setting its sampler ignores put back to MaskLab's default, so two
    /// configs that train alike compare equal (a resume's configuration check compares these).
    public var readSettings: MaskConfig {
        OptionTable(Self.options).resetting(unreadKeys, in: self, to: MaskConfig())
    }

    /// A warning for a valid combination that usually fails, or nil: a sampler whose keep
    /// probabilities go down to p_min (`importance`) masking the forward weights with inverted
    /// scaling multiplies a kept weight by up to 1/p_min (×100 at the default 0.01), and
    /// training tends to diverge (LeNet-300-100 on MNIST: NaN within ≈ 20 steps).
    public var caution: String? {
        guard target == .weights, scaling == .inverted, minKeep > 0, 1 / minKeep >= 10,
              MaskRegistry.settingReaders().reads(name, "minKeep") else { return nil }
        return String(format: "the %@ mask keeps weights with probability down to p_min = %.4g and, with --mask-target weights and "
                      + "--mask-scaling inverted, multiplies each kept one by up to 1/p_min = %.0f; training often diverges this way. "
                      + "The seed's protocol masks the gradients without rescaling (--mask-target gradients --mask-scaling none); "
                      + "or raise --min-keep", name, minKeep, 1 / minKeep)
    }

    /// A message naming the first invalid combination of options, or nil (each option's own range
    /// is checked when it is set; these are checked again for configs built in code).
    public func validationError() -> String? {
        if !(keep > 0 && keep <= 1) { return "keep must be in (0, 1], got \(keep)" }
        if !CriterionRegistry.names.contains(criterion) {
            return "unknown pruning criterion '\(criterion)'; valid criteria: \(CriterionRegistry.names.joined(separator: ", "))"
        }
        if let q = keepOutput, !(q > 0 && q <= 1) { return "keepOutput must be in (0, 1], got \(q)" }
        if let m = pruning.validationError() { return m }
        if let m = dst.validationError() { return m }
        // The clip p_min matters only to a sampler that reads it (`importance`): `--keep 0.005`
        // under dropconnect is not refused for the default p_min 0.01.
        let readsMinKeep = MaskRegistry.settingReaders().reads(name, "minKeep")
        if readsMinKeep && !(minKeep >= 0 && minKeep <= keep) { return "minKeep must be in [0, keep = \(keep)], got \(minKeep)" }
        if readsMinKeep && scaling == .inverted && minKeep == 0 {
            return "inverted scaling needs minKeep > 0 (1/p would be unbounded)"
        }
        return importance.validationError()
    }
}

/// An option of one sampler that has no typed field in `MaskConfig`: declared once in the
/// sampler's file, stored in `MaskConfig.settings`, read back with `value(in:)`. Its key is
/// nested under the sampler's (or family's) name, like every family's options; `formerKey` is a
/// key it had before, still read from config files and `--set` (never written).
///
///     static var strength: SamplerSetting<Double> {
///         SamplerSetting("mysampler.strength", flag: "mysampler-strength", .double, .above(0), default: 1, help: "…")
///     }
///     let s = Self.strength.value(in: config)
public struct SamplerSetting<Value> {
    public let key: String
    public let option: ConfigOption<MaskConfig>
    let codec: ValueCodec<Value>
    let defaultValue: Value

    public init(_ key: String, formerKey: String? = nil, flag: String, _ codec: ValueCodec<Value>, _ range: ValueRange<Value> = .any,
                default defaultValue: Value, help: String) {
        self.key = key
        self.codec = codec
        self.defaultValue = defaultValue
        let stored = ConfigOption<SettingBox<Value>>.value(key, \.value, flag: flag, codec, range, help: help)
        let fallback = codec.toConfig(defaultValue)
        func box(_ c: MaskConfig) -> SettingBox<Value> {
            SettingBox(value: c.settings[key].flatMap(codec.fromConfig) ?? defaultValue)
        }
        func store(_ b: SettingBox<Value>, in c: inout MaskConfig) {
            let v = codec.toConfig(b.value)
            c.settings[key] = v == fallback ? nil : v
        }
        option = ConfigOption(key: key, flag: flag, formerKeys: formerKey.map { [$0] } ?? [], help: help,
                        valueName: stored.valueName, isSwitch: stored.isSwitch,
                        rangeText: stored.rangeText, read: { stored.read(box($0)) },
                        write: { (c: inout MaskConfig, v: ConfigValue) throws(OptionError) in
                            var b = box(c)
                            try stored.write(&b, v)
                            store(b, in: &c)
                        },
                        writeText: { (c: inout MaskConfig, t: String) throws(OptionError) in
                            var b = box(c)
                            try stored.writeText(&b, t)
                            store(b, in: &c)
                        })
    }

    /// The value in `config` (the default when not set).
    public func value(in config: MaskConfig) -> Value {
        config.settings[key].flatMap(codec.fromConfig) ?? defaultValue
    }
}

struct SettingBox<Value> { var value: Value }
