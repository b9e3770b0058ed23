import XCTest
import Foundation
import TensorCore
import Layers
import Masks
import Experiments
import TestSupport
@testable import Training

/// Issue 13: `EarlyStoppingTracker` evaluated from a callback outside the hooks' evaluation
/// bracket, so with a per-step mask it scored the masked copy m ⊙ W left from the last step.
/// Now it evaluates through the run's `RunEvaluator`: right after an epoch's last step it must
/// score exactly what the trainer's own end-of-epoch evaluation scores. With `evalMask:
/// expected` and scaling `none` that is p ⊙ W, which differs both from the stale m ⊙ W and from
/// the plain W an evaluation outside any bracket would read.
final class EarlyStoppingEvaluationTests: XCTestCase {
    func testTrackerScoresTheNetworkTheTrainerScores() throws {
        Parallel.setThreads(1)
        let dir = TemporaryDirectory()
        let splits = Fixtures.splits()   // no validation split: the test set plays both roles
        let net = Fixtures.network()
        var mask = MaskConfig(name: "dropconnect", keep: 0.5)
        mask.evalMask = .expected
        mask.scaling = .none
        let hook = try MaskingHook(config: mask, network: net, trainingSet: splits.train)
        let config = Fixtures.config(epochs: 2)
        let file = dir.file("validation.csv")
        let tracker = EarlyStoppingTracker(network: net, splits: splits, batchSize: config.evalBatchSize, every: 8, file: file)
        let recorder = Recorder()
        try Trainer.run(config: config, splits: splits, network: net, outputDirectory: nil, callbacks: [tracker, recorder], hooks: [hook])

        let rows = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        XCTAssertEqual(rows.map { Int($0[0]) }, [8, 16], "evaluated after each epoch's last step (8 batches per epoch)")
        XCTAssertEqual(recorder.epochs.count, 2)
        for (row, epoch) in zip(rows, recorder.epochs) {
            XCTAssertEqual(Double(row[1]), epoch.testLoss, "iteration \(row[0]): the tracker scored another network than the trainer")
            XCTAssertEqual(Double(row[2]), epoch.testAccuracy)
        }
    }
}
