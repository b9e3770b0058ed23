import TensorCore
import Layers
import Datasets

/// What a sampler may use when a run starts.
public struct MaskContext {
    public let network: Network
    /// The training split (for samplers that compute on data, e.g. the importance solver).
    public let trainingSet: Dataset?
    /// Training batch size (the network is prepared for at least this many samples).
    public let batchSize: Int
    /// Run seed: a sampler derives its streams from it (purposes `masks`, `importance`, `pruning`).
    public let seed: UInt64
    public let iterationsPerEpoch: Int
    /// Steps of the whole run (the budget).
    public let totalIterations: Int
    /// The iteration the run starts (or resumes) at.
    public let startIteration: Int

    public init(network: Network, trainingSet: Dataset?, batchSize: Int, seed: UInt64, iterationsPerEpoch: Int,
                totalIterations: Int, startIteration: Int) {
        self.network = network
        self.trainingSet = trainingSet
        self.batchSize = batchSize
        self.seed = seed
        self.iterationsPerEpoch = iterationsPerEpoch
        self.totalIterations = totalIterations
        self.startIteration = startIteration
    }
}
