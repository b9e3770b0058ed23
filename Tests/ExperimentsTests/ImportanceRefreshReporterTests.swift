import XCTest
@testable import Importance
@testable import Experiments

/// The one-line announcement of an importance refresh.
final class ImportanceRefreshReporterTests: XCTestCase {
    func testTheLineShowsPhiOrThatTheSaliencyControlTakesNoStep() {
        var report = SolveReport()
        report.seconds = 1.5
        report.objectiveBefore = [2.0, 1.0]
        report.objectiveAfter = [1.0, 0.5]
        XCTAssertEqual(ImportanceRefreshReporter.line(refresh: 3, iteration: 40, epoch: 1, report: report, steps: 100),
                       "importance refresh 3 at iteration 40 (epoch 2): 2 tensors in 1.5 s, φ 1.5000 → 0.7500")
        report.objectiveBefore = [0]
        report.objectiveAfter = [0]
        XCTAssertEqual(ImportanceRefreshReporter.line(refresh: 0, iteration: 0, epoch: 0, report: report, steps: 0),
                       "importance refresh 0 at iteration 0 (epoch 1): 1 tensor in 1.5 s, w = w₀ (0 mirror-descent steps: the saliency control)")
        XCTAssertEqual(ImportanceRefreshReporter.line(refresh: 0, iteration: 0, epoch: 0, report: nil, steps: 5),
                       "importance refresh 0 at iteration 0 (epoch 1)")
    }
}
