import TensorCore

/// One training step as hooks and callbacks see it (a value; building one never allocates).
public struct TrainingStep {
    /// Iteration index since the start of the run (0-based).
    public let iteration: Int
    /// Epoch (0-based) and batch within it (0-based).
    public let epoch: Int, batchInEpoch: Int
    /// The learning rate this step's update uses (γ of the importance solver by default).
    public let learningRate: Float
    /// The batch: inputs `[n, C, H, W]` normalised, `n` labels (valid during this step).
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
