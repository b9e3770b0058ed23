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
/// run's flattened config; at the end, its status (success when completed).
public final class TensorBoardLogger: TrainingCallback {
    let hparams: [TensorBoardEvent.HParam]
    let masking: MaskingHook?
    private var file: EventFile?
    private var refreshesSeen = 0
    private let clock: () -> Double
    /// The first write that failed; later events are not attempted.
    public private(set) var failure: EventFileError?

    /// A logger recording `hparams` and, with `masking`, the mask's counts and importance.
    public init(hparams: [TensorBoardEvent.HParam], masking: MaskingHook?, clock: @escaping () -> Double = { Date().timeIntervalSince1970 }) {
        self.hparams = hparams
        self.masking = masking
        self.clock = clock
    }

    private var importance: ImportanceDropConnect? { masking?.sampler as? ImportanceDropConnect }

    public func runStart(_ run: RunInfo) {
        guard let directory = run.outputDirectory else { return }
        let now = clock()
        do {
            if run.startIteration == 0 {
                file = try EventFile.create(in: directory, wallTime: now)
            } else {
                file = try EventFile.resume(in: directory, at: run.startIteration, wallTime: now)
            }
            if file?.isNew == true { try file?.append(TensorBoardEvent(wallTime: now, step: 0, content: .sessionStart(hparams: hparams, startTime: now))) }
        } catch { failure = error }
        refreshesSeen = importance?.refreshes ?? 0
    }

    public func batchEnd(_ report: BatchReport) {
        guard let sampler = importance, sampler.refreshes != refreshesSeen else { return }
        refreshesSeen = sampler.refreshes
        guard let solver = sampler.solver, let masks = masking?.masks else { return }
        for i in masks.parameters.indices {
            let histogram = Self.histogram(logW: UnsafeBufferPointer(solver.logImportance(i).buffer))
            write(step: report.iteration, .histogram(tag: "importance/" + masks.parameters[i].name, histogram))
        }
    }

    public func epochEnd(_ m: EpochMetrics) {
        var scalars: [(String, Double)] = [
            ("loss/train", m.trainLoss), ("loss/test", m.testLoss), ("accuracy/train", m.trainAccuracy), ("accuracy/test", m.testAccuracy),
            ("gap", m.gap), ("learning_rate", Double(m.learningRate)), ("images_per_second", m.imagesPerSecond),
        ]
        if let v = m.validationLoss { scalars.append(("loss/validation", v)) }
        if let v = m.validationAccuracy { scalars.append(("accuracy/validation", v)) }
        if let masks = masking?.masks, masking?.sampler.kind != MaskKind.none {
            for i in masks.parameters.indices {
                scalars.append(("mask/kept/" + masks.parameters[i].name, Double(masks.kept[i])))
                scalars.append(("mask/expected_kept/" + masks.parameters[i].name, masks.expectedKept[i]))
            }
            scalars.append(("mask/kept_total", Double(masks.kept.reduce(0, +))))
        }
        for (tag, value) in scalars { write(step: m.iterations, .scalar(tag: tag, value: Float(value))) }
    }

    public func runEnd(_ result: TrainingResult) {
        let status: TensorBoardEvent.SessionStatus = result.summary.status == "completed" ? .success : .unknown
        write(step: result.progress.iteration, .sessionEnd(status: status, endTime: clock()))
    }

    private func write(step: Int, _ content: TensorBoardEvent.Content) {
        guard let file, failure == nil else { return }
        do { try file.append(TensorBoardEvent(wallTime: clock(), step: step, content: content)) } catch { failure = error }
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
