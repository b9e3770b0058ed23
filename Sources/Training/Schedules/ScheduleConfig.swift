import Options

/// The learning-rate schedule of a run and its parameters (each schedule reads its own fields).
/// The property initialisers are MaskLab's defaults (cosine to 0 over the run, no warm-up);
/// `options` declares each key's flag, help and valid range.
public struct ScheduleConfig: Sendable, Equatable {
    /// Registry name: see `ScheduleRegistry.names`.
    public var name: String = "cosine"
    /// step: multiply by `gamma` every `stepEpochs` epochs.
    public var stepEpochs: Int = 30
    /// step, multistep: the factor applied at each drop.
    public var gamma: Float = 0.1
    /// multistep: epochs (0-based) at whose start the rate drops, strictly increasing.
    public var milestones: [Int] = []
    /// cosine: the final rate η_min.
    public var minimumLearningRate: Float = 0
    /// Linear warm-up over the first `warmupIterations` iterations (0 = none), starting at
    /// `warmupStartFactor` × the wrapped schedule's rate. Applies to any schedule.
    public var warmupIterations: Int = 0
    public var warmupStartFactor: Float = 1.0 / 3.0
    /// onecycle: share of the run spent increasing the rate, and the divisors of max_lr.
    public var pctStart: Double = 0.3
    public var divFactor: Double = 25
    public var finalDivFactor: Double = 1e4

    /// The defaults, with the given fields replaced (nil = keep the default).
    public init(name: String? = nil, stepEpochs: Int? = nil, gamma: Float? = nil, milestones: [Int]? = nil,
                minimumLearningRate: Float? = nil, warmupIterations: Int? = nil, warmupStartFactor: Float? = nil,
                pctStart: Double? = nil, divFactor: Double? = nil, finalDivFactor: Double? = nil) {
        if let name { self.name = name }
        if let stepEpochs { self.stepEpochs = stepEpochs }
        if let gamma { self.gamma = gamma }
        if let milestones { self.milestones = milestones }
        if let minimumLearningRate { self.minimumLearningRate = minimumLearningRate }
        if let warmupIterations { self.warmupIterations = warmupIterations }
        if let warmupStartFactor { self.warmupStartFactor = warmupStartFactor }
        if let pctStart { self.pctStart = pctStart }
        if let divFactor { self.divFactor = divFactor }
        if let finalDivFactor { self.finalDivFactor = finalDivFactor }
    }

    /// The options, keys relative to "schedule".
    public static var options: [ConfigOption<ScheduleConfig>] { [
        .value("name", \.name, flag: "schedule", .string(names: ScheduleRegistry.names), .oneOf(ScheduleRegistry.names),
               help: "Learning-rate schedule."),
        .value("stepEpochs", \.stepEpochs, flag: "step-epochs", .int, .atLeast(1), help: "Epochs between drops (step)."),
        .value("gamma", \.gamma, flag: "gamma", .float, .above(0), help: "Factor of each drop (step, multistep)."),
        .value("milestones", \.milestones, flag: "milestones", .list(of: .int, valueName: "<e1,e2,…>"),
               .each(.atLeast(0), strictlyIncreasing: true), help: "Epochs at which multistep drops the rate, comma-separated."),
        .value("minimumLearningRate", \.minimumLearningRate, flag: "min-lr", .float, .atLeast(0), help: "Final rate of cosine."),
        .value("warmupIterations", \.warmupIterations, flag: "warmup", .int, .atLeast(0),
               help: "Linear warm-up over this many iterations (any schedule)."),
        .value("warmupStartFactor", \.warmupStartFactor, flag: "warmup-start-factor", .float, .above(0, upTo: 1),
               help: "Warm-up starts at this share of the schedule's rate."),
        .value("pctStart", \.pctStart, flag: "pct-start", .double, ValueRange("in (0, 1)") { $0 > 0 && $0 < 1 },
               help: "Share of a onecycle run spent raising the rate."),
        .value("divFactor", \.divFactor, flag: "div-factor", .double, .above(0), help: "onecycle: the start rate is the peak / this."),
        .value("finalDivFactor", \.finalDivFactor, flag: "final-div-factor", .double, .above(0),
               help: "onecycle: the final rate is the start rate / this."),
    ] }
}

extension ScheduleConfig {
    /// The keys (relative to "schedule") of the settings this config's schedule ignores, e.g.
    /// `milestones` and `gamma` under cosine, and the `idleKeys` its own values leave unread.
    public var unreadKeys: [String] { ScheduleRegistry.settingReaders.unreadKeys(of: name) + idleKeys.map(\.key) }

    /// Settings read only under other values of this config, each with the reason: the warm-up's
    /// start factor without a warm-up.
    public var idleKeys: [(key: String, reason: String)] {
        warmupIterations == 0 ? [("warmupStartFactor", "there is no warm-up (--warmup is 0)")] : []
    }

    /// This config with every setting its schedule ignores put back to MaskLab's default, so two
    /// configs that train alike compare equal (a resume's configuration check compares these).
    public var readSettings: ScheduleConfig {
        OptionTable(Self.options).resetting(unreadKeys, in: self, to: ScheduleConfig())
    }
}
