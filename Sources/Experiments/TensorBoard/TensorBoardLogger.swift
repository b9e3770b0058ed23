import Foundation
import TensorCore
import Stats
import Layers
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
/// and `mask/kept_total`; with `weights`, the histogram `parameters/<name>` of every parameter
/// tensor (`parameterHistogram`). Every `everyIterations` iterations (0 = never; step = the
/// iterations completed, a multiple of it): the step's own values, as Lightning's
/// `log_every_n_steps` logs them — `iteration/loss_train` and `iteration/accuracy_train` of its
/// batch, `iteration/learning_rate`, `iteration/images_per_second` (the epoch so far) and with
/// masks `iteration/mask_kept_total`. Per importance refresh (step = the refresh's iteration): the
/// histogram `importance/<tensor>` of log₁₀ w in `importance_histograms.csv`'s bins (under-
/// and overflow as the outer buckets). At the start of a fresh run, an HParams session with the
/// run's flattened config; at the end, its status (success when completed, failure when the
/// run fails). A write that fails stops the run with `TrainingError.output`, naming the file.
public final class TensorBoardLogger: TrainingCallback {
    let hparams: [TensorBoardEvent.HParam]
    let masking: MaskingHook?
    let everyIterations: Int
    let weights: ParameterStore?
    private var file: EventFile?
    private var refreshesSeen = 0
    private let clock: () -> Double

    /// The tag prefix of the importance histograms (measured at the start of a step, so a
    /// resume redoes the one at the checkpoint's iteration: see `precedesCheckpoint(at:)`).
    public static let importancePrefix = "importance/"

    /// A logger recording `hparams` and, with `masking`, the mask's counts and importance; the
    /// step's scalars every `everyIterations` iterations (0 = none) and, with `weights`, a
    /// histogram of each of its parameters per epoch.
    public init(hparams: [TensorBoardEvent.HParam], masking: MaskingHook?, everyIterations: Int = 0, weights: ParameterStore? = nil,
                clock: @escaping () -> Double = { Date().timeIntervalSince1970 }) {
        precondition(everyIterations >= 0, "everyIterations must be ≥ 0, got \(everyIterations)")
        self.hparams = hparams
        self.masking = masking
        self.everyIterations = everyIterations
        self.weights = weights
        self.clock = clock
    }

    /// The logger `config` asks for (`tensorboardEveryIterations`, `tensorboardWeightHistograms`)
    /// with its hyper-parameters plus `extra` (e.g. a lottery level's), for `network`.
    public convenience init(run config: RunConfig, extra: [TensorBoardEvent.HParam] = [], masking: MaskingHook?, network: Network) {
        self.init(hparams: config.hparams + extra, masking: masking, everyIterations: config.tensorboardEveryIterations,
                  weights: config.tensorboardWeightHistograms ? network.store : nil)
    }

    private var importance: ImportanceDropConnect? { masking?.sampler as? ImportanceDropConnect }

    public func runStart(_ run: RunInfo) throws(TrainingError) {
        refreshesSeen = importance?.refreshes ?? 0
        guard let directory = run.outputDirectory else { return }
        // A completed run resumed (`--resume`, "already complete") whose event file already ends
        // with the session's end: opening it would replace that event's wall time. (A run that
        // stopped after its last checkpoint but before that event gets it now.)
        if run.startIteration >= run.totalIterations, let last = EventFile.files(in: directory).last,
           let events = try? EventFile.events(at: last), let end = events.last, case .sessionEnd = end.content { return }
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
        try writeImportance(report)
        let done = report.iteration + 1
        guard everyIterations > 0, done % everyIterations == 0 else { return }
        var scalars: [(String, Double)] = [
            ("iteration/loss_train", report.loss), ("iteration/accuracy_train", Double(report.correct) / Double(max(report.count, 1))),
            ("iteration/learning_rate", Double(report.learningRate)),
            ("iteration/images_per_second", report.epochTrainSeconds > 0 ? Double(report.epochSamples) / report.epochTrainSeconds : 0),
        ]
        if let masks = masking?.masks { scalars.append(("iteration/mask_kept_total", Double(masks.totalKeptCount))) }
        for (tag, value) in scalars { try write(step: done, .scalar(tag: tag, value: Float(value))) }
    }

    /// The importance histograms of a refresh that happened at the start of this step.
    private func writeImportance(_ report: BatchReport) throws(TrainingError) {
        guard let sampler = importance, sampler.refreshes != refreshesSeen else { return }
        refreshesSeen = sampler.refreshes
        guard let solver = sampler.solver, let masks = masking?.masks else { return }
        for i in masks.parameters.indices {
            let histogram = Self.histogram(logW: UnsafeBufferPointer(solver.logImportance(i).buffer))
            try write(step: report.iteration, .histogram(tag: Self.importancePrefix + masks.parameters[i].name, histogram))
        }
    }

    public func epochEnd(_ m: EpochMetrics) throws(TrainingError) {
        try writeScalars(m, masks: true)
        for p in weights?.parameters ?? [] {
            try write(step: m.iterations, .histogram(tag: "parameters/" + p.name, Self.parameterHistogram(UnsafeBufferPointer(p.value.buffer))))
        }
    }

    private func writeScalars(_ m: EpochMetrics, masks withMasks: Bool) throws(TrainingError) {
        var scalars: [(String, Double)] = [
            ("loss/train", m.trainLoss), ("loss/test", m.testLoss), ("accuracy/train", m.trainAccuracy), ("accuracy/test", m.testAccuracy),
            ("gap", m.gap), ("learning_rate", Double(m.learningRate)), ("images_per_second", m.imagesPerSecond),
        ]
        if let v = m.validationLoss { scalars.append(("loss/validation", v)) }
        if let v = m.validationAccuracy { scalars.append(("accuracy/validation", v)) }
        if let v = m.trainEvalLoss { scalars.append(("loss/train_eval", v)) }
        if let v = m.trainEvalAccuracy { scalars.append(("accuracy/train_eval", v)) }
        if let v = m.evalGap { scalars.append(("eval_gap", v)) }
        if withMasks, let masks = masking?.masks {
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

    /// Buckets of a parameter histogram (TensorBoard re-bins for display; 30 keeps the file small).
    static let parameterBins = 30

    /// The histogram of a parameter tensor's values: `parameterBins` equal buckets over
    /// [min, max], bucket i holding [edgeᵢ, edgeᵢ₊₁) (the last also max), its limit the upper
    /// edge; one bucket when all values are equal. The values are finite (the trainer checks
    /// them before the epoch's callbacks).
    static func parameterHistogram(_ values: UnsafeBufferPointer<Float>) -> TensorBoardEvent.Histogram {
        var lo = Double.infinity, hi = -Double.infinity, sum = 0.0, squares = 0.0
        for v in values {
            let x = Double(v)
            lo = Swift.min(lo, x)
            hi = Swift.max(hi, x)
            sum += x
            squares += x * x
        }
        let n = Double(values.count)
        guard lo < hi else {
            return TensorBoardEvent.Histogram(min: lo, max: hi, count: n, sum: sum, sumOfSquares: squares, limits: [hi], counts: [n])
        }
        let bins = Stats.Histogram(bins: parameterBins, lower: lo, upper: hi)
        for v in values { bins.add(Double(v)) }
        var counts = bins.counts.map(Double.init)
        counts[counts.count - 1] += Double(bins.overflow)   // the values equal to max
        return TensorBoardEvent.Histogram(min: lo, max: hi, count: n, sum: sum, sumOfSquares: squares,
                                          limits: Array(bins.edges.dropFirst().dropLast()) + [hi], counts: counts)
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
