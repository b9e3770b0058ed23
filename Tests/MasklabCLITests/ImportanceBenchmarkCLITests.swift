import XCTest
import Foundation
import Experiments
import TestSupport

/// `masklab importance --benchmark` end to end on a tiny ResNet-18 (the real binary).
final class ImportanceBenchmarkCLITests: XCTestCase {
    /// The report names every refresh it extrapolates, and each share of training time (the
    /// median over the rounds, each round beside it) is a percentage in (0, 100) — the
    /// once-paid part plus the per-step part of a timed solve.
    func testBenchmarkReportsEveryRefreshWithAShareOfTrainingTime() throws {
        let r = try CommandRunner.run(["importance", "--benchmark", "--model", "resnet18", "--width", "2", "--batch-size", "8",
                                       "--timed-steps", "2", "--repeats", "2", "--threads", "1"], timeout: 300)
        XCTAssertEqual(r.status, 0, "\(r)")
        for name in ["default: joint, 100 steps", "joint, 400 steps", "faithful (seed): per-layer, 400 steps", "per-layer, 100 steps",
                     "paid once per refresh", "layer4.1.conv2.weight"] {
            XCTAssertTrue(r.stdout.contains(name), "missing '\(name)' in\n\(r.stdout)")
        }
        let shares = r.stdout.split(separator: "\n").compactMap { line -> Double? in
            guard let end = line.range(of: "% of training time") else { return nil }
            return Double(line[..<end.lowerBound].split(separator: " ").last ?? "")
        }
        XCTAssertEqual(shares.count, 4, r.stdout)
        for s in shares { XCTAssertTrue(s > 0 && s < 100, "share \(s)% in\n\(r.stdout)") }
    }

    func testShareIsTheRefreshOverStepsPlusRefresh() {
        XCTAssertEqual(ImportanceBenchmark.share(refreshSteps: 20, stepsPerRefresh: 180), 0.1, accuracy: 1e-12)
    }
}
