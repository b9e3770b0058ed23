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
    /// The iteration the run starts (or resumes) at.
    public let startIteration: Int

    public init(network: Network, trainingSet: Dataset?, batchSize: Int, seed: UInt64, iterationsPerEpoch: Int,
                startIteration: Int) {
        self.network = network
        self.trainingSet = trainingSet
        self.batchSize = batchSize
        self.seed = seed
        self.iterationsPerEpoch = iterationsPerEpoch
        self.startIteration = startIteration
    }
}

/// One training step as a sampler sees it (the trainer's step, without depending on Training).
public struct MaskStep {
    public let iteration: Int, epoch: Int, batchInEpoch: Int
    /// The optimiser's learning rate for this step (γ of the importance solver by default).
    public let learningRate: Float
    /// This step's batch: inputs `[n, …]`, n labels.
    public let inputs: Tensor
    public let labels: UnsafePointer<Int32>
    public let count: Int

    public init(iteration: Int, epoch: Int, batchInEpoch: Int, learningRate: Float, inputs: Tensor,
                labels: UnsafePointer<Int32>, count: Int) {
        self.iteration = iteration
        self.epoch = epoch
        self.batchInEpoch = batchInEpoch
        self.learningRate = learningRate
        self.inputs = inputs
        self.labels = labels
        self.count = count
    }
}
