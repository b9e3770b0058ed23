import Foundation
import Training

/// Redraws a run's `curves.svg` (accuracy and loss, train and test) after every epoch.
///
/// The x axis is the epoch, counted from 1. With `validationFile` (a lottery level's
/// `validation.csv`, written every few iterations by `EarlyStoppingTracker`) the x axis is the
/// iteration instead: the validation curve from that file, test and train at each epoch's end,
/// so a level trained for fewer iterations than an epoch still shows its learning curve.
/// Colours follow `LinePlot`'s convention (test blue, train red, validation green); the train
/// curve is the running mean over the epoch in training mode (masks applied, BatchNorm on batch
/// statistics, weights moving), which the legend says.
final class CurvePlotter: TrainingCallback {
    let layout: RunLayout
    let title: String
    let validationFile: URL?
    /// What validation.csv's "validation" columns measured (the test set when there is no split).
    let validationLabel: String
    var history: [EpochMetrics] = []

    static let trainLabel = "train (running mean over the epoch, training mode)"

    init(layout: RunLayout, title: String, validationFile: URL? = nil, validationLabel: String = "validation") {
        self.layout = layout
        self.title = title
        self.validationFile = validationFile
        self.validationLabel = validationLabel
    }

    func runStart(_ run: RunInfo) {}
    func batchEnd(_ report: BatchReport) {}
    func runEnd(_ result: TrainingResult) {
        history = result.history
        draw()
    }

    func epochEnd(_ metrics: EpochMetrics) {
        history.removeAll { $0.epoch >= metrics.epoch }
        history.append(metrics)
        draw()
    }

    func draw() {
        guard !history.isEmpty else { return }
        try? LinePlot.stacked(plots()).write(to: layout.curves, atomically: true, encoding: .utf8)
    }

    /// The accuracy and loss charts.
    func plots() -> [LinePlot] {
        let validation = validationFile.map(Self.readValidation) ?? []
        let byIteration = !validation.isEmpty
        let x = history.map { byIteration ? Double($0.iterations) : Double($0.epoch + 1) }
        func chart(_ name: String, yLabel: String, test: KeyPath<EpochMetrics, Double>, train: KeyPath<EpochMetrics, Double>,
                   validation v: [(x: Double, y: Double)]) -> LinePlot {
            var series: [LinePlot.Series] = [
                .init(label: byIteration ? "test (at each epoch's end)" : "test", points: zip(x, history.map { $0[keyPath: test] }).map { ($0, $1) },
                      colour: LinePlot.testColour),
                .init(label: Self.trainLabel, points: zip(x, history.map { $0[keyPath: train] }).map { ($0, $1) },
                      colour: LinePlot.trainColour, dashed: true),
            ]
            if byIteration { series.append(.init(label: validationLabel, points: v, colour: LinePlot.validationColour)) }
            var plot = LinePlot(title: "\(title): \(name)", xLabel: byIteration ? "iteration" : "epoch", yLabel: yLabel, series: series)
            plot.xInteger = true
            return plot
        }
        return [chart("accuracy", yLabel: "accuracy", test: \.testAccuracy, train: \.trainAccuracy, validation: validation.map { ($0.iteration, $0.accuracy) }),
                chart("loss", yLabel: "cross-entropy", test: \.testLoss, train: \.trainLoss, validation: validation.map { ($0.iteration, $0.loss) })]
    }

    /// The (iteration, loss, accuracy) rows of a `validation.csv`; empty when missing.
    static func readValidation(_ url: URL) -> [(iteration: Double, loss: Double, accuracy: Double)] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            guard f.count >= 3, let it = Double(f[0]), let loss = Double(f[1]), let acc = Double(f[2]) else { return nil }
            return (it, loss, acc)
        }
    }
}
