import XCTest
import Foundation
import TensorCore
import Stats
import Layers
import Datasets
import Training
import TestSupport
@testable import Experiments

/// Linear interpolation between networks and the BatchNorm recomputation it relies on.
final class InterpolationTests: XCTestCase {
    private var data: TemporaryDirectory!

    override func setUpWithError() throws {
        data = TemporaryDirectory("masklab-interp-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
    }

    private func config(seed: UInt64, batchNorm: Bool = false) -> RunConfig {
        var t = TrainingConfig(model: "mlp", dataset: "mnist", batchSize: 32, evalBatchSize: 50,
                               optimizer: OptimizerConfig(name: "sgd", learningRate: 0.05), budget: .epochs(1), seed: seed, threads: 1)
        t.modelOptions.hidden = [16]
        t.modelOptions.batchNorm = batchNorm
        return RunConfig(training: t)
    }

    /// A NaN loss far along the path (a diverged extrapolation) is written as "NaN", not a crash.
    func testASummaryWithANaNLossIsWritten() throws {
        let points = [-0.2, 0, 0.5, 1].map { a in
            Interpolation.Point(alpha: a, trainLoss: a < 0 ? .nan : 0.5, trainAccuracy: 0.9, testLoss: a < 0 ? .infinity : 0.5, testAccuracy: 0.9)
        }
        let summary = InterpolationRun.Summary(a: "A", b: "B", model: "mlp", dataset: "mnist", trainSamples: 10, testSamples: 10, points: points)
        let dir = TemporaryDirectory("masklab-interp-nan")
        let folder = try RunFolder.open(dir.url, commandLine: ["t"], results: [], holds: "an interpolation", reuse: .refuse, choices: [])
        defer { folder.close() }
        try InterpolationRun.write(summary, a: "A", b: "B", to: folder)
        let text = try String(contentsOf: dir.file("summary.json"), encoding: .utf8)
        XCTAssertTrue(text.contains("\"NaN\"") && text.contains("\"Infinity\""), text)
    }

    func testGridAndBarrier() {
        let g = Interpolation.grid()
        XCTAssertEqual(g.count, 15)
        XCTAssertEqual(g.first, -0.2)
        XCTAssertEqual(g.last, 1.2)
        XCTAssertTrue(g.contains(0) && g.contains(1) && g.contains(0.3))
        // Max over [0, 1] is 3 (α = 0.5; the 9 at α = 1.2 is off the path) minus the mean of 1 and 2.
        XCTAssertEqual(Interpolation.barrier(alphas: [-0.2, 0, 0.5, 1, 1.2], losses: [5, 1, 3, 2, 9]), 1.5, accuracy: 1e-12)
        XCTAssertEqual(Interpolation.barrier(alphas: [0, 0.5, 1], losses: [1, 0.5, 2]), 0.5, accuracy: 1e-12, "monotone path: barrier = higher end − mean")
    }

    /// α = 0 and α = 1 give exactly the endpoints' own train and test metrics (no BatchNorm).
    func testEndpointsReproduceTheNetworksMetrics() throws {
        let out = TemporaryDirectory("masklab-interp-runs")
        for (name, seed) in [("a", UInt64(1)), ("b", UInt64(2))] {
            try TrainingRun.run(config(seed: seed), dataRoot: data.url, layout: RunLayout(directory: out.file(name)), commandLine: ["test"])
        }
        let s = try InterpolationRun.run(a: out.file("a").path, b: out.file("b").path, alphas: [0, 0.5, 1], dataRoot: data.url,
                                         out: out.file("path"), trainSamples: nil, testSamples: nil, threads: 1, commandLine: ["test"])
        for (name, point) in [("a", s.points[0]), ("b", s.points[2])] {
            let e = try Evaluation.evaluate(config(seed: name == "a" ? 1 : 2), checkpoint: out.file("\(name)/last.safetensors"),
                                            dataRoot: data.url, includeTrain: true)
            XCTAssertEqual(point.testLoss, e.testLoss, name)
            XCTAssertEqual(point.testAccuracy, e.testAccuracy, name)
            XCTAssertEqual(point.trainLoss, e.trainLoss, name)
            XCTAssertEqual(point.trainAccuracy, e.trainAccuracy, name)
        }
        XCTAssertEqual(s.trainBarrier, Interpolation.barrier(alphas: [0, 0.5, 1], losses: s.points.map(\.trainLoss)))
        let csv = try String(contentsOf: out.file("path/interpolation.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 4)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.file("path/interpolation.svg").path))
    }

    /// The recomputed running statistics are the batch-size-weighted mean of the per-batch
    /// statistics (momentum = None), whatever the layers' momentum.
    func testBatchNormStatisticsAreTheAverageOverBatches() throws {
        let (network, splits, _) = try TrainingRun.materialise(config(seed: 4, batchNorm: true), dataRoot: data.url)
        network.store.initialise(streams: RandomStreams(seed: 4))
        network.prepare(batch: 50)
        let store = network.store
        let n = store.bufferValues.count
        XCTAssertGreaterThan(n, 0)
        // Reference: each batch from zeroed buffers; PyTorch's update r = 0.1·s from r = 0.
        let loader = BatchLoader(dataset: splits.train, batchSize: 50, shuffle: true, streams: RandomStreams(seed: 0), prefetch: false)
        loader.start(epoch: 0)
        var expected = [Double](repeating: 0, count: n)
        var samples = 0
        while let b = loader.next() {
            store.bufferValues.tensor(Shape(n)).fill(0)
            _ = network.forward(b.inputs, mode: .training)
            for i in 0..<n { expected[i] += Double(b.count) * Double(store.bufferValues.base[i]) / 0.1 }
            samples += b.count
        }
        store.bufferValues.tensor(Shape(n)).fill(7)  // stale statistics must not matter
        let used = BatchNormRecalibration.recompute(network, on: splits.train, batchSize: 50)
        XCTAssertEqual(used, 240)
        var worst = 0.0
        for i in 0..<n {
            let e = expected[i] / Double(samples), got = Double(store.bufferValues.base[i])
            worst = max(worst, abs(got - e) / max(abs(e), 1e-3))
        }
        print("BatchNorm recomputation: largest relative difference \(worst)")
        XCTAssertLessThan(worst, 1e-4)
        XCTAssertEqual(store.counters.first?.value, 5, "five batches of ≤ 50")
    }
}
