import Foundation

/// Writes a run's `metrics.csv` (header + one row per completed epoch) and `summary.json` in
/// its output folder.
///
/// The CSV is rewritten from the whole history at every epoch (atomically), so it is always
/// complete and flushed, and a resumed run's file holds exactly the uninterrupted run's rows.
public struct MetricsLog: Sendable {
    public let directory: URL
    public var metricsURL: URL { directory.appendingPathComponent("metrics.csv") }
    public var summaryURL: URL { directory.appendingPathComponent("summary.json") }

    public init(directory: URL) { self.directory = directory }

    /// Writes `metrics.csv` for `history`.
    public func write(history: [EpochMetrics]) throws(TrainingError) {
        try write(Data(EpochMetrics.csv(history).utf8), to: metricsURL)
    }

    /// Writes `summary.json`.
    public func write(summary: RunSummary) throws(TrainingError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do { data = try encoder.encode(summary) } catch {
            throw .output(path: summaryURL.path, reason: "cannot encode summary: \(error)")
        }
        try write(data, to: summaryURL)
    }

    private func write(_ data: Data, to url: URL) throws(TrainingError) {
        do { try data.write(to: url, options: .atomic) } catch {
            throw .output(path: url.path, reason: error.localizedDescription)
        }
    }
}
