import XCTest
import Foundation
import Training
import TestSupport
@testable import Experiments

/// The two barriers of an interpolation path (mean-of-ends, Frankle et al. 2020; linear,
/// Entezari et al. 2022), and `--recompute` going through the same code as a fresh run.
final class InterpolationBarrierTests: XCTestCase {
    private let grid = Interpolation.grid()  // -0.2 … 1.2, step 0.1

    /// A path whose loss falls steadily from 2.167 to 1.432 (on or under the straight line) has
    /// no linear barrier, while the mean-of-ends measure reports 0.3675 (the issue's 0.367).
    func testFallingPathHasNoLinearBarrier() {
        let convex = grid.map { 1.432 + (2.167 - 1.432) * (1 - $0) * (1 - $0) }
        let b = Interpolation.Barrier(alphas: grid, values: convex)
        XCTAssertEqual(b.meanOfEnds, 2.167 - (2.167 + 1.432) / 2, accuracy: 1e-12)
        XCTAssertEqual(b.meanOfEndsAlpha, 0, "the highest point of the path is its start")
        XCTAssertLessThanOrEqual(b.linear, 0)
        XCTAssertEqual(b.linear, 0, "0 at the ends, below the line inside")
        let straight = grid.map { (1 - $0) * 2.167 + $0 * 1.432 }
        let s = Interpolation.Barrier(alphas: grid, values: straight)
        XCTAssertLessThanOrEqual(s.linear, 1e-12)
        XCTAssertGreaterThan(s.meanOfEnds, 0.36)
    }

    /// A bump of 0.2 above the line at α = 0.3 on a path from 1.0 to 0.5: linear barrier 0.2 at
    /// α = 0.3; the mean-of-ends measure is the bump's top minus 0.75.
    func testBumpHeightAndPlace() {
        let bump: [Double: Double] = [0.2: 0.1, 0.3: 0.2, 0.4: 0.15]
        let values = grid.map { (1 - $0) * 1.0 + $0 * 0.5 + (bump[$0] ?? 0) }
        let b = Interpolation.Barrier(alphas: grid, values: values)
        XCTAssertEqual(b.linear, 0.2, accuracy: 1e-12)
        XCTAssertEqual(b.linearAlpha, 0.3)
        XCTAssertEqual(b.meanOfEnds, 0.85 + 0.2 - 0.75, accuracy: 1e-12)
        XCTAssertEqual(b.meanOfEndsAlpha, 0.3)
    }

    /// Points of the grid outside [0, 1] (the extrapolation) count for neither measure, and the
    /// line runs between α = 0 and α = 1 whatever the grid's first and last points.
    func testOnlyTheSegmentCounts() {
        let values: [Double: Double] = [-0.2: 9, -0.1: 5, 0: 1, 0.5: 1.25, 1: 2, 1.1: 4, 1.2: 9]
        let alphas = values.keys.sorted()
        let b = Interpolation.Barrier(alphas: alphas, values: alphas.map { values[$0]! })
        XCTAssertEqual(b.linear, 0, "1.25 is under the line (1.5) at α = 0.5: only the ends, at 0, remain")
        XCTAssertEqual(b.meanOfEnds, 2 - 1.5, accuracy: 1e-12)
        XCTAssertEqual(b.meanOfEndsAlpha, 1)
        XCTAssertEqual(Interpolation.barrier(alphas: alphas, losses: alphas.map { values[$0]! }), b.meanOfEnds, "the old entry point")
    }

    /// The error barriers are those of 1 − accuracy: a dip of accuracy under its straight line.
    func testErrorBarrierIsTheAccuracyDip() {
        let accuracy: [Double: Double] = [0: 0.90, 0.5: 0.80, 1: 0.96]
        let points = [0, 0.5, 1].map { Interpolation.Point(alpha: $0, trainLoss: 1, trainAccuracy: accuracy[$0]!, testLoss: 1, testAccuracy: 0.5) }
        let b = Interpolation.Barriers(points)
        XCTAssertEqual(b.trainError.linear, 0.93 - 0.80, accuracy: 1e-12)
        XCTAssertEqual(b.trainError.linearAlpha, 0.5)
        XCTAssertEqual(b.trainError.meanOfEnds, 0.20 - (0.10 + 0.04) / 2, accuracy: 1e-12)
        XCTAssertEqual(b.testError.linear, 0, accuracy: 1e-12)
        XCTAssertEqual(b.trainLoss.linear, 0)
    }

    /// The summary carries the old keys (= the loss's mean-of-ends) and the new ones, named.
    func testSummaryKeepsTheOldKeysAndNamesTheNew() throws {
        let values = grid.map { 1.432 + (2.167 - 1.432) * (1 - $0) * (1 - $0) }
        let points = zip(grid, values).map { Interpolation.Point(alpha: $0, trainLoss: $1, trainAccuracy: 0.5, testLoss: $1, testAccuracy: 0.5) }
        let s = InterpolationRun.Summary(a: "a", b: "b", model: "mlp", dataset: "mnist", trainSamples: 1, testSamples: 1, points: points)
        let json = try JSONSerialization.jsonObject(with: Data(try RunFolder.encodeJSON(s, path: "summary.json").utf8)) as! [String: Any]
        // (Foundation's JSON round trip may move the last digit.)
        XCTAssertEqual(try XCTUnwrap(json["trainBarrier"] as? Double), s.trainLossBarrier.meanOfEnds, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(json["testBarrier"] as? Double), s.testLossBarrier.meanOfEnds, accuracy: 1e-12)
        let loss = try XCTUnwrap(json["trainLossBarrier"] as? [String: Double])
        XCTAssertEqual(Set(loss.keys), ["meanOfEnds", "meanOfEndsAlpha", "linear", "linearAlpha"])
        XCTAssertEqual(loss["linear"], 0)
        XCTAssertNotNil(json["testErrorBarrier"] as? [String: Double])
        XCTAssertNotNil((json["barrierDefinitions"] as? [String: String])?["linear"])
        XCTAssertTrue(s.report.contains("mean-of-ends barrier: train 0.367"), s.report)
        XCTAssertTrue(s.report.contains("linear barrier") && s.report.contains("loss:  train 0.0000 nats at α 0.00"), s.report)
    }

    /// The plot draws each split's straight line between the ends (dashed, a tint of its colour)
    /// and a bar of the barrier's length at its α, and names both barriers in the legend.
    func testPlotShowsTheLineAndTheBarrier() {
        let bump: [Double: Double] = [0.3: 0.2]
        let points = grid.map { a in
            Interpolation.Point(alpha: a, trainLoss: (1 - a) * 1.0 + a * 0.5 + (bump[a] ?? 0), trainAccuracy: 0.9,
                                testLoss: 1, testAccuracy: 0.8)
        }
        let svg = Interpolation.svg(points, title: "mlp", a: "runs/dense", b: "runs/ticket")
        XCTAssertTrue(svg.contains("stroke=\"\(Interpolation.trainLineColour)\" stroke-width=\"2\" stroke-dasharray"), "the train line is dashed")
        XCTAssertTrue(svg.contains("stroke=\"\(Interpolation.testLineColour)\" stroke-width=\"2\" stroke-dasharray"), "the test line is dashed")
        // Legend entries are wrapped onto several <text> lines: read the text of the whole plot.
        let text = svg.split(separator: "</text>").compactMap { $0.split(separator: ">").last }.joined(separator: " ")
        XCTAssertTrue(text.contains("train: linear loss barrier 0.2000 at α=0.30; mean-of-ends 0.3000"), "the bar, its height and place, and the other measure: \(text)")
        XCTAssertTrue(text.contains("test: linear loss barrier 0.0000 at α=0.00"), text)
        XCTAssertTrue(text.contains("train: linear error barrier"), "the accuracy chart names the error barrier: \(text)")
        XCTAssertTrue(text.contains("train: straight line A–B"), text)
    }

    /// `recompute` of a folder a fresh run wrote gives the same summary and the same plot, keeps
    /// the CSV and command.txt, and records its own command and commit.
    func testRecomputeReproducesAFreshRun() throws {
        let data = TemporaryDirectory("masklab-barrier-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
        let out = TemporaryDirectory("masklab-barrier-runs")
        for (name, seed) in [("a", UInt64(1)), ("b", UInt64(2))] {
            var t = TrainingConfig(model: "mlp", dataset: "mnist", batchSize: 32, evalBatchSize: 40,
                                   optimizer: OptimizerConfig(name: "sgd", learningRate: 0.05), budget: .epochs(1), seed: seed, threads: 1)
            t.modelOptions.hidden = [8]
            try TrainingRun.run(RunConfig(training: t), dataRoot: data.url, layout: RunLayout(directory: out.file(name)), commandLine: ["test"])
        }
        let folder = out.file("path")
        let fresh = try InterpolationRun.run(a: out.file("a").path, b: out.file("b").path, alphas: [-0.5, 0, 0.5, 1], dataRoot: data.url,
                                             out: folder, trainSamples: nil, testSamples: nil, threads: 1, commandLine: ["test"])
        XCTAssertEqual(fresh.trainLossBarrier, Interpolation.Barrier(alphas: [-0.5, 0, 0.5, 1], values: fresh.points.map(\.trainLoss)))
        func read(_ name: String) throws -> String { try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8) }
        let (csv, svg, json, command) = (try read("interpolation.csv"), try read("interpolation.svg"), try read("summary.json"), try read("command.txt"))
        XCTAssertTrue(svg.contains(" on mnist: loss"), "the title names the dataset")
        try "{}".write(to: folder.appendingPathComponent("interpolation.svg"), atomically: true, encoding: .utf8)

        let again = try InterpolationRun.recompute(folder, commandLine: ["masklab", "interpolate", "--recompute", folder.path])
        XCTAssertEqual(again, fresh)
        XCTAssertEqual(try read("summary.json"), json)
        XCTAssertEqual(try read("interpolation.svg"), svg, "the plot is drawn again, identically")
        XCTAssertEqual(try read("interpolation.csv"), csv)
        XCTAssertEqual(try read("command.txt"), command, "the provenance of the numbers stays")
        let recomputed = try read("recomputed.txt")
        XCTAssertTrue(recomputed.contains("command: masklab interpolate --recompute") && recomputed.contains("commit: "), recomputed)
    }

    /// A CSV that is not an interpolation's fails with the file and line, before anything is written.
    func testRecomputeRefusesABrokenCSV() throws {
        let dir = TemporaryDirectory("masklab-barrier-bad")
        try "alpha,train_loss,train_accuracy,test_loss,test_accuracy\n0,1,0.5,1,0.5\n0.5,1,oops,1,0.5\n1,1,0.5,1,0.5\n"
            .write(to: dir.file("interpolation.csv"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try InterpolationRun.recompute(dir.url, commandLine: ["test"])) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("interpolation.csv") && text.contains("line 3") && text.contains("0.5,1,oops,1,0.5"), text)
        }
        try "alpha,train_loss,train_accuracy,test_loss,test_accuracy\n0,1,0.5,1,0.5\n0.5,1,0.5,1,0.5\n"
            .write(to: dir.file("interpolation.csv"), atomically: true, encoding: .utf8)
        try #"{"a": "a", "b": "b", "model": "mlp", "trainSamples": 1, "testSamples": 1}"#.write(to: dir.file("summary.json"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try InterpolationRun.recompute(dir.url, commandLine: ["test"])) { error in
            XCTAssertTrue(String(describing: error).contains("lacks α = 0 or α = 1"), String(describing: error))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("recomputed.txt").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("interpolation.svg").path))
    }
}
