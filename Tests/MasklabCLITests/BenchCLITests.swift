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

    func testBenchJobsRunsConcurrentCopiesAndSumsTheirThroughput() throws {
        let r = try CommandRunner.run(["bench", "--workloads", "mlp", "--steps", "2", "--warmup", "1", "--threads", "1",
                                       "--jobs", "2", "--json"], directory: nil, environment: [:], timeout: 240)
        XCTAssertEqual(r.status, 0, "\(r)")
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let results = try XCTUnwrap(json["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, 1, "one row per workload, not per copy")
        let jobs = try XCTUnwrap(results[0]["concurrentJobs"] as? [String: Any])
        let train = try XCTUnwrap(jobs["trainImagesPerSecond"] as? [Double])
        let eval = try XCTUnwrap(jobs["evalImagesPerSecond"] as? [Double])
        XCTAssertEqual(train.count, 2)
        XCTAssertEqual(eval.count, 2)
        XCTAssertEqual(train[0], results[0]["trainImagesPerSecond"] as? Double, "the row is the first copy")
        XCTAssertEqual(jobs["aggregateTrainImagesPerSecond"] as? Double ?? 0, train[0] + train[1], accuracy: 1e-9)
        XCTAssertEqual(jobs["aggregateEvalImagesPerSecond"] as? Double ?? 0, eval[0] + eval[1], accuracy: 1e-9)
        let bad = try CommandRunner.run(["bench", "--jobs", "0"], directory: nil, environment: [:], timeout: 60)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--jobs must be in [1,"), bad.stderr)
    }
}
