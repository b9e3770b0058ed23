import Foundation
import TensorCore
import Importance
import Masks
import Training

/// Writes a run's TensorBoard event file (`EventFile`) beside its CSV files, as a training
/// callback; the trainer knows nothing of it.
///
/// Steps are iterations completed, so runs with different epoch lengths line up. Per epoch
/// (step = iterations at the epoch's end): `loss/train`, `loss/test`, `accuracy/train`,
/// `accuracy/test` (and `…/validation`), `gap`, `learning_rate`, `images_per_second`, and with
/// masks `mask/kept/<tensor>` (entries kept by the epoch's last mask), `mask/expected_kept/<tensor>`
/// and `mask/kept_total`. Per importance refresh (step = the refresh's iteration): the
/// histogram `importance/<tensor>` of log₁₀ w in `importance_histograms.csv`'s bins (under-
/// and overflow as the outer buckets). At the start of a fresh run, an HParams session with the
/// run's flattened config; at the end, its status (success when completed, failure when the
/// run fails). A write that fails stops the run with `TrainingError.output`, naming the file.
public final class TensorBoardLogger: TrainingCallback {
    let hparams: [TensorBoardEvent.HParam]
    let masking: MaskingHook?
    private var file: EventFile?
    private var refreshesSeen = 0
    private let clock: () -> Double

    /// A logger recording `hparams` and, with `masking`, the mask's counts and importance.
    public init(hparams: [TensorBoardEvent.HParam], masking: MaskingHook?, clock: @escaping () -> Double = { Date().timeIntervalSince1970 }) {
        self.hparams = hparams
        self.masking = masking
        self.clock = clock
    }

    private var importance: ImportanceDropConnect? { masking?.sampler as? ImportanceDropConnect }

    public func runStart(_ run: RunInfo) throws(TrainingError) {
        refreshesSeen = importance?.refreshes ?? 0
        guard let directory = run.outputDirectory else { return }
        let now = clock()
        let opened: EventFile
        do {
            opened = run.startIteration == 0 ? try EventFile.create(in: directory, wallTime: now)
                                             : try EventFile.resume(in: directory, at: run.startIteration, wallTime: now)
        } catch { throw Self.failure(error) }
        file = opened
        guard opened.isNew else { return }
        try write(step: 0, .sessionStart(hparams: hparams, startTime: now))
        // A run resumed from a folder without an event file (older MaskLab): its epochs so far.
        for m in run.history { try writeScalars(m, masks: false) }
    }

    public func batchEnd(_ report: BatchReport) throws(TrainingError) {
        guard let sampler = importance, sampler.refreshes != refreshesSeen else { return }
        refreshesSeen = sampler.refreshes
        guard let solver = sampler.solver, let masks = masking?.masks else { return }
        for i in masks.parameters.indices {
            let histogram = Self.histogram(logW: UnsafeBufferPointer(solver.logImportance(i).buffer))
            try write(step: report.iteration, .histogram(tag: "importance/" + masks.parameters[i].name, histogram))
        }
    }

    public func epochEnd(_ m: EpochMetrics) throws(TrainingError) { try writeScalars(m, masks: true) }

    private func writeScalars(_ m: EpochMetrics, masks withMasks: Bool) throws(TrainingError) {
        var scalars: [(String, Double)] = [
            ("loss/train", m.trainLoss), ("loss/test", m.testLoss), ("accuracy/train", m.trainAccuracy), ("accuracy/test", m.testAccuracy),
            ("gap", m.gap), ("learning_rate", Double(m.learningRate)), ("images_per_second", m.imagesPerSecond),
        ]
        if let v = m.validationLoss { scalars.append(("loss/validation", v)) }
        if let v = m.validationAccuracy { scalars.append(("accuracy/validation", v)) }
        if withMasks, let masks = masking?.masks, masking?.sampler.kind != MaskKind.none {
            for i in masks.parameters.indices {
                scalars.append(("mask/kept/" + masks.parameters[i].name, Double(masks.keptCounts[i])))
                scalars.append(("mask/expected_kept/" + masks.parameters[i].name, masks.expectedKeptCounts[i]))
            }
            scalars.append(("mask/kept_total", Double(masks.totalKeptCount)))
        }
        for (tag, value) in scalars { try write(step: m.iterations, .scalar(tag: tag, value: Float(value))) }
    }

    public func runEnd(_ result: TrainingResult) throws(TrainingError) {
        let status: TensorBoardEvent.SessionStatus = result.summary.status == .completed ? .success : .unknown
        try write(step: result.progress.iteration, .sessionEnd(status: status, endTime: clock()))
    }

    public func runFailed(_ error: TrainingError, progress: TrainingProgress) {
        try? write(step: progress.iteration, .sessionEnd(status: .failure, endTime: clock()))
    }

    private func write(step: Int, _ content: TensorBoardEvent.Content) throws(TrainingError) {
        guard let file else { return }
        do { try file.append(TensorBoardEvent(wallTime: clock(), step: step, content: content)) } catch { throw Self.failure(error) }
    }

    private static func failure(_ error: EventFileError) -> TrainingError {
        .output(path: error.path, reason: "TensorBoard event file: " + error.reason)
    }

    /// The histogram of log₁₀ w in `ImportanceStats.histogramEdges`' bins: bucket 0 is the
    /// underflow (below the first edge), then one bucket per bin, then the overflow, whose
    /// limit is the largest finite double (TensorBoard's convention for an open last bucket).
    static func histogram(logW: UnsafeBufferPointer<Float>) -> TensorBoardEvent.Histogram {
        let stats = ImportanceStats(logW: logW)
        var sum = 0.0, squares = 0.0
        for l in logW {
            let x = Double(l) / M_LN10
            sum += x
            squares += x * x
        }
        let counts = [stats.underflow] + stats.histogram + [stats.overflow]
        return TensorBoardEvent.Histogram(min: log10(stats.minimum), max: log10(stats.maximum), count: Double(stats.count), sum: sum,
                                          sumOfSquares: squares, limits: ImportanceStats.histogramEdges + [Double.greatestFiniteMagnitude],
                                          counts: counts.map(Double.init))
    }
}
