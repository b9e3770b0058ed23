import XCTest
import Foundation
import Training
import TestSupport
@testable import Experiments

/// `eval` of a run folder without `last.safetensors` says why, from the folder's `summary.json`.
final class MissingCheckpointTests: XCTestCase {
    func testTheReasonFollowsTheRunsStatus() throws {
        let dir = TemporaryDirectory("masklab-missing-checkpoint")
        func reason() -> String {
            do { _ = try WeightsSource.locate(dir.path); return "" } catch { return "\(error)" }
        }
        try RunConfig().jsonText().write(to: dir.file("config.json"), atomically: true, encoding: .utf8)   // a run folder
        XCTAssertTrue(reason().contains("no summary.json either"), reason())
        let expected: [(RunStatus, String)] = [(.nonFinite, "the run diverged"), (.stopped, "stopped before its first checkpoint"),
                                               (.completed, "last.safetensors was removed")]
        for (status, text) in expected {
            let summary = RunSummary(status: status, model: "mlp", parameters: 10, iterations: 3, history: [], config: TrainingConfig())
            try JSONEncoder().encode(summary).write(to: dir.file("summary.json"))
            XCTAssertTrue(reason().hasPrefix(dir.file("last.safetensors").path + ": no checkpoint in the run folder"), reason())
            XCTAssertTrue(reason().contains(text), "\(status): \(reason())")
        }
        var off = RunConfig()
        off.training.checkpointEveryEpochs = 0
        try off.jsonText().write(to: dir.file("config.json"), atomically: true, encoding: .utf8)
        XCTAssertTrue(reason().contains("trained with checkpoints off"), reason())
    }
}
