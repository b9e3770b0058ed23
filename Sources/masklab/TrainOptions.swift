import ArgumentParser
import Foundation
import Models
import Training
import Experiments

/// Flags that set fields of a `RunConfig`. Every flag is optional: given flags override the
/// config file (or the built-in default), so `--config c.json --lr 0.01` changes only the rate.
struct TrainOptions: ParsableArguments {
    @Option(name: .long, help: "A JSON config file (keys as in a run's config.json); flags given override it.")
    var config: String?

    @Option(name: .long, help: "Model: \(ModelRegistry.names.joined(separator: ", ")). Default: mlp.")
    var model: String?

    @Option(name: .long, help: ArgumentHelp("Hidden layer widths of the MLP, comma-separated (default 300,100 = LeNet-300-100).", valueName: "w1,w2,…"))
    var hidden: String?

    @Option(name: .long, help: "Base width of convolutional models (resnet18: 64 = 11.17 M parameters).")
    var width: Int?

    @Option(name: .long, help: "Dataset: mnist or cifar10. Default: mnist.")
    var dataset: String?

    @Option(name: .long, help: "Training batch size. Default: 128 (the built-in default job: 64).")
    var batchSize: Int?

    @Option(name: .long, help: "Evaluation batch size (memory only). Default: 1000.")
    var evalBatchSize: Int?

    @Option(name: .long, help: "Train this many epochs.")
    var epochs: Int?

    @Option(name: .long, help: "Train this many iterations instead of whole epochs.")
    var iterations: Int?

    @Option(name: .long, help: "Optimiser: sgd, adam or adamw.")
    var optimizer: String?

    @Option(name: .customLong("lr"), help: "Base learning rate (the peak for onecycle).")
    var learningRate: Float?

    @Option(name: .long, help: "SGD momentum.")
    var momentum: Float?

    @Flag(name: .long, inversion: .prefixedNo, help: "Nesterov momentum (SGD).")
    var nesterov: Bool?

    @Option(name: .long, help: "Weight decay (L2 for sgd/adam, decoupled for adamw).")
    var weightDecay: Float?

    @Flag(name: .long, inversion: .prefixedNo, help: "Apply weight decay to biases and BatchNorm γ/β too (--no-decay-norm-bias exempts them).")
    var decayNormBias: Bool?

    @Option(name: .long, help: "Learning-rate schedule: constant, step, multistep, cosine or onecycle.")
    var schedule: String?

    @Option(name: .long, help: ArgumentHelp("Epochs at which multistep drops the rate, comma-separated.", valueName: "e1,e2,…"))
    var milestones: String?

    @Option(name: .long, help: "Factor of each drop (step, multistep).")
    var gamma: Float?

    @Option(name: .long, help: "Epochs between drops (step).")
    var stepEpochs: Int?

    @Option(name: .long, help: "Linear warm-up over this many iterations (any schedule).")
    var warmup: Int?

    @Option(name: .long, help: "Samples held out of the training set for validation (seeded). Default: 0.")
    var validation: Int?

    @Flag(name: .long, inversion: .prefixedNo, help: "Standard augmentation (CIFAR-10: pad 4 + random crop + flip). Default: on where the dataset has one.")
    var augment: Bool?

    @Option(name: .long, help: "Run seed (initialisation, data order, augmentation, masks all derive from it). Default: 0.")
    var seed: UInt64?

    @Option(name: .long, help: "Seed of the data order and augmentation only (same initial weights, subset and masks as --seed). Default: the run seed.")
    var dataOrderSeed: UInt64?

    @Option(name: .long, help: "Threads for MaskLab and OpenBLAS (part of the determinism contract). Default: all cores.")
    var threads: Int?

    @Option(name: .long, help: "Checkpoint every this many epochs (0 = never). Default: 1.")
    var checkpointEvery: Int?

    @Option(name: .long, help: "Also checkpoint every this many iterations (0 = never).")
    var checkpointEveryIterations: Int?

    /// The default job when no config file is given: LeNet-300-100 on MNIST, reaching ≥ 98% in minutes.
    static var defaultJob: RunConfig {
        var t = TrainingConfig()
        t.model = "mlp"
        t.dataset = "mnist"
        t.batchSize = 64
        t.optimizer = OptimizerConfig(name: "sgd", learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-4)
        t.schedule = ScheduleConfig(name: "cosine")
        t.budget = .epochs(15)
        t.threads = ProcessInfo.processInfo.activeProcessorCount
        return RunConfig(training: t)
    }

    /// The configuration: the file (or the default job) with every given flag applied.
    func resolve() throws -> RunConfig {
        var c: RunConfig
        if let config {
            do { c = try RunConfig.load(from: URL(fileURLWithPath: config)) } catch { throw CommandFailure(error.description) }
        } else {
            c = Self.defaultJob
        }
        var t = c.training
        if let model { t.model = model }
        if let hidden {
            let parts = hidden.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 }) else {
                throw CommandFailure("--hidden expects positive comma-separated widths such as 300,100; got '\(hidden)'")
            }
            t.modelOptions.hidden = parts.map { $0! }
        }
        if let width { t.modelOptions.width = width }
        if let dataset { t.dataset = dataset }
        if let batchSize { t.batchSize = batchSize }
        if let evalBatchSize { t.evalBatchSize = evalBatchSize }
        if epochs != nil && iterations != nil { throw CommandFailure("give --epochs or --iterations, not both") }
        if let epochs { t.budget = .epochs(epochs) }
        if let iterations { t.budget = .iterations(iterations) }
        if let optimizer { t.optimizer.name = optimizer }
        if let learningRate { t.optimizer.learningRate = learningRate }
        if let momentum { t.optimizer.momentum = momentum }
        if let nesterov { t.optimizer.nesterov = nesterov }
        if let weightDecay { t.optimizer.weightDecay = weightDecay }
        if let decayNormBias { t.optimizer.decayNormAndBias = decayNormBias }
        if let schedule { t.schedule.name = schedule }
        if let milestones {
            let parts = milestones.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.allSatisfy({ $0 != nil }) else { throw CommandFailure("--milestones expects comma-separated epochs such as 30,60; got '\(milestones)'") }
            t.schedule.milestones = parts.map { $0! }
        }
        if let gamma { t.schedule.gamma = gamma }
        if let stepEpochs { t.schedule.stepEpochs = stepEpochs }
        if let warmup { t.schedule.warmupIterations = warmup }
        if let seed { t.seed = seed }
        if let dataOrderSeed { t.dataOrderSeed = dataOrderSeed }
        if let threads { t.threads = threads }
        if let checkpointEvery { t.checkpointEveryEpochs = checkpointEvery }
        if let checkpointEveryIterations { t.checkpointEveryIterations = checkpointEveryIterations }
        c.training = t
        if let validation { c.validation = validation }
        if let augment { c.augment = augment }
        if let message = t.validationError() { throw CommandFailure(message) }
        guard ModelRegistry.names.contains(t.model) else {
            throw CommandFailure("unknown model '\(t.model)'; valid models: \(ModelRegistry.names.joined(separator: ", "))")
        }
        if c.validation < 0 { throw CommandFailure("--validation must be ≥ 0, got \(c.validation)") }
        return c
    }
}

/// Where data and results go.
struct LocationOptions: ParsableArguments {
    @Option(name: .long, help: "Data folder (default: $MASKLAB_DATA, ./data or ../shared/data).")
    var data: String?

    @Option(name: .long, help: "Run folder (default: results/<model>-<dataset>-<hash of the non-default settings>).")
    var out: String?
}
