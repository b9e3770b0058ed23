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

    /// Barrier height along the path: max over α ∈ [0, 1] of the loss minus the mean of the
    /// losses at α = 0 and α = 1 (0 or negative: no barrier). `alphas` must include 0 and 1.
    public static func barrier(alphas: [Double], losses: [Double]) -> Double {
        precondition(alphas.count == losses.count, "barrier: \(alphas.count) alphas, \(losses.count) losses")
        guard let i0 = alphas.firstIndex(of: 0), let i1 = alphas.firstIndex(of: 1) else {
            preconditionFailure("barrier: the grid must contain α = 0 and α = 1")
        }
        let inside = zip(alphas, losses).filter { (0...1).contains($0.0) }.map(\.1)
        return (inside.max() ?? losses[i0]) - (losses[i0] + losses[i1]) / 2
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
    public static func svg(_ points: [Point], title: String, a: String = "", b: String = "") -> String {
        let x = points.map(\.alpha)
        let ends = a.isEmpty && b.isEmpty ? "" : "A (α = 0): \(a) · B (α = 1): \(b)"
        func chart(_ name: String, yLabel: String, train: [Double], test: [Double]) -> LinePlot {
            var plot = LinePlot(title: "\(title): \(name)", xLabel: "α  (θ = (1 − α)·A + α·B)", yLabel: yLabel, series: [
                .init(label: "test", points: zip(x, test).map { ($0, $1) }, colour: LinePlot.testColour),
                .init(label: "train", points: zip(x, train).map { ($0, $1) }, colour: LinePlot.trainColour, dashed: true),
            ])
            plot.subtitle = ends
            plot.markers = [.init(x: 0, label: "A"), .init(x: 1, label: "B")]
            return plot
        }
        return LinePlot.stacked([
            chart("loss", yLabel: "cross-entropy", train: points.map(\.trainLoss), test: points.map(\.testLoss)),
            chart("accuracy", yLabel: "accuracy", train: points.map(\.trainAccuracy), test: points.map(\.testAccuracy)),
        ])
    }
}
