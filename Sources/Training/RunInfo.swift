import Foundation

/// What a run is about to do, given to callbacks and hooks when it starts.
public struct RunInfo: Sendable {
    public let config: TrainingConfig
    /// The network's registry name and its number of trainable scalars.
    public let modelName: String
    public let parameterCount: Int
    public let trainSamples: Int
    public let iterationsPerEpoch: Int
    public let totalIterations: Int
    /// Epochs touched by the budget (the last may be partial).
    public let epochs: Int
    /// Where the run starts: 0/0/0 for a fresh run, the checkpoint's position when resuming.
    public let startIteration: Int, startEpoch: Int, startBatch: Int
    /// Metrics of the epochs completed before the start (resumed runs).
    public let history: [EpochMetrics]
    public let outputDirectory: URL?
    /// Lets a callback ask the trainer to stop (e.g. on SIGINT).
    public let control: TrainingControl
    /// How a callback evaluates the network: inside the hooks' evaluation weights, as the trainer does.
    public let evaluator: RunEvaluator

    public init(config: TrainingConfig, modelName: String, parameterCount: Int, trainSamples: Int, iterationsPerEpoch: Int,
                totalIterations: Int, epochs: Int, startIteration: Int, startEpoch: Int, startBatch: Int,
                history: [EpochMetrics] = [], outputDirectory: URL?, control: TrainingControl, evaluator: RunEvaluator) {
        self.config = config
        self.modelName = modelName
        self.parameterCount = parameterCount
        self.trainSamples = trainSamples
        self.iterationsPerEpoch = iterationsPerEpoch
        self.totalIterations = totalIterations
        self.epochs = epochs
        self.startIteration = startIteration
        self.startEpoch = startEpoch
        self.startBatch = startBatch
        self.history = history
        self.outputDirectory = outputDirectory
        self.control = control
        self.evaluator = evaluator
    }
}
