import Foundation

/// What a finished (or stopped) run returns.
public struct TrainingResult: Sendable {
    /// Metrics of every completed epoch, from the start of the run (resumed runs included).
    public let history: [EpochMetrics]
    public let summary: RunSummary
    /// The newest checkpoint written or resumed from, if any.
    public let lastCheckpoint: URL?
    /// Where the run ended (equal to the budget unless stopped).
    public let progress: TrainingProgress
}
