import Foundation
import TensorCore
import Layers
import Datasets
import Training

/// Linear interpolation between two trained networks of the same model:
/// θ(α) = (1 − α)·θA + α·θB for every parameter, evaluated on the training and test sets, with
/// BatchNorm running statistics recomputed at each α (`BatchNormRecalibration`) because neither
/// endpoint's statistics describe the activations of the mixture.
public enum Interpolation {
    /// One α of the path.
    public struct Point: Codable, Sendable, Equatable {
        public var alpha: Double
        public var trainLoss: Double
        public var trainAccuracy: Double
        public var testLoss: Double
        public var testAccuracy: Double

        public static let csvHeader = "alpha,train_loss,train_accuracy,test_loss,test_accuracy"
        public var csvRow: String { "\(alpha),\(trainLoss),\(trainAccuracy),\(testLoss),\(testAccuracy)" }
    }

    /// The evenly spaced grid from `lower` to `upper` (both included) with `step`, rounded to
    /// 1e-9 so that 0 and 1 appear exactly.
    public static func grid(from lower: Double = -0.2, to upper: Double = 1.2, step: Double = 0.1) -> [Double] {
        precondition(step > 0 && upper >= lower, "grid: need step > 0 and upper ≥ lower, got \(lower)…\(upper) step \(step)")
        let n = Int(((upper - lower) / step).rounded())
        return (0...n).map { (((lower + Double($0) * step) * 1e9).rounded() / 1e9) }
    }

    /// How far a curve f(α) along the path (a loss, or an error 1 − accuracy) rises above its
    /// ends, measured two ways over α ∈ [0, 1] (points of the grid outside it, the
    /// extrapolation, do not count); `alphas` must include 0 and 1.
    ///
    /// - `meanOfEnds`: max f(α) − (f(0) + f(1))/2, the instability of Frankle et al. (2020).
    ///   It is positive for a path whose loss falls steadily from one end to the other (2.167 →
    ///   1.432 gives 0.367), so it overstates the barrier between networks of unequal loss, such
    ///   as a dense net and its ticket.
    /// - `linear`: max f(α) − [(1 − α)·f(0) + α·f(1)], the barrier of Entezari et al. (2022):
    ///   the height of the curve above the straight line between its ends. It is 0 at the ends,
    ///   so never negative, and exactly 0 for a path on or under that line.
    ///
    /// Each comes with the α where it is reached (the first such α of the grid).
    public struct Barrier: Codable, Sendable, Equatable {
        public var meanOfEnds: Double
        public var meanOfEndsAlpha: Double
        public var linear: Double
        public var linearAlpha: Double

        public init(alphas: [Double], values: [Double]) {
            precondition(alphas.count == values.count, "barrier: \(alphas.count) alphas, \(values.count) values")
            guard let i0 = alphas.firstIndex(of: 0), let i1 = alphas.firstIndex(of: 1) else {
                preconditionFailure("barrier: the grid must contain α = 0 and α = 1, got \(alphas)")
            }
            let (f0, f1) = (values[i0], values[i1])
            let path = zip(alphas, values).filter { (0...1).contains($0.0) }
            // The ends are on the path, so both maxima exist.
            let peak = path.reduce(path[0]) { $1.1 > $0.1 ? $1 : $0 }
            let aboveLine = path.map { (alpha: $0.0, height: $0.1 - ((1 - $0.0) * f0 + $0.0 * f1)) }
            let top = aboveLine.reduce(aboveLine[0]) { $1.height > $0.height ? $1 : $0 }
            meanOfEnds = peak.1 - (f0 + f1) / 2
            meanOfEndsAlpha = peak.0
            linear = top.height
            linearAlpha = top.alpha
        }
    }

    /// The four barriers of a path: loss and error (1 − accuracy), train and test.
    public struct Barriers: Codable, Sendable, Equatable {
        public var trainLoss: Barrier
        public var testLoss: Barrier
        public var trainError: Barrier
        public var testError: Barrier

        public init(_ points: [Point]) {
            let alphas = points.map(\.alpha)
            trainLoss = Barrier(alphas: alphas, values: points.map(\.trainLoss))
            testLoss = Barrier(alphas: alphas, values: points.map(\.testLoss))
            trainError = Barrier(alphas: alphas, values: points.map { 1 - $0.trainAccuracy })
            testError = Barrier(alphas: alphas, values: points.map { 1 - $0.testAccuracy })
        }
    }

    /// The mean-of-ends barrier of `losses` (`Barrier.meanOfEnds`).
    public static func barrier(alphas: [Double], losses: [Double]) -> Double {
        Barrier(alphas: alphas, values: losses).meanOfEnds
    }

    /// Sets `network` to θ(α) from the endpoint snapshots (parameters only; buffers untouched).
    public static func mix(_ a: WeightSnapshot, _ b: WeightSnapshot, alpha: Double, into store: ParameterStore) {
        precondition(a.values.count == store.count && b.values.count == store.count, "mix: snapshots do not fit the store")
        let t = store.values.tensor(Shape(store.count))
        let wa = Float(1 - alpha), wb = Float(alpha)
        for i in 0..<store.count { t[i] = wa * a.values[i] + wb * b.values[i] }
    }

    /// Evaluates θ(α) for every α of `alphas`: train metrics on `train` (after recomputing the
    /// BatchNorm statistics on it), test metrics on `test`. `progress` sees each point.
    public static func run(network: Network, a: WeightSnapshot, b: WeightSnapshot, alphas: [Double], train: Dataset, test: Dataset,
                           batchSize: Int, progress: (Point) -> Void = { _ in }) -> [Point] {
        var points: [Point] = []
        for alpha in alphas {
            mix(a, b, alpha: alpha, into: network.store)
            BatchNormRecalibration.recompute(network, on: train, batchSize: batchSize)
            let tr = Evaluator.run(network, on: train, batchSize: batchSize)
            let te = Evaluator.run(network, on: test, batchSize: batchSize)
            let p = Point(alpha: alpha, trainLoss: tr.loss, trainAccuracy: tr.accuracy, testLoss: te.loss, testAccuracy: te.accuracy)
            points.append(p)
            progress(p)
        }
        return points
    }

    /// The path as two stacked charts (loss, accuracy; train and test in `LinePlot`'s colours) in
    /// one SVG, with α = 0 marked "A", α = 1 marked "B" and the two networks named in a subtitle.
    /// Each split also gets the straight line between its ends (dashed, a lighter tint of its
    /// colour) and, at the α of its linear barrier, a bar from that line to the curve: its length
    /// is the barrier (on the accuracy chart it hangs below the line: the error barrier). The
    /// legend gives both barriers of each split (`Barrier`).
    public static func svg(_ points: [Point], title: String, a: String = "", b: String = "") -> String {
        let x = points.map(\.alpha)
        let barriers = Barriers(points)
        let ends = a.isEmpty && b.isEmpty ? "" : "A (α = 0): \(a) · B (α = 1): \(b)"
        /// The straight line between the ends of `y` and the bar from it to the curve at `barrier.linearAlpha`.
        func lineAndBar(_ split: String, _ y: [Double], _ barrier: Barrier, measure: String, colour: String, tint: String) -> [LinePlot.Series] {
            guard let i0 = x.firstIndex(of: 0), let i1 = x.firstIndex(of: 1), let k = x.firstIndex(of: barrier.linearAlpha) else { return [] }
            let alpha = barrier.linearAlpha, onLine = (1 - alpha) * y[i0] + alpha * y[i1]
            let values = String(format: "%.4f at α=%.2f; mean-of-ends %.4f", barrier.linear, alpha, barrier.meanOfEnds)
            return [
                .init(label: "\(split): straight line A–B", points: [(0, y[i0]), (1, y[i1])], colour: tint, dashed: true),
                .init(label: "\(split): linear \(measure) barrier \(values)", points: [(alpha, onLine), (alpha, y[k])], colour: colour),
            ]
        }
        func chart(_ name: String, yLabel: String, measure: String, train: [Double], test: [Double],
                   trainBarrier: Barrier, testBarrier: Barrier) -> LinePlot {
            var plot = LinePlot(title: "\(title): \(name)", xLabel: "α  (θ = (1 − α)·A + α·B)", yLabel: yLabel, series: [
                .init(label: "test", points: zip(x, test).map { ($0, $1) }, colour: LinePlot.testColour),
                .init(label: "train", points: zip(x, train).map { ($0, $1) }, colour: LinePlot.trainColour, dashed: true),
            ] + lineAndBar("test", test, testBarrier, measure: measure, colour: LinePlot.testColour, tint: testLineColour)
              + lineAndBar("train", train, trainBarrier, measure: measure, colour: LinePlot.trainColour, tint: trainLineColour))
            plot.subtitle = ends
            plot.markers = [.init(x: 0, label: "A"), .init(x: 1, label: "B")]
            return plot
        }
        return LinePlot.stacked([
            chart("loss", yLabel: "cross-entropy", measure: "loss", train: points.map(\.trainLoss), test: points.map(\.testLoss),
                  trainBarrier: barriers.trainLoss, testBarrier: barriers.testLoss),
            chart("accuracy", yLabel: "accuracy", measure: "error", train: points.map(\.trainAccuracy), test: points.map(\.testAccuracy),
                  trainBarrier: barriers.trainError, testBarrier: barriers.testError),
        ])
    }

    /// Lighter tints of `LinePlot.trainColour` and `testColour` for the straight lines between the ends.
    static let trainLineColour = "#eb9394", testLineColour = "#8fbbe0"
}
