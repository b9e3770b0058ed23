import Training
import Masks

extension RunConfig {
    /// This config with every optimiser, schedule and mask setting the chosen optimiser, schedule
    /// or sampler ignores at its default (`OptimizerConfig.readSettings`,
    /// `ScheduleConfig.readSettings`, `MaskConfig.readSettings`): two configs that train alike
    /// compare equal.
    public var readSettings: RunConfig {
        var c = self
        c.training.optimizer = c.training.optimizer.readSettings
        c.training.schedule = c.training.schedule.readSettings
        c.masks = c.masks?.readSettings
        return c
    }

    /// The keys that say only what a run logs to TensorBoard: they change no trained value, no
    /// metric and no file the run's results are read from, so a resume may change them. (How
    /// often it checkpoints is not among them: switched off on a resume, it would leave an older
    /// `last.safetensors` behind as the run's weights.)
    public static let loggingKeys = ["tensorboardEveryIterations", "tensorboardWeightHistograms"]

    /// `readSettings` with the `loggingKeys` at their defaults: what a resume must find unchanged.
    public var resumeSettings: RunConfig {
        var c = readSettings
        let d = RunConfig()
        c.tensorboardEveryIterations = d.tensorboardEveryIterations
        c.tensorboardWeightHistograms = d.tensorboardWeightHistograms
        return c
    }

    /// The refusal of a setting given explicitly (a flag or `--set`) that the chosen optimiser,
    /// schedule or mask sampler does not read, e.g. `--momentum` with `--optimizer adam` or `--keep`
    /// with `--mask none`, or reads only under other
    /// values (`idleKeys`: `--dampening` with momentum 0); nil when there is none.
    /// `keys` are run-config keys ("optimizer.momentum"); a lottery's "run." prefix is ignored.
    /// Config files are not checked: a run's `config.json` records every key, read or not.
    public func unreadSettingError(given keys: [String]) -> String? {
        for given in keys {
            let key = given.hasPrefix("run.") ? String(given.dropFirst(4)) : given
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            let (kind, chosen, unread, readers): (String, String, [String], [String])
            let idle: [(key: String, reason: String)]
            switch parts[0] {
            case "optimizer":
                (kind, chosen, unread, idle) = ("optimiser", training.optimizer.name, training.optimizer.unreadKeys, training.optimizer.idleKeys)
                readers = OptimizerRegistry.settingReaders.readers(of: parts[1])
            case "schedule":
                (kind, chosen, unread, idle) = ("schedule", training.schedule.name, training.schedule.unreadKeys, training.schedule.idleKeys)
                readers = ScheduleRegistry.settingReaders.readers(of: parts[1])
            case "masks":
                guard let masks, parts[1] != "name" else { continue }
                (kind, chosen, unread, idle) = ("mask", masks.name, masks.unreadKeys, [])
                readers = MaskRegistry.settingReaders(configurableOnly: true).readers(of: parts[1])
            default: continue
            }
            guard unread.contains(parts[1]) else { continue }
            let flag = Self.table.option(key: key).map { "--\($0.isSwitch ? "[no-]" : "")\($0.flag) (\(key))" } ?? key
            if let reason = idle.first(where: { $0.key == parts[1] })?.reason {
                return "\(flag) has no effect here: \(reason); it would be recorded in config.json without effect. Leave it out."
            }
            return "\(flag) is not read by the \(chosen) \(kind), so it would be recorded in config.json without effect; "
                + "the \(kind)s that read it: \(readers.joined(separator: ", ")). Leave it out, or choose one of those."
        }
        return nil
    }
}

extension LotteryConfig {
    /// This config with its run's ignored optimiser and schedule settings at their defaults
    /// (`RunConfig.readSettings`).
    public var readSettings: LotteryConfig {
        var c = self
        c.run = c.run.readSettings
        return c
    }
}

extension JobConfig {
    /// This job with its run's ignored optimiser and schedule settings at their defaults.
    public var readSettings: JobConfig {
        switch self {
        case let .train(c): return .train(c.readSettings)
        case let .lottery(c): return .lottery(c.readSettings)
        }
    }

    /// What resuming this job's folder must find unchanged: a training run's `resumeSettings`
    /// (its TensorBoard logging may change, as `train --resume` allows), a lottery's `readSettings`.
    public var resumeSettings: JobConfig {
        switch self {
        case let .train(c): return .train(c.resumeSettings)
        case let .lottery(c): return .lottery(c.readSettings)
        }
    }
}
