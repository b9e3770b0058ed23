/// The outcome of one lottery level (or one of its branches): `level.json` in its folder and a
/// row of the run's `levels.csv`.
public struct LotteryLevelResult: Codable, Sendable, Equatable {
    public var level: Int
    /// "ticket" (the level itself), "reinit" or "random".
    public var arm: String
    /// Masked weights kept and in all; `remaining` = kept / entries in percent.
    public var kept: Int
    public var entries: Int
    public var remaining: Double
    /// At the end of the budget.
    public var finalTestLoss: Double
    public var finalTestAccuracy: Double
    /// At the iteration of minimum validation loss (evaluated every `evaluateEvery` iterations).
    public var earlyStopIteration: Int
    public var earlyStopValidationLoss: Double
    public var earlyStopTestAccuracy: Double
    public var iterations: Int
    /// Wall time of the level's training epochs, seconds, summed over resumed segments (the run's
    /// `summary.json` `totalSeconds`; before session 22, the time since the last start only).
    public var seconds: Double
    /// The split whose loss chose `earlyStopIteration` (and so what `earlyStopValidationLoss`
    /// measured): "validation", or "test" when the chain has no validation split, in which case
    /// `earlyStopTestAccuracy` is chosen on the test set and is optimistic. In `level.json` only
    /// (`levels.csv` keeps its columns); nil in one written before session 22 (its `lottery.json`
    /// tells: `validation` 0 means the test set).
    public var earlyStopSplit: String?

    public static let csvHeader = "level,arm,kept,entries,remaining_percent,final_test_loss,final_test_accuracy,early_stop_iteration,early_stop_validation_loss,early_stop_test_accuracy,iterations,seconds"

    public var csvRow: String {
        "\(level),\(arm),\(kept),\(entries),\(remaining),\(finalTestLoss),\(finalTestAccuracy),\(earlyStopIteration),\(earlyStopValidationLoss),\(earlyStopTestAccuracy),\(iterations),\(seconds)"
    }
}
