import Foundation
import Models
import Datasets
import Options

/// Everything that determines a training run, as a plain record whose property initialisers are
/// MaskLab's defaults: the default job, LeNet-300-100 on MNIST for 15 epochs, batch 64, SGD with
/// Nesterov momentum and a cosine schedule on all cores. A config file, the flags and `--set`
/// change fields of these defaults; `options` declares each key's flag, help and valid range.
///
/// The same config, seed and thread count give bit-identical metrics. `model`, `modelOptions`
/// and `dataset` are recorded for the caller, which builds the network and the data from them.
public struct TrainingConfig: Sendable, Equatable {
    /// Model registry name (e.g. "mlp") and its options.
    public var model: String = "mlp"
    public var modelOptions: ModelOptions = ModelOptions()
    /// Dataset name (e.g. "mnist"); recorded, not interpreted, by the trainer.
    public var dataset: String = "mnist"
    /// Training mini-batch size (samples per optimiser step; the last batch of an epoch may be smaller).
    public var batchSize: Int = 64
    /// Batch size for evaluation (memory only; results do not depend on it beyond float rounding order).
    public var evalBatchSize: Int = 1000
    public var optimizer: OptimizerConfig = OptimizerConfig()
    public var schedule: ScheduleConfig = ScheduleConfig()
    public var budget: Budget = .epochs(15)
    /// Run seed: every random stream (initialisation, data order, augmentation, masks) derives from it.
    public var seed: UInt64 = 0
    /// Seed of the data-order and augmentation streams only (nil: `seed`). Two runs that differ
    /// only here start from the same weights, train on the same subset and drop the same masks,
    /// but see the samples in a different order with different crops — the "different data
    /// order" runs of a linear-interpolation (mode connectivity) study.
    public var dataOrderSeed: UInt64? = nil
    /// Threads for MaskLab's loops and OpenBLAS (part of the determinism contract); default all cores.
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    /// Write `last.safetensors` every this many epochs (0 = never; the final epoch always when > 0).
    public var checkpointEveryEpochs: Int = 1
    /// Also write it every this many iterations, mid-epoch included (0 = never).
    public var checkpointEveryIterations: Int = 0
    /// Training images evaluated in inference mode at each epoch's end (0 = none): a fixed
    /// random subset of the training split, the same for every seed (`Trainer.trainEvalSubset`),
    /// without augmentation, at the epoch's final weights, as the test set is. It gives
    /// metrics.csv's `train_eval_loss`, `train_eval_accuracy` and `eval_gap` (test loss −
    /// train_eval_loss: the source's GAP, both losses of one set of weights in one mode), where
    /// `gap` uses the epoch's running training-mode loss. Costs one evaluation pass of that many images.
    public var trainEval: Int = 0

    /// The defaults, with the given fields replaced (nil = keep the default).
    public init(model: String? = nil, modelOptions: ModelOptions? = nil, dataset: String? = nil,
                batchSize: Int? = nil, evalBatchSize: Int? = nil, optimizer: OptimizerConfig? = nil,
                schedule: ScheduleConfig? = nil, budget: Budget? = nil, seed: UInt64? = nil,
                threads: Int? = nil, checkpointEveryEpochs: Int? = nil, checkpointEveryIterations: Int? = nil) {
        if let model { self.model = model }
        if let modelOptions { self.modelOptions = modelOptions }
        if let dataset { self.dataset = dataset }
        if let batchSize { self.batchSize = batchSize }
        if let evalBatchSize { self.evalBatchSize = evalBatchSize }
        if let optimizer { self.optimizer = optimizer }
        if let schedule { self.schedule = schedule }
        if let budget { self.budget = budget }
        if let seed { self.seed = seed }
        if let threads { self.threads = threads }
        if let checkpointEveryEpochs { self.checkpointEveryEpochs = checkpointEveryEpochs }
        if let checkpointEveryIterations { self.checkpointEveryIterations = checkpointEveryIterations }
    }

    /// Largest training and evaluation batch (a typo such as 1e12 is refused here; the memory
    /// the rest needs is estimated against physical memory before training).
    public static let maxBatchSize = 65_536
    /// Most threads: 4 × the cores (more only adds contention; unbounded counts starved machines).
    public static var maxThreads: Int { 4 * ProcessInfo.processInfo.activeProcessorCount }

    /// The options, keys at the top level of a run config (groups "modelOptions", "optimizer",
    /// "schedule", "budget").
    public static var options: [ConfigOption<TrainingConfig>] {
        let training: [ConfigOption<TrainingConfig>] = [
            .value("model", \.model, flag: "model", .string(names: ModelRegistry.names), .oneOf(ModelRegistry.names), help: "Model."),
            .value("dataset", \.dataset, flag: "dataset", .string(names: DatasetRegistry.names),
                   help: "Dataset (an unknown name is refused by the dataset registry when the data is loaded)."),
            .value("batchSize", \.batchSize, flag: "batch-size", .int, .within(1, maxBatchSize), help: "Training batch size."),
            .value("evalBatchSize", \.evalBatchSize, flag: "eval-batch-size", .int, .within(1, maxBatchSize),
                   help: "Evaluation batch size (memory only)."),
            budgetOption("epochs", flag: "epochs", help: "Train this many epochs (or give budget.iterations).",
                         read: { if case let .epochs(e) = $0 { e } else { nil } }, make: Budget.epochs),
            budgetOption("iterations", flag: "iterations", help: "Train this many iterations instead of whole epochs.",
                         read: { if case let .iterations(i) = $0 { i } else { nil } }, make: Budget.iterations),
            .value("seed", \.seed, flag: "seed", .uint64, help: "Run seed (initialisation, data order, augmentation, masks all derive from it)."),
            .optional("dataOrderSeed", \.dataOrderSeed, flag: "data-order-seed", .uint64,
                      help: "Seed of the data order and augmentation only (none = the run seed)."),
            .value("threads", \.threads, flag: "threads", .int, .within(1, maxThreads),
                   help: "Threads for MaskLab and OpenBLAS (part of the determinism contract; default all cores)."),
            .value("checkpointEveryEpochs", \.checkpointEveryEpochs, flag: "checkpoint-every", .int, .atLeast(0),
                   help: "Checkpoint every this many epochs (0 = never)."),
            .value("checkpointEveryIterations", \.checkpointEveryIterations, flag: "checkpoint-every-iterations", .int, .atLeast(0),
                   help: "Also checkpoint every this many iterations (0 = never)."),
            .value("trainEval", \.trainEval, flag: "train-eval", .int, .atLeast(0),
                   help: "Evaluate this many training images (a fixed subset, no augmentation) in inference mode at each epoch's end: "
                       + "train_eval_loss/accuracy and eval_gap = test loss − train_eval_loss in metrics.csv (0 = off)."),
        ]
        return training
            + ModelOptions.options.map { $0.under("modelOptions", \TrainingConfig.modelOptions) }
            + OptimizerConfig.options.map { $0.under("optimizer", \TrainingConfig.optimizer) }
            + ScheduleConfig.options.map { $0.under("schedule", \TrainingConfig.schedule) }
    }

    /// The option table of a training config alone (the "config" of a run's summary.json).
    public static var table: OptionTable<TrainingConfig> {
        OptionTable(options, exclusive: [["budget.epochs", "budget.iterations"]])
    }

    /// "budget.epochs" or "budget.iterations": present when the budget is of that kind; setting it sets the budget.
    private static func budgetOption(_ key: String, flag: String, help: String, read: @escaping (Budget) -> Int?,
                                     make: @escaping (Int) -> Budget) -> ConfigOption<TrainingConfig> {
        let count = ConfigOption<BudgetCount>.value(key, \.count, flag: flag, .int, .atLeast(1), help: help)
        return ConfigOption(key: "budget." + key, flag: flag, help: help, valueName: count.valueName, rangeText: count.rangeText,
                      read: { c in read(c.budget).flatMap { count.read(BudgetCount(count: $0)) } },
                      write: { (c: inout TrainingConfig, v: ConfigValue) throws(OptionError) in
                          var n = BudgetCount()
                          do throws(OptionError) { try count.write(&n, v) } catch { throw OptionError("budget." + error.message) }
                          c.budget = make(n.count)
                      },
                      writeText: { (c: inout TrainingConfig, t: String) throws(OptionError) in
                          var n = BudgetCount()
                          do throws(OptionError) { try count.writeText(&n, t) } catch { throw OptionError("budget." + error.message) }
                          c.budget = make(n.count)
                      })
    }

    private struct BudgetCount { var count = 0 }

    /// Problems across options, or nil when valid (each option's own range is checked when it is set).
    public func validationError() -> String? {
        if batchSize < 1 || batchSize > Self.maxBatchSize { return "batchSize must be in [1, \(Self.maxBatchSize)], got \(batchSize)" }
        if evalBatchSize < 1 || evalBatchSize > Self.maxBatchSize { return "evalBatchSize must be in [1, \(Self.maxBatchSize)], got \(evalBatchSize)" }
        if threads < 1 || threads > Self.maxThreads { return "threads must be in [1, \(Self.maxThreads)] (4 × the cores), got \(threads)" }
        switch budget {
        case let .epochs(e) where e < 1: return "budget must be ≥ 1 epoch, got \(e)"
        case let .iterations(i) where i < 1: return "budget must be ≥ 1 iteration, got \(i)"
        default: break
        }
        if checkpointEveryEpochs < 0 { return "checkpointEveryEpochs must be ≥ 0, got \(checkpointEveryEpochs)" }
        if checkpointEveryIterations < 0 { return "checkpointEveryIterations must be ≥ 0, got \(checkpointEveryIterations)" }
        if trainEval < 0 { return "trainEval must be ≥ 0 (0 = off), got \(trainEval)" }
        return nil
    }
}

extension TrainingConfig: Codable {
    /// Decodes through the option table: the defaults with the object's keys applied.
    public init(from decoder: any Decoder) throws { self = try Self.table.decode(from: decoder, onto: TrainingConfig()) }

    public func encode(to encoder: any Encoder) throws { try Self.table.encode(self, to: encoder) }
}
