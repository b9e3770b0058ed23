import Models

/// Everything that determines a training run, as a plain Codable record with defaults.
///
/// The same config, seed and thread count give bit-identical metrics. Missing keys decode to the
/// defaults, so a config file names only what it changes. `model`, `modelOptions` and `dataset`
/// are recorded for the caller, which builds the network and the data from them.
public struct TrainingConfig: Codable, Sendable, Equatable {
    /// Model registry name (e.g. "mlp") and its options.
    public var model: String = "mlp"
    public var modelOptions: ModelOptions = ModelOptions()
    /// Dataset name (e.g. "mnist"); recorded, not interpreted, by the trainer.
    public var dataset: String = "mnist"
    /// Training mini-batch size (samples per optimiser step; the last batch of an epoch may be smaller).
    public var batchSize: Int = 128
    /// Batch size for evaluation (memory only; results do not depend on it beyond float rounding order).
    public var evalBatchSize: Int = 1000
    public var optimizer: OptimizerConfig = OptimizerConfig()
    public var schedule: ScheduleConfig = ScheduleConfig()
    public var budget: Budget = .epochs(10)
    /// Run seed: every random stream (initialisation, data order, augmentation, masks) derives from it.
    public var seed: UInt64 = 0
    /// Seed of the data-order and augmentation streams only (nil: `seed`). Two runs that differ
    /// only here start from the same weights, train on the same subset and drop the same masks,
    /// but see the samples in a different order with different crops — the "different data
    /// order" runs of a linear-interpolation (mode connectivity) study.
    public var dataOrderSeed: UInt64? = nil
    /// Threads for MaskLab's loops and OpenBLAS (part of the determinism contract).
    public var threads: Int = 1
    /// Write `last.safetensors` every this many epochs (0 = never; the final epoch always when > 0).
    public var checkpointEveryEpochs: Int = 1
    /// Also write it every this many iterations, mid-epoch included (0 = never).
    public var checkpointEveryIterations: Int = 0

    public init(model: String = "mlp", modelOptions: ModelOptions = ModelOptions(), dataset: String = "mnist",
                batchSize: Int = 128, evalBatchSize: Int = 1000, optimizer: OptimizerConfig = OptimizerConfig(),
                schedule: ScheduleConfig = ScheduleConfig(), budget: Budget = .epochs(10), seed: UInt64 = 0,
                threads: Int = 1, checkpointEveryEpochs: Int = 1, checkpointEveryIterations: Int = 0) {
        self.model = model
        self.modelOptions = modelOptions
        self.dataset = dataset
        self.batchSize = batchSize
        self.evalBatchSize = evalBatchSize
        self.optimizer = optimizer
        self.schedule = schedule
        self.budget = budget
        self.seed = seed
        self.threads = threads
        self.checkpointEveryEpochs = checkpointEveryEpochs
        self.checkpointEveryIterations = checkpointEveryIterations
    }

    private enum CodingKeys: String, CodingKey {
        case model, modelOptions, dataset, batchSize, evalBatchSize, optimizer, schedule, budget, seed, dataOrderSeed, threads
        case checkpointEveryEpochs, checkpointEveryIterations
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TrainingConfig()
        model = try c.decodeIfPresent(String.self, forKey: .model) ?? d.model
        modelOptions = try c.decodeIfPresent(ModelOptions.self, forKey: .modelOptions) ?? d.modelOptions
        dataset = try c.decodeIfPresent(String.self, forKey: .dataset) ?? d.dataset
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? d.batchSize
        evalBatchSize = try c.decodeIfPresent(Int.self, forKey: .evalBatchSize) ?? d.evalBatchSize
        optimizer = try c.decodeIfPresent(OptimizerConfig.self, forKey: .optimizer) ?? d.optimizer
        schedule = try c.decodeIfPresent(ScheduleConfig.self, forKey: .schedule) ?? d.schedule
        budget = try c.decodeIfPresent(Budget.self, forKey: .budget) ?? d.budget
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        dataOrderSeed = try c.decodeIfPresent(UInt64.self, forKey: .dataOrderSeed)
        threads = try c.decodeIfPresent(Int.self, forKey: .threads) ?? d.threads
        checkpointEveryEpochs = try c.decodeIfPresent(Int.self, forKey: .checkpointEveryEpochs) ?? d.checkpointEveryEpochs
        checkpointEveryIterations = try c.decodeIfPresent(Int.self, forKey: .checkpointEveryIterations) ?? d.checkpointEveryIterations
    }

    /// Problems a user can act on (sizes, thread count, budget, cadences), or nil when valid.
    /// Optimiser and schedule names and parameters are checked by their registries.
    public func validationError() -> String? {
        if batchSize < 1 { return "batchSize must be ≥ 1, got \(batchSize)" }
        if evalBatchSize < 1 { return "evalBatchSize must be ≥ 1, got \(evalBatchSize)" }
        if threads < 1 { return "threads must be ≥ 1, got \(threads)" }
        switch budget {
        case let .epochs(e) where e < 1: return "budget must be ≥ 1 epoch, got \(e)"
        case let .iterations(i) where i < 1: return "budget must be ≥ 1 iteration, got \(i)"
        default: break
        }
        if checkpointEveryEpochs < 0 { return "checkpointEveryEpochs must be ≥ 0, got \(checkpointEveryEpochs)" }
        if checkpointEveryIterations < 0 { return "checkpointEveryIterations must be ≥ 0, got \(checkpointEveryIterations)" }
        return nil
    }
}
