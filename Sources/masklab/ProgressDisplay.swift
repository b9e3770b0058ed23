import Foundation
import Training
import Experiments

/// Shows training progress: a redrawn status line on a terminal (epoch, batch, loss, accuracy,
/// img/s, ETA), plain lines otherwise (one per epoch), and a final summary.
final class ProgressDisplay: TrainingCallback {
    let quiet: Bool
    let isTerminal = isatty(STDOUT_FILENO) != 0
    private var run: RunInfo?
    private var started = Date()
    private var lastDraw = Date.distantPast
    private var doneAtStart = 0
    /// A progress line is on the terminal without its newline.
    private var lineOpen = false

    init(quiet: Bool) { self.quiet = quiet }

    func runStart(_ run: RunInfo) {
        self.run = run
        started = Date()
        doneAtStart = run.startIteration
        guard !quiet else { return }
        let complete = run.startIteration > 0 && run.startIteration >= run.totalIterations
        let resumed = complete ? ", already complete: nothing left to train"
            : run.startIteration > 0 ? ", resumed at epoch \(run.startEpoch + 1) batch \(run.startBatch)" : ""
        // An iteration budget may end inside an epoch: then the total is what runs.
        let budget = run.totalIterations == run.epochs * run.iterationsPerEpoch
            ? "\(counted(run.epochs, "epoch")) × \(counted(run.iterationsPerEpoch, "iteration"))"
            : "\(counted(run.totalIterations, "iteration")) (epochs of \(run.iterationsPerEpoch))"
        print("\(run.modelName): \(run.parameterCount) parameters, \(run.trainSamples) training samples, \(budget)\(resumed)")
        if let dir = run.outputDirectory { print("run folder: \(dir.path)") }
        if !complete { print(EpochLine.header) }
        fflush(nil)
    }

    func batchEnd(_ r: BatchReport) {
        guard isTerminal, !quiet, let run else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) > 0.2 || r.batchInEpoch + 1 == r.batchesPerEpoch else { return }
        lastDraw = now
        let done = r.iteration + 1 - doneAtStart
        let elapsed = now.timeIntervalSince(started)
        let remaining = Double(run.totalIterations - r.iteration - 1) * elapsed / Double(max(done, 1))
        let fraction = Double(r.batchInEpoch + 1) / Double(r.batchesPerEpoch)
        let bar = String(repeating: "█", count: Int(fraction * 20)) + String(repeating: "·", count: 20 - Int(fraction * 20))
        let ips = r.epochTrainSeconds > 0 ? Double(r.epochSamples) / r.epochTrainSeconds : 0
        let line = String(format: "epoch %d/%d %@ %d/%d  loss %.4f  acc %.4f  %.0f img/s  ETA %@",
                          r.epoch + 1, run.epochs, bar, r.batchInEpoch + 1, r.batchesPerEpoch, r.loss,
                          Double(r.correct) / Double(max(r.count, 1)), ips, Self.duration(remaining))
        print("\r\u{1B}[2K" + line, terminator: "")
        lineOpen = true
        fflush(nil)
    }

    /// Prints `text` on its own line (clearing an open progress line first; it is redrawn at the next batch).
    func note(_ text: String) {
        guard !quiet else { return }
        closeLine(clear: true)
        print(text)
        fflush(nil)
    }

    /// Ends an open progress line: erased (`clear`) or kept and followed by a newline.
    private func closeLine(clear: Bool) {
        guard lineOpen else { return }
        print(clear ? "\r\u{1B}[2K" : "", terminator: clear ? "" : "\n")
        lineOpen = false
    }

    func epochEnd(_ m: EpochMetrics) {
        guard !quiet else { return }
        closeLine(clear: true)
        print(EpochLine.format(m, epochs: run?.epochs ?? 0))
        fflush(nil)
    }

    /// A run stopped mid-epoch (Ctrl-C) leaves its progress line open: end it so that the
    /// summary starts on a line of its own.
    func runEnd(_ result: TrainingResult) {
        closeLine(clear: false)
        fflush(nil)
    }

    /// The closing summary (printed by the command, also when quiet).
    func finish(_ result: TrainingResult, layout: RunLayout) {
        let s = result.summary
        let final = s.finalTestAccuracy.map { String(format: "%.4f", $0) } ?? "–"
        let best = s.bestTestAccuracy.map { String(format: "%.4f", $0) } ?? "–"
        // A stopped run's accuracy is that of its last finished epoch, not a final one.
        let which = s.status == .completed ? "final" : "latest"
        print("\(s.status): \(counted(s.epochs, "epoch")), \(counted(s.iterations, "iteration")), \(which) test accuracy \(final), "
              + "best \(best) (epoch \(s.bestEpoch.map(String.init) ?? "–")), \(Self.duration(s.totalSeconds))")
        print("results: \(layout.directory.path)")
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "–" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, (s % 3600) / 60)
            : s >= 60 ? String(format: "%dm%02ds", s / 60, s % 60) : "\(s)s"
    }
}

/// One plain line per epoch.
enum EpochLine {
    static let header = "epoch  train_loss  train_acc  test_loss  test_acc     gap        lr     img/s   time"
    static func format(_ m: EpochMetrics, epochs: Int) -> String {
        String(format: "%5d  %10.4f  %9.4f  %9.4f  %8.4f  %7.4f  %8.5f  %8.0f  %5.1fs",
               m.number, m.trainLoss, m.trainAccuracy, m.testLoss, m.testAccuracy, m.gap,
               Double(m.learningRate), m.imagesPerSecond, m.wallSeconds)
    }
}
