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

    /// A window of a few hundred MLP steps is long enough for /proc/stat's ticks: the JSON has the
    /// host's steal and other processes' shares, and the text report says them.
    func testBenchReportsTheMachinesLoadDuringTheMeasuredSteps() throws {
        guard FileManager.default.fileExists(atPath: "/proc/stat") else { throw XCTSkip("no /proc/stat on this machine") }
        let dir = TemporaryDirectory()
        let file = dir.file("host.json").path
        let r = try CommandRunner.run(["bench", "--workloads", "mlp", "--steps", "600", "--warmup", "1", "--threads", "1",
                                       "--json-file", file], directory: nil, environment: [:], timeout: 240)
        XCTAssertEqual(r.status, 0, "\(r)")
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        let mlp = try XCTUnwrap((json["results"] as? [[String: Any]])?.first)
        let load = try XCTUnwrap(mlp["hostLoad"] as? [String: Any], "600 steps and 600 passes last well over 40 ticks: \(mlp.keys)")
        let steal = try XCTUnwrap(load["stealShare"] as? Double), others = try XCTUnwrap(load["otherProcessesShare"] as? Double)
        XCTAssertTrue((0...1).contains(steal) && (0...1).contains(others), "\(load)")
        XCTAssertGreaterThan(load["cpuSeconds"] as? Double ?? 0, 0.39)
        XCTAssertTrue(r.stdout.contains("mlp: during the measured steps ("), r.stdout)
        XCTAssertEqual(mlp["tensorAllocationsInSteps"] as? Int, 0)
        XCTAssertEqual(mlp["heapBytesGrowthInSteps"] as? Int, 0, "the machine-load reading leaves nothing on the heap")
    }

    /// `--layers` times every layer of the workload in its child process: the table, and the JSON
    /// entries in forward order with their calls, times and multiply-accumulates.
    func testBenchLayersTimesEveryLayerOfTheMLP() throws {
        let dir = TemporaryDirectory()
        let file = dir.file("layers.json").path
        let r = try CommandRunner.run(["bench", "--workloads", "mlp", "--steps", "2", "--warmup", "1", "--threads", "1", "--layers",
                                       "--json-file", file], directory: nil, environment: [:], timeout: 240)
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertTrue(r.stdout.contains("Layers of mlp (batch 60, 1 thread)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("fc1            Linear 784→300"), r.stdout)
        XCTAssertTrue(r.stdout.contains("by kind: Linear "), r.stdout)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        let result = try XCTUnwrap((json["results"] as? [[String: Any]])?.first)
        let layers = try XCTUnwrap(result["layers"] as? [String: Any])
        XCTAssertEqual(layers["steps"] as? Int, 2)
        XCTAssertGreaterThan(layers["stepSeconds"] as? Double ?? 0, 0)
        let entries = try XCTUnwrap(layers["entries"] as? [[String: Any]])
        XCTAssertEqual(entries.compactMap { $0["name"] as? String }, ["input+Flatten", "fc1", "fc1+ReLU", "fc2", "fc2+ReLU", "fc3"])
        XCTAssertEqual(entries.compactMap { $0["macsPerSample"] as? Int }.reduce(0, +), result["forwardMACsPerSample"] as? Int)
        for e in entries {
            XCTAssertEqual(e["forwardCalls"] as? Int, 2, "\(e)")
            XCTAssertGreaterThan(e["forwardNanoseconds"] as? Int ?? 0, 0, "\(e)")
        }
        // Without --layers the result has no layer times; with --convolutions the flag is refused.
        let plain = try CommandRunner.run(["bench", "--workloads", "mlp", "--steps", "1", "--warmup", "0", "--threads", "1", "--json"],
                                          directory: nil, environment: [:], timeout: 240)
        XCTAssertEqual(plain.status, 0, "\(plain)")
        XCTAssertFalse(plain.stdout.contains("\"layers\""), plain.stdout)
        let bad = try CommandRunner.run(["bench", "--convolutions", "--layers"], directory: nil, environment: [:], timeout: 60)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--layers"), bad.stderr)
        let jobs = try CommandRunner.run(["bench", "--layers", "--jobs", "2"], directory: nil, environment: [:], timeout: 60)
        XCTAssertNotEqual(jobs.status, 0)
        XCTAssertTrue(jobs.stderr.contains("--layers times one process's layers"), jobs.stderr)
    }

    /// `--convolutions` times the six default layers both ways and writes their rows; it refuses
    /// options that belong to the workloads, and a --json-file whose folder is missing.
    func testBenchConvolutionsTimesTheDefaultLayersBothWays() throws {
        let dir = TemporaryDirectory()
        let file = dir.file("conv.json").path
        let r = try CommandRunner.run(["bench", "--convolutions", "--steps", "2", "--warmup", "1", "--threads", "1", "--json-file", file],
                                      directory: nil, environment: [:], timeout: 240)
        XCTAssertEqual(r.status, 0, "\(r)")
        for label in ["16→16 32×32", "32→32 16×16", "16→32 16×16", "32→32 32×32", "64→64 8×8", "128→128 4×4"] {
            XCTAssertTrue(r.stdout.contains("\(label) (128, 1)"), "row \(label) in \(r.stdout)")
        }
        let rows = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [[String: Any]])
        XCTAssertEqual(rows.count, 6)
        for row in rows {
            XCTAssertEqual(row["rounds"] as? Int, 2)
            let chunked = try XCTUnwrap(row["chunked"] as? [String: Double])
            XCTAssertTrue(["forward", "weightGradient", "backward"].allSatisfy { (chunked[$0] ?? 0) > 0 }, "\(chunked)")
            // Where the CPU has the kernel every default layer fits it; the fused times are then positive too.
            if let fused = row["fused"] as? [String: Double] {
                XCTAssertTrue(["forward", "weightGradient", "backward"].allSatisfy { (fused[$0] ?? 0) > 0 }, "\(fused)")
            } else {
                XCTAssertTrue(r.stdout.contains("no AVX-512F"), "a row without fused times says why: \(r.stdout)")
            }
        }
        let layer = try XCTUnwrap(rows[0]["layer"] as? [String: Int])
        XCTAssertEqual(layer, ["channels": 16, "outChannels": 16, "height": 32, "width": 32])
        XCTAssertEqual(try XCTUnwrap(rows[0]["forwardGFLOP"] as? Double), 0.603979776, accuracy: 1e-12, "2·N·O·H·W·C·9 at batch 128")
        let bad = try CommandRunner.run(["bench", "--convolutions", "--workloads", "mlp"], directory: nil, environment: [:], timeout: 60)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--convolutions times single layers"), bad.stderr)
        // A --json-file that cannot be written is refused before anything is measured.
        let nowhere = dir.file("missing-folder/conv.json").path
        let unwritable = try CommandRunner.run(["bench", "--convolutions", "--json-file", nowhere], directory: nil, environment: [:], timeout: 60)
        XCTAssertNotEqual(unwritable.status, 0)
        XCTAssertTrue(unwritable.stderr.contains("--json-file \(nowhere): its folder") && !unwritable.stdout.contains("16→16"), unwritable.stderr)
    }

    /// On 2 threads the report carries the measured (or fixed) compute speed-up; fixed at 1 (one
    /// core's hyperthreads) the MLP's products stay on the calling thread, so fewer regions per
    /// step reach the pool than at 2; a speed-up that is not positive is refused.
    func testBenchReportsAndObeysTheComputeSpeedup() throws {
        func spreadPerStep(_ extra: [String]) throws -> (spread: Double, speedup: [Double], fixed: Bool?) {
            let r = try CommandRunner.run(["bench", "--workloads", "mlp", "--steps", "3", "--threads", "2", "--json"] + extra,
                                          directory: nil, environment: [:], timeout: 240)
            XCTAssertEqual(r.status, 0, "\(r)")
            let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            let mlp = try XCTUnwrap((json["results"] as? [[String: Any]])?.first)
            let threading = try XCTUnwrap(mlp["threading"] as? [String: Any])
            return (try XCTUnwrap(threading["trainSpreadRegionsPerStep"] as? Double),
                    try XCTUnwrap(threading["computeSpeedup"] as? [Double]), threading["computeSpeedupFixed"] as? Bool)
        }
        let measured = try spreadPerStep([])
        XCTAssertEqual(measured.speedup.count, 2)
        XCTAssertTrue(measured.speedup.allSatisfy { $0 > 0.1 && $0 < 4 }, "\(measured.speedup)")
        XCTAssertEqual(measured.fixed, false)
        let cores = try spreadPerStep(["--round-trip", "0", "--compute-speedup", "2"])
        let hyperthreads = try spreadPerStep(["--round-trip", "0", "--compute-speedup", "1"])
        XCTAssertEqual(hyperthreads.speedup, [1, 1])
        XCTAssertEqual(hyperthreads.fixed, true)
        XCTAssertLessThan(hyperthreads.spread, cores.spread)
        // Zero and negative values reach the validation (a negative number is a value, not a flag).
        for value in ["0", "-1"] {
            let bad = try CommandRunner.run(["bench", "--workloads", "mlp", "--compute-speedup", value], directory: nil, environment: [:], timeout: 60)
            XCTAssertNotEqual(bad.status, 0)
            XCTAssertTrue(bad.stderr.contains("--compute-speedup must be a positive number") && bad.stderr.contains("got \(Double(value)!)"), bad.stderr)
        }
        let negative = try CommandRunner.run(["bench", "--workloads", "mlp", "--round-trip", "-5"], directory: nil, environment: [:], timeout: 60)
        XCTAssertNotEqual(negative.status, 0)
        XCTAssertTrue(negative.stderr.contains("--round-trip must be ≥ 0 ns, got -5"), negative.stderr)
    }

    func testBenchJobsRunsConcurrentCopiesAndSumsTheirThroughput() throws {
        let r = try CommandRunner.run(["bench", "--workloads", "mlp", "--steps", "300", "--warmup", "1", "--threads", "1",
                                       "--jobs", "2", "--json"], directory: nil, environment: [:], timeout: 240)
        XCTAssertEqual(r.status, 0, "\(r)")
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let results = try XCTUnwrap(json["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, 1, "one row per workload, not per copy")
        let jobs = try XCTUnwrap(results[0]["concurrentJobs"] as? [String: Any])
        let train = try XCTUnwrap(jobs["trainImagesPerSecond"] as? [Double])
        let eval = try XCTUnwrap(jobs["evalImagesPerSecond"] as? [Double])
        XCTAssertEqual(train.count, 2)
        XCTAssertEqual((results[0]["trainStepSamples"] as? [Double])?.count, 300)
        XCTAssertEqual(results[0]["heapBytesGrowthInSteps"] as? Int, 0, "the wait at the barrier is outside the measured heap")
        XCTAssertEqual(eval.count, 2)
        XCTAssertEqual(train[0], results[0]["trainImagesPerSecond"] as? Double, "the row is the first copy")
        // The copies met after their warm-up: their measured training overlapped.
        XCTAssertGreaterThan(jobs["trainOverlap"] as? Double ?? 0, 0.2, "\(jobs)")
        let table = try CommandRunner.run(["bench", "--workloads", "mlp", "--steps", "2", "--warmup", "1", "--threads", "1",
                                           "--jobs", "2"], directory: nil, environment: [:], timeout: 240)
        XCTAssertEqual(table.status, 0, "\(table)")
        XCTAssertTrue(table.stdout.contains("mlp: 2 jobs × 1 threads at once, train img/s "), table.stdout)
        XCTAssertTrue(table.stdout.contains("measured training overlapped "), table.stdout)
        let bad = try CommandRunner.run(["bench", "--jobs", "0"], directory: nil, environment: [:], timeout: 60)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--jobs must be in [1,"), bad.stderr)
        let torch = try CommandRunner.run(["bench", "--jobs", "2", "--torch", "python3"], directory: nil, environment: [:], timeout: 60)
        XCTAssertNotEqual(torch.status, 0)
        XCTAssertTrue(torch.stderr.contains("cannot be combined with --jobs 2"), torch.stderr)
    }

    /// A copy killed mid-measurement (as the kernel's OOM killer would) ends the bench with an
    /// error naming it, and the other copy does not outlive the command.
    func testBenchJobsStopsTheOtherCopiesWhenOneDies() throws {
        let bench = CommandInBackground(["bench", "--workloads", "resnet18-w16", "--steps", "400", "--warmup", "1",
                                         "--threads", "1", "--jobs", "2"], timeout: 300)
        var copies: [pid_t] = []
        let deadline = Date().addingTimeInterval(120)
        while copies.count < 2, Date() < deadline, !bench.hasEnded {
            copies = Self.processes(withArguments: ["--workload", "resnet18-w16", "--barrier-count"])
            usleep(100_000)
        }
        XCTAssertEqual(copies.count, 2, "both copies started")
        guard copies.count == 2 else { return }
        usleep(500_000)
        kill(copies[0], SIGKILL)
        let r = try XCTUnwrap(bench.wait(seconds: 120), "the bench ends soon after a copy dies")
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("of 2 of resnet18-w16 failed (status"), r.stderr)
        XCTAssertTrue(r.stderr.contains("the other copies were stopped"), r.stderr)
        XCTAssertTrue(Self.processes(withArguments: ["--workload", "resnet18-w16", "--barrier-count"]).isEmpty,
                      "no copy outlives the command")
    }

    /// Live processes (not zombies) whose command line contains every one of `arguments`.
    static func processes(withArguments arguments: [String]) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let state = stat.split(separator: ")").last?.split(separator: " ").first, state != "Z" else { return false }
            let args = cmdline.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return arguments.allSatisfy(args.contains)
        }.sorted()
    }
}
