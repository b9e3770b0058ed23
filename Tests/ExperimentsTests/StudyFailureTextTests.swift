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
        let lines = [
            "epoch 1/6  test_acc 0.4321  test_loss 1.2345",
            "resumed at epoch 2 (Test Accuracy 0.5012)",
            "error: CIFAR-10 file data_batch_2.bin: expected 30730000 bytes, got 1024",
        ]
        try (lines.joined(separator: "\n") + "\n").write(to: job.log, atomically: true, encoding: .utf8)

        let open = Study.failureText(job, reason: "train exited with status 1")
        for line in lines { XCTAssertTrue(open.contains(line), "unblinded text lacks \(line): \(open)") }
        XCTAssertFalse(open.contains("withheld"), open)

        let blind = Study.failureText(job, reason: "train exited with status 1", blinded: true)
        XCTAssertTrue(blind.contains("impacts seed 3: train exited with status 1") && blind.contains(job.directory.path), blind)
        XCTAssertTrue(blind.contains(lines[2]), "the error line must stay: \(blind)")
        for hidden in ["0.4321", "1.2345", "0.5012"] { XCTAssertFalse(blind.contains(hidden), "blinded text shows \(hidden): \(blind)") }
        XCTAssertTrue(blind.contains("(2 line(s) with an accuracy or a loss withheld"), blind)
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
