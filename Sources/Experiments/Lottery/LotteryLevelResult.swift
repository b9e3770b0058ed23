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
    public var seconds: Double

    public static let csvHeader = "level,arm,kept,entries,remaining_percent,final_test_loss,final_test_accuracy,early_stop_iteration,early_stop_validation_loss,early_stop_test_accuracy,iterations,seconds"

    public var csvRow: String {
        "\(level),\(arm),\(kept),\(entries),\(remaining),\(finalTestLoss),\(finalTestAccuracy),\(earlyStopIteration),\(earlyStopValidationLoss),\(earlyStopTestAccuracy),\(iterations),\(seconds)"
    }
}
