import Foundation
import Training
import Options

/// What one job of a study runs, and everything that depends on its kind: a training run
/// (`masklab train`, one run folder: config.json, summary.json) or a lottery run (`masklab
/// lottery`, one folder of levels: lottery.json, level_NN/, levels.csv). The executors treat
/// both alike through `StudyJob`; only this type knows the subcommand, the config file it
/// writes into its folder and what marks the folder completed.
public enum JobConfig: Sendable, Equatable {
    case train(RunConfig)
    case lottery(LotteryConfig)

    /// The `masklab` subcommand that runs the job (also the name of its log, `<subcommand>.log`).
    public var subcommand: String {
        switch self {
        case .train: return "train"
        case .lottery: return "lottery"
        }
    }

    /// The config as the subcommand reads it (`--config`): pretty, key-sorted JSON of every option.
    public func jsonText() -> String {
        switch self {
        case let .train(c): return c.jsonText()
        case let .lottery(c): return c.jsonText()
        }
    }

    /// The folder name of the job: a hash of its non-default settings (`RunConfig.runName`,
    /// `LotteryConfig.runName`).
    public var runName: String {
        switch self {
        case let .train(c): return c.runName
        case let .lottery(c): return c.runName
        }
    }

    /// The training settings (a lottery's: those of every level), where the seed and threads live.
    public var training: TrainingConfig {
        get {
            switch self {
            case let .train(c): return c.training
            case let .lottery(c): return c.run.training
            }
        }
        set {
            switch self {
            case var .train(c):
                c.training = newValue
                self = .train(c)
            case var .lottery(c):
                c.run.training = newValue
                self = .lottery(c)
            }
        }
    }

    /// The keys of the option table of the kind's config file (what sweep axes may name).
    var keys: [String] {
        switch self {
        case .train: return RunConfig.table.options.map(\.key)
        case .lottery: return LotteryConfig.table.options.map(\.key)
        }
    }

    /// The key of the seed ("seed"; a lottery's "run.seed"): the axis a sweep summarises over.
    public var seedKey: String { canonicalKey("seed") }

    /// `key` as the kind's option table spells it: a lottery accepts a training key without
    /// "run." (as `masklab lottery --set` does), e.g. "seed" for "run.seed".
    public func canonicalKey(_ key: String) -> String {
        guard case .lottery = self else { return key }
        return LotteryConfig.canonicalKey(key)
    }

    /// Sets `key` (a key of the kind's option table, see `keys`) to `value`; false when the
    /// table has no such key.
    mutating func set(_ key: String, _ value: ConfigValue) throws(OptionError) -> Bool {
        switch self {
        case var .train(c):
            guard let option = RunConfig.table.option(key: key) else { return false }
            try option.write(&c, value)
            self = .train(c)
        case var .lottery(c):
            guard let option = LotteryConfig.table.option(key: key) else { return false }
            try option.write(&c, value)
            self = .lottery(c)
        }
        return true
    }

    /// A message naming the first invalid setting, or nil.
    public func validationError() -> String? {
        switch self {
        case let .train(c): return c.validationError()
        case let .lottery(c): return c.validationError()
        }
    }

    // MARK: - The job's folder

    /// The config file the subcommand writes into its folder: config.json or lottery.json.
    public func savedFile(in directory: URL) -> URL {
        switch self {
        case .train: return RunLayout(directory: directory).config
        case .lottery: return LotteryLayout(directory: directory).config
        }
    }

    /// The config saved in `directory` (same kind as this one), nil when it cannot be read.
    func saved(in directory: URL) -> JobConfig? {
        let file = savedFile(in: directory)
        switch self {
        case .train: return (try? RunConfig.load(from: file)).map { .train($0) }
        case .lottery:
            return (try? Data(contentsOf: file)).flatMap { try? JSONDecoder().decode(LotteryConfig.self, from: $0) }.map { .lottery($0) }
        }
    }

    /// Whether the folder holds the job's completed work: a training run's summary says
    /// completed; a lottery wrote `levels.csv`, which it does once every level and branch finished.
    public func isCompleted(in directory: URL) -> Bool {
        switch self {
        case .train: return RunFolder.status(of: RunLayout(directory: directory)) == .completed
        case .lottery: return FileManager.default.fileExists(atPath: LotteryLayout(directory: directory).levels.path)
        }
    }

    /// The folder's state in words, for reports: a run's summary status ("completed", "stopped",
    /// …), or "completed" for a finished lottery and "3 of 6 levels done" for a partial one;
    /// "started" when only the config is there, "not run" without it.
    public func status(in directory: URL) -> String {
        switch self {
        case .train:
            if let status = RunFolder.status(of: RunLayout(directory: directory)) { return status.rawValue }
        case let .lottery(c):
            if isCompleted(in: directory) { return "completed" }
            let layout = LotteryLayout(directory: directory)
            let done = (0...c.levels).filter { FileManager.default.fileExists(atPath: LotteryLayout.result(layout.level($0)).path) }.count
            if done > 0 { return "\(done) of \(c.levels + 1) levels done" }
        }
        return FileManager.default.fileExists(atPath: savedFile(in: directory).path) ? "started" : "not run"
    }
}
