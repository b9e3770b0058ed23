import Options
/// One entry of the schedule registry.
public struct ScheduleEntry: Sendable {
    public let name: String
    public let summary: String
    /// The `ScheduleConfig` keys this schedule reads besides `name` and the warm-up's
    /// (`warmupIterations`, `warmupStartFactor`, read whatever the schedule); it ignores the others.
    public let reads: [String]
    public let build: @Sendable (_ config: ScheduleConfig, _ context: ScheduleContext) throws(ScheduleError) -> any LearningRateSchedule

    public init(name: String, summary: String, reads: [String],
                build: @escaping @Sendable (_ config: ScheduleConfig, _ context: ScheduleContext) throws(ScheduleError) -> any LearningRateSchedule) {
        self.name = name
        self.summary = summary
        self.reads = reads
        self.build = build
    }
}

/// Every learning-rate schedule, by name; warm-up wraps any of them (`warmupIterations > 0`).
/// A new schedule is one file plus one line here.
public enum ScheduleRegistry {
    public static let entries: [ScheduleEntry] = [
        ScheduleEntry(name: "constant", summary: "the base rate throughout", reads: []) { _, x throws(ScheduleError) in
            ConstantSchedule(base: x.baseLearningRate)
        },
        ScheduleEntry(name: "step", summary: "× gamma every stepEpochs epochs (StepLR)", reads: ["stepEpochs", "gamma"]) { c, x throws(ScheduleError) in
            guard c.stepEpochs >= 1 else { throw .invalidParameter(schedule: "step", message: "stepEpochs must be ≥ 1, got \(c.stepEpochs)") }
            return StepSchedule(context: x, stepEpochs: c.stepEpochs, gamma: c.gamma)
        },
        ScheduleEntry(name: "multistep", summary: "× gamma at each milestone epoch (MultiStepLR)", reads: ["milestones", "gamma"]) { c, x throws(ScheduleError) in
            guard c.milestones.allSatisfy({ $0 >= 0 }) else {
                throw .invalidParameter(schedule: "multistep", message: "milestones must be ≥ 0, got \(c.milestones)")
            }
            return MultiStepSchedule(context: x, milestones: c.milestones, gamma: c.gamma)
        },
        ScheduleEntry(name: "cosine", summary: "cosine to minimumLearningRate over the run, per iteration (CosineAnnealingLR)", reads: ["minimumLearningRate"]) { c, x throws(ScheduleError) in
            CosineSchedule(context: x, minimum: c.minimumLearningRate)
        },
        ScheduleEntry(name: "onecycle", summary: "one-cycle with cosine annealing (OneCycleLR)", reads: ["pctStart", "divFactor", "finalDivFactor"]) { c, x throws(ScheduleError) in
            guard c.pctStart > 0, c.pctStart < 1 else {
                throw .invalidParameter(schedule: "onecycle", message: "pctStart must be in (0, 1), got \(c.pctStart)")
            }
            guard c.divFactor > 0, c.finalDivFactor > 0 else {
                throw .invalidParameter(schedule: "onecycle", message: "divFactor and finalDivFactor must be > 0")
            }
            return OneCycleSchedule(context: x, pctStart: c.pctStart, divFactor: c.divFactor, finalDivFactor: c.finalDivFactor)
        },
    ]

    /// Registered names, in registry order.
    public static var names: [String] { entries.map(\.name) }

    /// Which variant-specific settings each schedule reads (`unreadKeys(of:)`, `readers(of:)`).
    public static var settingReaders: SettingReaders { SettingReaders(entries.map { ($0.name, $0.reads) }) }

    /// Builds schedule `config.name` for a run described by `context`, wrapped in a linear
    /// warm-up when `config.warmupIterations > 0`; unknown names fail with the valid ones.
    public static func make(_ config: ScheduleConfig, context: ScheduleContext) throws(ScheduleError) -> any LearningRateSchedule {
        guard let e = entries.first(where: { $0.name == config.name }) else {
            throw .unknown(name: config.name, valid: names)
        }
        guard context.totalIterations >= 1, context.iterationsPerEpoch >= 1 else {
            throw .invalidParameter(schedule: config.name, message: "the run must have at least one iteration (total \(context.totalIterations), per epoch \(context.iterationsPerEpoch))")
        }
        let inner = try e.build(config, context)
        guard config.warmupIterations > 0 else { return inner }
        guard config.warmupStartFactor > 0, config.warmupStartFactor <= 1 else {
            throw .invalidParameter(schedule: config.name, message: "warmupStartFactor must be in (0, 1], got \(config.warmupStartFactor)")
        }
        return WarmupSchedule(wrapping: inner, iterations: config.warmupIterations, startFactor: config.warmupStartFactor)
    }
}
