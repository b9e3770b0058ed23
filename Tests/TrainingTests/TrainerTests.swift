import XCTest
import TensorCore
import Stats
import Layers
import TestSupport
@testable import Training

/// The training loop end to end on a synthetic problem: learning, determinism, resume
/// bit-exactness, NaN stops, no allocation per step, and the files it writes.
final class TrainerTests: XCTestCase {
    override func setUp() { Parallel.setThreads(1) }

    private func run(_ config: TrainingConfig, dir: URL?, callbacks: [any TrainingCallback] = [],
                     resume: Bool = false) throws -> TrainingResult {
        try Trainer.run(config: config, splits: Fixtures.splits(validation: true), network: Fixtures.network(),
                        outputDirectory: dir, callbacks: callbacks, resume: resume)
    }

    func testTinyMLPLearnsSeparableProblem() throws {
        var config = Fixtures.config(epochs: 6)
        config.optimizer = OptimizerConfig(name: "adam", learningRate: 0.01)
        config.schedule = ScheduleConfig(name: "onecycle")
        let result = try run(config, dir: nil)
        let last = try XCTUnwrap(result.history.last)
        XCTAssertGreaterThan(last.testAccuracy, 0.9, "\(result.history.map(\.testAccuracy))")
        XCTAssertGreaterThan(last.trainAccuracy, 0.9)
        XCTAssertLessThan(last.trainLoss, result.history[0].trainLoss)
        XCTAssertEqual(last.gap, last.testLoss - last.trainLoss)
        XCTAssertNotNil(last.validationAccuracy)
        XCTAssertEqual(result.summary.status, .completed)
    }

    func testSameSeedIsBitIdenticalAndAnotherSeedDiffers() throws {
        let a = try run(Fixtures.config(epochs: 2), dir: nil).history.map(\.withoutTimings)
        let b = try run(Fixtures.config(epochs: 2), dir: nil).history.map(\.withoutTimings)
        let c = try run(Fixtures.config(epochs: 2, seed: 8), dir: nil).history.map(\.withoutTimings)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a.map(\.trainLoss), c.map(\.trainLoss))
        XCTAssertEqual(a.count, 2)
    }

    /// `dataOrderSeed` equal to the seed changes nothing; another value changes the run (only the
    /// data order and augmentation streams move: the network's weights are those of `seed`).
    func testDataOrderSeedMovesOnlyTheDataOrder() throws {
        let a = try run(Fixtures.config(epochs: 2), dir: nil).history.map(\.withoutTimings)
        var same = Fixtures.config(epochs: 2)
        same.dataOrderSeed = same.seed
        XCTAssertEqual(try run(same, dir: nil).history.map(\.withoutTimings), a)
        var other = Fixtures.config(epochs: 2)
        other.dataOrderSeed = 9
        let b = try run(other, dir: nil).history.map(\.withoutTimings)
        XCTAssertNotEqual(a.map(\.trainLoss), b.map(\.trainLoss))
        let c = try run(Fixtures.config(epochs: 2, seed: 9), dir: nil).history.map(\.withoutTimings)
        XCTAssertNotEqual(b.map(\.trainLoss), c.map(\.trainLoss), "dataOrderSeed must not reseed the initialisation")
        let decoded = try JSONDecoder().decode(TrainingConfig.self, from: Data(#"{"seed": 3, "dataOrderSeed": 5}"#.utf8))
        XCTAssertEqual(decoded.dataOrderSeed, 5)
        XCTAssertNil(try JSONDecoder().decode(TrainingConfig.self, from: Data(#"{"seed": 3}"#.utf8)).dataOrderSeed)
    }

    /// 3 epochs straight vs 1 epoch, stop, resume to 3: identical metrics and CSV.
    func testResumeAtEpochBoundaryIsBitExact() throws {
        let straight = TemporaryDirectory(), resumed = TemporaryDirectory()
        let full = try run(Fixtures.config(), dir: straight.url)

        let stopper = Recorder()
        stopper.stopAfterEpoch = 0
        let first = try run(Fixtures.config(), dir: resumed.url, callbacks: [stopper])
        XCTAssertEqual(first.summary.status, .stopped)
        XCTAssertEqual(first.history.count, 1)
        let watcher = Recorder()
        let second = try run(Fixtures.config(), dir: resumed.url, callbacks: [watcher], resume: true)
        XCTAssertEqual(watcher.started?.startEpoch, 1)
        XCTAssertEqual(watcher.started?.startIteration, 8)
        XCTAssertEqual(second.history.map(\.withoutTimings), full.history.map(\.withoutTimings))
        XCTAssertEqual(try deterministicCSV(resumed.url), try deterministicCSV(straight.url))
        XCTAssertEqual(try weights(resumed.url), try weights(straight.url))
    }

    /// Iteration checkpoints every 3 steps; the first run dies after step 13 without writing a
    /// checkpoint (as a crash would), so the resumed run restarts mid-epoch 1 from step 12 and
    /// redoes step 12; a budget of 20 iterations also ends mid-epoch.
    func testResumeMidEpochIsBitExact() throws {
        var config = Fixtures.config()
        config.checkpointEveryIterations = 3
        config.budget = .iterations(20)
        let straight = TemporaryDirectory(), resumed = TemporaryDirectory()
        let full = try run(config, dir: straight.url)
        XCTAssertEqual(full.history.map(\.iterations), [8, 16, 20])
        XCTAssertEqual(full.history.last?.samples, 4 * 32)

        let crasher = Recorder()
        crasher.stopAfterIteration = 13
        crasher.checkpointOnStop = false
        _ = try run(config, dir: resumed.url, callbacks: [crasher])
        let watcher = Recorder()
        let second = try run(config, dir: resumed.url, callbacks: [watcher], resume: true)
        XCTAssertEqual(watcher.started?.startIteration, 12)
        XCTAssertEqual(watcher.started?.startBatch, 4)
        XCTAssertEqual(watcher.batches.first?.iteration, 12)
        XCTAssertEqual(second.history.map(\.withoutTimings), full.history.map(\.withoutTimings))
        XCTAssertEqual(try deterministicCSV(resumed.url), try deterministicCSV(straight.url))
        XCTAssertEqual(try weights(resumed.url), try weights(straight.url))
    }

    /// A requested stop mid-epoch writes a checkpoint at that exact batch; resuming from it
    /// (twice, in different epochs) matches the straight run.
    func testStopMidEpochWithCheckpointThenResumeIsBitExact() throws {
        let straight = TemporaryDirectory(), resumed = TemporaryDirectory()
        let full = try run(Fixtures.config(), dir: straight.url)
        let first = Recorder()
        first.stopAfterIteration = 4
        XCTAssertEqual(try run(Fixtures.config(), dir: resumed.url, callbacks: [first]).summary.status, .stopped)
        let second = Recorder()
        second.stopAfterIteration = 18
        _ = try run(Fixtures.config(), dir: resumed.url, callbacks: [second], resume: true)
        XCTAssertEqual(second.started?.startIteration, 5)
        let third = Recorder()
        let result = try run(Fixtures.config(), dir: resumed.url, callbacks: [third], resume: true)
        XCTAssertEqual(third.started?.startIteration, 19)
        XCTAssertEqual(result.history.map(\.withoutTimings), full.history.map(\.withoutTimings))
        XCTAssertEqual(try weights(resumed.url), try weights(straight.url))
    }

    func testNonFiniteLossNamesStepAndLastCheckpoint() throws {
        // Epoch 0 trains normally at lr 0.05; from epoch 1 the rate is 5e28 and the loss overflows.
        var config = Fixtures.config()
        config.schedule = ScheduleConfig(name: "multistep", gamma: 1e30, milestones: [1])
        let dir = TemporaryDirectory()
        XCTAssertThrowsError(try run(config, dir: dir.url)) { error in
            guard case let TrainingError.nonFinite(step, epoch, loss, last, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(epoch, 1)
            XCTAssertTrue((9..<16).contains(step), "step \(step)")
            XCTAssertFalse(loss.isFinite)
            XCTAssertEqual(last, dir.file("last.safetensors").path)
            XCTAssertTrue("\(error)".contains("step \(step)"))
        }
        let summary = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: dir.file("summary.json")))
        XCTAssertEqual(summary.status, .nonFinite)
        XCTAssertEqual(summary.epochs, 1)

        // Without any checkpoint, the error says so.
        config.schedule = ScheduleConfig(name: "constant")
        config.optimizer.learningRate = 1e30
        XCTAssertThrowsError(try run(config, dir: nil)) { error in
            guard case TrainingError.nonFinite(_, 0, _, nil, _) = error else { return XCTFail("\(error)") }
        }
    }

    func testTrainingStepsAllocateNoStorage() throws {
        let recorder = Recorder()
        _ = try run(Fixtures.config(epochs: 2), dir: TemporaryDirectory().url, callbacks: [recorder])
        XCTAssertEqual(recorder.allocationCounts.count, 16)
        XCTAssertEqual(Set(recorder.allocationCounts).count, 1, "TensorStorage allocations per batch: \(recorder.allocationCounts)")
    }

    /// `trainEval`: a fixed subset of the training set evaluated in inference mode at each epoch's
    /// end equals an evaluation of the final weights on it (the source's GAP is test loss minus
    /// that), and the run's other metrics are bit for bit those of a run without it.
    func testTrainEvalMeasuresTheEpochsWeightsAndChangesNothingElse() throws {
        let splits = Fixtures.splits(validation: true)
        var config = Fixtures.config(epochs: 2)
        let plain = try run(config, dir: nil).history
        XCTAssertNil(plain.last?.trainEvalLoss)
        config.trainEval = 100
        let network = Fixtures.network()
        let dir = TemporaryDirectory()
        let result = try Trainer.run(config: config, splits: splits, network: network, outputDirectory: dir.url)
        func rest(_ m: EpochMetrics) -> EpochMetrics {
            var x = m.withoutTimings
            (x.trainEvalLoss, x.trainEvalAccuracy) = (nil, nil)
            return x
        }
        XCTAssertEqual(result.history.map(rest), plain.map(\.withoutTimings))
        let last = try XCTUnwrap(result.history.last)
        let subset = Trainer.trainEvalSubset(100, of: splits.train)
        XCTAssertEqual(subset.count, 100)
        let again = RunEvaluator(network: network, hooks: []).evaluate(subset, batchSize: config.evalBatchSize)
        XCTAssertEqual(last.trainEvalLoss, again.loss)
        XCTAssertEqual(last.trainEvalAccuracy, again.accuracy)
        XCTAssertEqual(last.evalGap, last.testLoss - again.loss)
        XCTAssertNotEqual(last.trainEvalLoss, last.trainLoss, "inference mode at the final weights, not the running mean")
        let csv = try String(contentsOf: dir.file("metrics.csv"), encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(csv.first, EpochMetrics.csvHeader + "," + EpochMetrics.trainEvalHeader)
        XCTAssertTrue(csv.last?.hasSuffix(",\(again.loss),\(again.accuracy),\(last.testLoss - again.loss)") ?? false, "\(csv)")
        // The same images every time; a count at or above the set's size takes all of it.
        XCTAssertEqual(Trainer.trainEvalSubset(100, of: splits.train).labels, subset.labels)
        XCTAssertEqual(Trainer.trainEvalSubset(splits.train.count + 5, of: splits.train).count, splits.train.count)
        var bad = config
        bad.trainEval = -1
        XCTAssertNotNil(bad.validationError())
    }

    func testWritesMetricsAndSummary() throws {
        let dir = TemporaryDirectory()
        let result = try run(Fixtures.config(epochs: 2), dir: dir.url)
        let csv = try String(contentsOf: dir.file("metrics.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 3)
        XCTAssertEqual(String(csv[0]), EpochMetrics.csvHeader)
        let summary = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: dir.file("summary.json")))
        XCTAssertEqual(summary.status, .completed)
        XCTAssertEqual(summary.epochs, 2)
        XCTAssertEqual(summary.iterations, 16)
        XCTAssertEqual(summary.parameters, 64 * 16 + 16 + 16 + 16 + 16 * 4 + 4)
        XCTAssertEqual(summary.finalTestAccuracy, result.history.last?.testAccuracy)
        XCTAssertEqual(summary.config, Fixtures.config(epochs: 2))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.file("last.safetensors").path))
        let m = try XCTUnwrap(result.history.first)
        XCTAssertGreaterThan(m.imagesPerSecond, 0)
        XCTAssertEqual(m.samples, 256)
    }

    func testConfigDecodesWithDefaultsAndRejectsBadValues() throws {
        let json = #"{"model": "mlp", "batchSize": 60, "optimizer": {"name": "adam", "learningRate": 0.0012}, "budget": {"iterations": 50}}"#
        let c = try JSONDecoder().decode(TrainingConfig.self, from: Data(json.utf8))
        XCTAssertEqual(c.batchSize, 60)
        XCTAssertEqual(c.optimizer.name, "adam")
        XCTAssertEqual(c.optimizer.beta2, 0.999)
        XCTAssertEqual(c.budget, .iterations(50))
        XCTAssertEqual(c.schedule, ScheduleConfig())
        XCTAssertEqual(try JSONDecoder().decode(TrainingConfig.self, from: JSONEncoder().encode(c)), c)

        var bad = Fixtures.config()
        bad.batchSize = 0
        XCTAssertThrowsError(try run(bad, dir: nil)) { XCTAssertEqual($0 as? TrainingError, .invalidConfig("batchSize must be in [1, 65536], got 0")) }
        bad = Fixtures.config()
        bad.optimizer.name = "rmsprop"
        XCTAssertThrowsError(try run(bad, dir: nil)) { error in
            guard case TrainingError.optimizer(.unknown("rmsprop", _)) = error else { return XCTFail("\(error)") }
        }
    }

    // MARK: Helpers

    /// metrics.csv without the three timing columns.
    private func deterministicCSV(_ dir: URL) throws -> [String] {
        try String(contentsOf: dir.appendingPathComponent("metrics.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).dropLast(3).joined(separator: ",") }
    }

    /// The checkpoint's tensors (weights, buffers, optimiser state) and position.
    private func weights(_ dir: URL) throws -> [String: [UInt8]] {
        let file = try SafetensorsFile.read(from: dir.appendingPathComponent("last.safetensors"))
        var out: [String: [UInt8]] = [:]
        for t in file.tensors { out[t.name] = t.bytes }
        for key in ["step", "epoch", "batch_in_epoch", "optimizer_step"] { out["meta." + key] = Array(file.metadata[key, default: ""].utf8) }
        return out
    }
}
