/// The end-of-run record written to `summary.json`.
public struct RunSummary: Codable, Sendable, Equatable {
    /// How the run ended (JSON: "completed", "stopped" or "nonFinite": the loss or the weights became NaN/Inf).
    public var status: RunStatus
    public var model: String
    public var parameters: Int
    /// Epochs completed and iterations completed.
    public var epochs: Int
    public var iterations: Int
    public var finalTestAccuracy: Double?
    public var finalTestLoss: Double?
    public var bestTestAccuracy: Double?
    /// Epoch of the best test accuracy, counted from 1 as in `metrics.csv` and on the terminal
    /// (summaries written before 2026-11-28 counted from 0).
    public var bestEpoch: Int?
    /// Wall time of all epochs, seconds (summed over resumed segments).
    public var totalSeconds: Double
    public var formatVersion: Int
    public var config: TrainingConfig

    /// The summary of `history`.
    public init(status: RunStatus, model: String, parameters: Int, iterations: Int, history: [EpochMetrics], config: TrainingConfig) {
        self.status = status
        self.model = model
        self.parameters = parameters
        self.epochs = history.count
        self.iterations = iterations
        finalTestAccuracy = history.last?.testAccuracy
        finalTestLoss = history.last?.testLoss
        let best = history.max { a, b in a.testAccuracy < b.testAccuracy || (a.testAccuracy == b.testAccuracy && a.epoch > b.epoch) }
        bestTestAccuracy = best?.testAccuracy
        bestEpoch = best?.number
        totalSeconds = history.reduce(0) { $0 + $1.wallSeconds }
        formatVersion = Checkpoint.formatVersion
        self.config = config
    }
}
