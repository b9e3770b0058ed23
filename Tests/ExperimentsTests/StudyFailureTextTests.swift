import Foundation
import TestSupport
import XCTest

@testable import Experiments
@testable import Training

/// A failed run's message: its log tail in full, or without any line that reports a result when
/// the study is blinded (a pre-registered comparison not yet complete).
final class StudyFailureTextTests: XCTestCase {
    func testBlindedFailureWithholdsResultLines() throws {
        let dir = TemporaryDirectory("masklab-study-failure")
        let job = StudyJob(label: "impacts seed 3", config: RunConfig(), layout: RunLayout(directory: dir.file("study/runs/impacts/seed-3")))
        try FileManager.default.createDirectory(at: job.directory, withIntermediateDirectories: true)
        // The real lines: an epoch row (ProgressDisplay's EpochLine), the closing line of a run
        // that stopped, and the error of a diverged run (TrainingError.nonFinite).
        let lines = [
            "    3      0.8123     0.7012     0.9321    0.6634   0.1198   0.04000       412   52.3s",
            "stopped: 3 epochs, 471 iterations, latest test accuracy 0.6634, best 0.6634 (epoch 3), 2m36s",
            "Error: loss became NaN at step 472 (epoch 4); last good checkpoint: runs/impacts/seed-3/last.safetensors (hint: lower the learning rate or add warm-up)",
        ]
        try (lines.joined(separator: "\n") + "\n").write(to: job.log, atomically: true, encoding: .utf8)

        let open = Study.failureText(job, reason: "train exited with status 1")
        for line in lines { XCTAssertTrue(open.contains(line), "unblinded text lacks \(line): \(open)") }
        XCTAssertFalse(open.contains("blinded"), open)

        let blind = Study.failureText(job, reason: "train exited with status 1", blinded: true)
        XCTAssertTrue(blind.contains("impacts seed 3: train exited with status 1") && blind.contains(job.directory.path), blind)
        for hidden in ["0.6634", "0.8123", "0.7012", "0.04000", "52.3"] { XCTAssertFalse(blind.contains(hidden), "blinded text shows \(hidden): \(blind)") }
        XCTAssertTrue(blind.contains("Error: loss became NaN at step 472 (epoch 4); last good checkpoint: runs/impacts/seed-3/last.safetensors"),
                      "why it failed must stay readable: \(blind)")
        XCTAssertTrue(blind.contains("latest test accuracy …, best … (epoch 3)"), blind)
        XCTAssertTrue(blind.contains("decimal numbers shown as …: the study is blinded"), blind)
    }

    func testCompareWithAnalysisIsBlinded() throws {
        var dict: [String: Any] = ["name": "b", "seeds": [0], "base": ["model": "mlp", "dataset": "mnist"],
                                   "arms": [["name": "a", "masks": NSNull()], ["name": "c", "masks": ["name": "dropconnect"]]]]
        let layout = CompareLayout(directory: URL(fileURLWithPath: "/tmp/masklab-study-failure/compare-b"))
        XCTAssertFalse(CompareRunner(compare: try CompareConfig.parse(dict, path: "b.json"), layout: layout).study.blinded)
        dict["analysis"] = ["endpoints": [["metric": "testAccuracy", "epoch": "final"]], "contrasts": [["c", "a"]], "reference": "a", "margin": 0.01]
        XCTAssertTrue(CompareRunner(compare: try CompareConfig.parse(dict, path: "b.json"), layout: layout).study.blinded)
    }
}
