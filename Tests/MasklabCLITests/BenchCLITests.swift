import XCTest
import Foundation
import TestSupport

/// `masklab bench` end to end on the smallest workload: the child process, the JSON, the checks.
final class BenchCLITests: XCTestCase {
    func testBenchMeasuresTheMLPInAChildProcessAndAllocatesNothingPerStep() throws {
        let r = try CommandRunner.run(["bench", "--workloads", "mlp", "--steps", "3", "--threads", "1", "--json"],
                                      directory: nil, environment: [:], timeout: 240)
        XCTAssertEqual(r.status, 0, "\(r)")
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertGreaterThan(json["sgemmPeakGFLOPs"] as? Double ?? 0, 0)
        let results = try XCTUnwrap(json["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, 1)
        let mlp = results[0]
        XCTAssertEqual(mlp["workload"] as? String, "mlp")
        XCTAssertEqual(mlp["forwardMACsPerSample"] as? Int, 784 * 300 + 300 * 100 + 100 * 10)
        XCTAssertGreaterThan(mlp["trainImagesPerSecond"] as? Double ?? 0, 0)
        XCTAssertGreaterThan(mlp["peakResidentBytes"] as? Int ?? 0, 0)
        XCTAssertEqual(mlp["tensorAllocationsInSteps"] as? Int, 0)
        XCTAssertEqual((mlp["trainStepSamples"] as? [Double])?.count, 3)
        let bad = try CommandRunner.run(["bench", "--workloads", "vgg99"], directory: nil, environment: [:], timeout: 60)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("resnet18-w16"), "the error lists the valid workloads: \(bad.stderr)")
    }
}
