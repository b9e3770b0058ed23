import XCTest
import Foundation
import TestSupport

/// What a pre-registered comparison keeps fixed across invocations, through the real binary on a
/// tiny generated MNIST: the analysis declared first (a changed one is refused until
/// `--redeclare-analysis`, and the report then says it was re-declared) and the threads per run
/// the study started with (another count is refused, another `--jobs` is not).
final class ComparePreRegistrationCLITests: XCTestCase {
    private func masklab(_ args: [String]) throws -> CommandRunner.Result {
        try CommandRunner.run(args, directory: nil, environment: [:], timeout: 300)
    }

    private func writeConfig(_ url: URL, margin: Double) throws {
        let json: [String: Any] = [
            "name": "prereg", "seeds": [1, 2], "targetAccuracy": 0.2, "jobs": 2, "threadsPerJob": 1,
            "arms": [["name": "baseline", "masks": NSNull()], ["name": "dropconnect", "masks": ["name": "dropconnect"]]],
            "base": ["model": "mlp", "modelOptions": ["hidden": [16]], "dataset": "mnist", "batchSize": 32, "budget": ["epochs": 1],
                     "optimizer": ["name": "sgd", "learningRate": 0.05], "masks": ["keep": 0.4]],
            "analysis": ["endpoints": [["metric": "testAccuracy", "epoch": "final"]], "contrasts": [["dropconnect", "baseline"]],
                         "reference": "baseline", "margin": margin],
        ]
        try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted]).write(to: url)
    }

    func testChangedAnalysisIsRefusedUntilRedeclaredAndThreadsStayFixed() throws {
        let data = TemporaryDirectory("masklab-prereg-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
        let out = TemporaryDirectory("masklab-prereg-out")
        let config = out.file("prereg.json")
        try writeConfig(config, margin: 0.01)
        let run = ["compare", config.path, "--data", data.path, "--out", out.path]
        let first = try masklab(run)
        XCTAssertEqual(first.status, 0, "\(first)")
        XCTAssertTrue(first.stdout.contains("analysis declared before any run: recorded in analysis-declared.json"), first.stdout)
        let root = out.file("compare-prereg")
        func text(_ name: String) throws -> String { try String(contentsOf: root.appendingPathComponent(name), encoding: .utf8) }
        let report = try text("REPORT.md")
        XCTAssertTrue(report.contains("## Primary analysis (declared in the config before any run)"), report)
        XCTAssertTrue(report.contains("Every run trained with 1 thread(s)"), report)
        let threadRecord = try text("threads-per-job.json")
        XCTAssertTrue(threadRecord.contains("\"threadsPerJob\" : 1"), threadRecord)

        // The margin widened after every run ended: refused (run and --report-only), naming both
        // values; the report, compare.json and the record are untouched.
        let compareJSON = try text("compare.json"), declared = try text("analysis-declared.json")
        try writeConfig(config, margin: 0.05)
        for args in [run, ["compare", config.path, "--out", out.path, "--report-only"]] {
            let refused = try masklab(args)
            XCTAssertNotEqual(refused.status, 0, "\(refused)")
            XCTAssertTrue(refused.stderr.contains("margin: declared 0.01, this config 0.05"), refused.stderr)
            XCTAssertTrue(refused.stderr.contains("--redeclare-analysis") && refused.stderr.contains("4 of 4 runs have ended"), refused.stderr)
            XCTAssertFalse(refused.stdout.contains("skipping"), refused.stdout)
        }
        XCTAssertEqual(try text("REPORT.md"), report)
        XCTAssertEqual(try text("compare.json"), compareJSON)
        XCTAssertEqual(try text("analysis-declared.json"), declared)

        // Re-declared: recorded with the runs ended by then, the first kept, the heading says so.
        let redeclared = try masklab(run + ["--redeclare-analysis"])
        XCTAssertEqual(redeclared.status, 0, "\(redeclared)")
        XCTAssertTrue(redeclared.stdout.contains("analysis re-declared after 4 of 4 runs had ended"), redeclared.stdout)
        let after = try text("REPORT.md")
        XCTAssertTrue(after.contains("## Primary analysis (re-declared on ") && after.contains("after 4 of 4 runs had ended; first declaration: before any run)"), after)
        XCTAssertFalse(after.contains("declared in the config before any run"), after)
        XCTAssertTrue(after.contains("margin: then 0.01, used here 0.05"), after)
        XCTAssertTrue(try text("command.txt").contains("--redeclare-analysis"))
        XCTAssertEqual(try masklab(run).status, 0, "the re-declared analysis is now the current one")

        // Another thread count is refused naming both; another --jobs is not.
        let threads = try masklab(run + ["--threads-per-job", "2"])
        XCTAssertEqual(threads.status, 64, "another thread count than the study started with is a usage error: \(threads)")
        XCTAssertTrue(threads.stderr.contains("with 1 thread(s) each") && threads.stderr.contains("asks for 2"), threads.stderr)
        let jobs = try masklab(run + ["--jobs", "1"])
        XCTAssertEqual(jobs.status, 0, "\(jobs)")
        XCTAssertTrue(jobs.stdout.contains("skipping 4 completed run(s)"), jobs.stdout)

        // `diff` of a run against its comparison folder: the run that comparison made, so nothing differs.
        let seedRun = root.appendingPathComponent("runs/dropconnect/seed-2").path
        let same = try masklab(["diff", seedRun, root.path])
        XCTAssertEqual(same.status, 0, "\(same)")
        XCTAssertTrue(same.stdout.contains("arm \"dropconnect\" at seed 2 (the run it makes there; the arm the run's folder names)")
                      && same.stdout.hasSuffix("no differences\n"), same.stdout)
        // The thread count comes from the comparison's record (a --threads-per-job override would be there).
        let record = root.appendingPathComponent("threads-per-job.json")
        let recorded = try String(contentsOf: record, encoding: .utf8)
        try recorded.replacingOccurrences(of: "\"threadsPerJob\" : 1", with: "\"threadsPerJob\" : 2").write(to: record, atomically: true, encoding: .utf8)
        let threaded = try masklab(["diff", seedRun, root.path])
        XCTAssertTrue(threaded.stdout.contains("the 2 thread(s) per run it started with") && threaded.stdout.contains("threads: 1 → 2"), threaded.stdout)
    }
}
