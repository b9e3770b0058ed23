import Foundation
import Importance
import Masks
import Training

/// Announces each importance refresh of a run (`--mask importance`): after the step that
/// relearnt the importance, one line with the refresh number, iteration, epoch (counted from 1),
/// the number of tensors, the solve's wall time and φ before → after on the first solver batch
/// (the mean over tensors), handed to `note` (e.g. the progress display).
public final class ImportanceRefreshReporter: TrainingCallback {
    let sampler: ImportanceDropConnect
    let note: (String) -> Void
    private var seen = 0

    public init(sampler: ImportanceDropConnect, note: @escaping (String) -> Void) {
        self.sampler = sampler
        self.note = note
    }

    public func runStart(_ run: RunInfo) { seen = sampler.refreshes }

    public func batchEnd(_ report: BatchReport) {
        guard sampler.refreshes != seen else { return }
        seen = sampler.refreshes
        note(Self.line(refresh: seen - 1, iteration: report.iteration, epoch: report.epoch, report: sampler.lastReport,
                       steps: sampler.config.importance.steps))
    }

    /// The announcement of refresh `refresh` (0-based, as in `importance.csv`); with `steps` 0
    /// (the saliency control) there is no φ to show.
    static func line(refresh: Int, iteration: Int, epoch: Int, report: SolveReport?, steps: Int) -> String {
        var s = "importance refresh \(refresh) at iteration \(iteration) (epoch \(epoch + 1))"
        guard let report, !report.objectiveBefore.isEmpty else { return s }
        func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(v.count) }
        let n = report.objectiveBefore.count
        s += ": " + counted(n, "tensor") + String(format: " in %.1f s, ", report.seconds)
        s += steps == 0 ? "w = w₀ (0 mirror-descent steps: the saliency control)"
            : String(format: "φ %.4f → %.4f", mean(report.objectiveBefore), mean(report.objectiveAfter))
        return s
    }
}
