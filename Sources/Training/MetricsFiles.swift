import Foundation

/// The trainer's built-in callback that keeps the run folder's `metrics.csv` (rewritten whole at
/// every epoch) and writes `summary.json` when the run ends — with status `nonFinite` when it
/// fails because the loss or the weights became NaN or infinite.
final class MetricsFiles: TrainingCallback {
    let log: MetricsLog
    private var run: RunInfo?
    private var history: [EpochMetrics] = []

    init(directory: URL) { log = MetricsLog(directory: directory) }

    func runStart(_ run: RunInfo) throws(TrainingError) {
        self.run = run
        history = run.history
        try log.write(history: history)
    }

    func epochEnd(_ metrics: EpochMetrics) throws(TrainingError) {
        history.append(metrics)
        try log.write(history: history)
    }

    func runEnd(_ result: TrainingResult) throws(TrainingError) { try log.write(summary: result.summary) }

    func runFailed(_ error: TrainingError, progress: TrainingProgress) {
        guard error.isNonFinite, let run else { return }
        try? log.write(summary: RunSummary(status: .nonFinite, model: run.modelName, parameters: run.parameterCount,
                                           iterations: progress.iteration, history: progress.history, config: run.config))
    }
}
