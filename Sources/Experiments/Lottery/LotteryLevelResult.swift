import Foundation

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

extension LotteryLevelResult {
    /// The rows of a `levels.csv` text, each column found by its `csvHeader` name: a file whose
    /// columns come in another order, or with more columns than these, reads the same. Nil when the
    /// header lacks one of `csvHeader`'s columns; a row with a field that is missing or not a
    /// number is left out. (`earlyStopSplit` is not a column: it is nil here.)
    public static func rows(csv text: String) -> [LotteryLevelResult]? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard let head = lines.first else { return nil }
        let header = head.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        var index: [String: Int] = [:]
        for name in csvHeader.split(separator: ",").map(String.init) {
            guard let i = header.firstIndex(of: name) else { return nil }
            index[name] = i
        }
        return lines.dropFirst().compactMap { line -> LotteryLevelResult? in
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            func field(_ name: String) -> String? { index[name].flatMap { $0 < f.count ? f[$0] : nil } }
            func int(_ name: String) -> Int? { field(name).flatMap { Int($0) } }
            func number(_ name: String) -> Double? { field(name).flatMap { Double($0) } }
            guard let level = int("level"), let arm = field("arm"), !arm.isEmpty, let kept = int("kept"), let entries = int("entries"),
                  let remaining = number("remaining_percent"), let finalLoss = number("final_test_loss"),
                  let finalAccuracy = number("final_test_accuracy"), let esIteration = int("early_stop_iteration"),
                  let esLoss = number("early_stop_validation_loss"), let esAccuracy = number("early_stop_test_accuracy"),
                  let iterations = int("iterations"), let seconds = number("seconds") else { return nil }
            return LotteryLevelResult(level: level, arm: arm, kept: kept, entries: entries, remaining: remaining, finalTestLoss: finalLoss,
                                      finalTestAccuracy: finalAccuracy, earlyStopIteration: esIteration, earlyStopValidationLoss: esLoss,
                                      earlyStopTestAccuracy: esAccuracy, iterations: iterations, seconds: seconds, earlyStopSplit: nil)
        }
    }
}
