/// What one finished training step measured.
public struct BatchReport: Sendable {
    public let iteration: Int, epoch: Int, batchInEpoch: Int, batchesPerEpoch: Int
    /// Mean cross-entropy of the batch (nats per sample), correct predictions, batch size.
    public let loss: Double
    public let correct: Int
    public let count: Int
    public let learningRate: Float
    /// Training seconds of this epoch so far (for img/s and ETA).
    public let epochTrainSeconds: Double
    public let epochSamples: Int
}
