import XCTest
import Foundation
import TestSupport

/// `masklab compare --executor slurm` against a real Slurm (`scripts/slurm-local up`): a 2 arms ×
/// 2 seeds comparison is submitted once (a second submission while its tasks are queued submits
/// nothing), followed to the end, and reports what the local executor reports, byte for byte
/// (REPORT.md's "Reproduce" block aside: the command, executor and date differ by design);
/// submitting the finished comparison again submits nothing; a task whose `train` fails is shown
/// with its run folder and log tail. Without a Slurm that answers, these tests skip with a message
/// (`SlurmSweepTests.slurmEnvironment`).
final class SlurmCompareTests: XCTestCase {
    /// A comparison of an MLP on the generated MNIST: baseline and dropconnect arms, seeds 1 and 2.
    static func writeCompare(_ url: URL, name: String = "tiny", iterations: Int = 24) throws {
        let config: [String: Any] = [
            "name": name, "seeds": [1, 2], "targetAccuracy": 0.2, "jobs": 2, "threadsPerJob": 1,
            "arms": [["name": "baseline", "masks": NSNull()], ["name": "dropconnect", "masks": ["name": "dropconnect"]]],
            "base": ["model": "mlp", "modelOptions": ["hidden": [16]], "dataset": "mnist", "batchSize": 16,
                     "budget": ["iterations": iterations], "optimizer": ["name": "sgd", "learningRate": 0.05],
                     "masks": ["keep": 0.5]],
        ]
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted]).write(to: url)
    }

    static let runs = ["baseline/seed-1", "baseline/seed-2", "dropconnect/seed-1", "dropconnect/seed-2"]
    /// The report's files that hold numbers (no timings, no paths).
    static let reportFiles = ["summary.csv", "welch.csv", "epochs.csv", "accuracy.svg", "loss.svg"]

    /// REPORT.md without the lines of the comparison's `command.txt` that name how it ran
    /// (command line, executor, date); the runs' numbers, the data folder and the commit stay.
    /// REPORT.md's lines without those that name the invocation: the command, executor and date,
    /// and the note (with its blank line) that the folder was invoked more than once.
    static func reportWithoutProvenance(_ url: URL) throws -> [Substring] {
        let text = try String(contentsOf: url, encoding: .utf8)
            .replacingOccurrences(of: "(`command.txt` also lists the earlier invocations of this comparison folder.)\n\n", with: "")
        return text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { line in !["command: ", "executor: ", "date: "].contains { line.hasPrefix($0) } }
    }

    func testSlurmCompareMatchesLocalAndIsNotSubmittedTwice() throws {
        let env = try SlurmSweepTests.slurmEnvironment()
        let data = TemporaryDirectory("masklab-slurm-compare-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
        let work = TemporaryDirectory("masklab-slurm-compare")
        let file = work.file("tiny.json")
        try Self.writeCompare(file)
        let local = work.file("local"), cluster = work.file("slurm")

        let l = try CommandRunner.run(["compare", file.path, "--out", local.path, "--data", data.path, "--executor", "local"], timeout: 300)
        XCTAssertEqual(l.status, 0, "\(l)")

        // Submitted without waiting: no report yet; a second submission submits nothing.
        let args = ["compare", file.path, "--out", cluster.path, "--data", data.path, "--executor", "slurm", "--time", "0:10:00"]
        let first = try CommandRunner.run(args + ["--no-wait"], environment: env, timeout: 60)
        XCTAssertEqual(first.status, 0, "\(first)")
        XCTAssertTrue(first.stdout.contains("submitted job"), first.stdout)
        XCTAssertTrue(first.stdout.contains("4 task(s), 1 CPU(s) each"), first.stdout)
        let root = cluster.appendingPathComponent("compare-tiny"), slurmFolder = root.appendingPathComponent("slurm")
        let script = try String(contentsOf: slurmFolder.appendingPathComponent("batch-1.sh"), encoding: .utf8)
        for line in ["#SBATCH --array=0-3", "#SBATCH --cpus-per-task=1", "#SBATCH --time=0:10:00", "#SBATCH --requeue"] {
            XCTAssertTrue(script.contains(line + "\n"), "missing \(line) in\n\(script)")
        }
        XCTAssertEqual(try String(contentsOf: slurmFolder.appendingPathComponent("batch-1.keys"), encoding: .utf8),
                       "baseline-seed-1\ndropconnect-seed-1\nbaseline-seed-2\ndropconnect-seed-2\n", "one key per run, seed-major")
        let second = try CommandRunner.run(args + ["--no-wait"], environment: env, timeout: 60)
        XCTAssertEqual(second.status, 0, "\(second)")
        XCTAssertFalse(second.stdout.contains("submitted job"), "a second submission: \(second.stdout)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: slurmFolder.appendingPathComponent("batch-2.sh").path))

        // Following the tasks to the end writes the report: every run trained once, completed,
        // with the local executor's metrics (timings aside), and the same report bytes.
        let follow = try CommandRunner.run(args, environment: env, timeout: 240)
        XCTAssertEqual(follow.status, 0, "\(follow)")
        XCTAssertTrue(follow.stdout.contains("report: \(root.path)/REPORT.md"), follow.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: slurmFolder.appendingPathComponent("batch-2.sh").path), "nothing resubmitted:\n\(follow)")
        for run in Self.runs {
            let folder = root.appendingPathComponent("runs/\(run)")
            let summary = try String(contentsOf: folder.appendingPathComponent("summary.json"), encoding: .utf8)
            XCTAssertTrue(summary.contains("\"completed\""), "\(run): \(summary)")
            let log = try String(contentsOf: folder.appendingPathComponent("train.log"), encoding: .utf8)
            XCTAssertEqual(log.components(separatedBy: "completed:").count - 1, 1, "\(run) trained once:\n\(log)")
            XCTAssertEqual(try RunMetrics.withoutTimes(folder.appendingPathComponent("metrics.csv")),
                           try RunMetrics.withoutTimes(local.appendingPathComponent("compare-tiny/runs/\(run)/metrics.csv")), run)
        }
        for f in Self.reportFiles {
            XCTAssertEqual(try Data(contentsOf: root.appendingPathComponent(f)),
                           try Data(contentsOf: local.appendingPathComponent("compare-tiny/\(f)")), f)
        }
        let summary = try String(contentsOf: root.appendingPathComponent("summary.csv"), encoding: .utf8)
        XCTAssertTrue(summary.contains("baseline,final test acc,2,") && summary.contains("dropconnect,final test acc,2,"), summary)
        let report = try Self.reportWithoutProvenance(root.appendingPathComponent("REPORT.md"))
        XCTAssertEqual(report, try Self.reportWithoutProvenance(local.appendingPathComponent("compare-tiny/REPORT.md")))
        XCTAssertTrue(report.contains("| dropconnect | dropconnect, keep 0.5, target weights, scaling inverted, sampling bernoulli |"), "\(report)")
        XCTAssertTrue(try String(contentsOf: root.appendingPathComponent("command.txt"), encoding: .utf8).contains("slurm, 1 CPU(s) per task"))

        // Submitting the finished comparison again submits nothing and reports the same.
        let again = try CommandRunner.run(args, environment: env, timeout: 60)
        XCTAssertEqual(again.status, 0, "\(again)")
        XCTAssertTrue(again.stdout.contains("nothing to submit: every run is completed"), again.stdout)
        XCTAssertFalse(again.stdout.contains("submitted job"), again.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: slurmFolder.appendingPathComponent("batch-2.sh").path))
        XCTAssertEqual(try Self.reportWithoutProvenance(root.appendingPathComponent("REPORT.md")), report)
    }

    func testFailedSlurmTaskShowsItsRunFolderAndLogTail() throws {
        let env = try SlurmSweepTests.slurmEnvironment()
        let empty = TemporaryDirectory("masklab-slurm-compare-nodata")   // exists, holds no MNIST: every train fails
        let work = TemporaryDirectory("masklab-slurm-compare-fail")
        let file = work.file("tiny.json")
        try Self.writeCompare(file, name: "fails")
        let r = try CommandRunner.run(["compare", file.path, "--out", work.path, "--data", empty.path, "--executor", "slurm", "--time", "0:05:00"],
                                      environment: env, timeout: 120)
        XCTAssertNotEqual(r.status, 0, "\(r)")
        XCTAssertTrue(r.stderr.contains("4 run(s) failed"), r.stderr)
        let folder = work.file("compare-fails/runs/dropconnect/seed-2")
        XCTAssertTrue(r.stderr.contains("  dropconnect seed 2: train exited with status 1\n  folder \(folder.path)\n    | "), r.stderr)
        XCTAssertTrue(r.stderr.contains("    | Error: "), "the log tail holds train's error:\n\(r.stderr)")
        XCTAssertFalse(r.stdout.contains("resubmit "), "a failed run is not resubmitted:\n\(r.stdout)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.file("compare-fails/slurm/batch-2.sh").path))
    }
}
