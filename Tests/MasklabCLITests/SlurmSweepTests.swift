import XCTest
import Foundation
import TestSupport

/// `masklab sweep --executor slurm` against a real Slurm (`scripts/slurm-local up`): every task
/// runs, the report equals the local executor's byte for byte, a task cancelled with `scancel`
/// mid-run is resubmitted and one sent Slurm's SIGUSR1 warning is requeued, both ending with the
/// metrics of an uninterrupted run, a second submission
/// of a finished study submits nothing, and an unknown partition shows Slurm's own message.
/// Without a Slurm that answers, these tests skip with a message.
final class SlurmSweepTests: XCTestCase {
    /// The environment that reaches the cluster (SLURM_CONF), or a skip saying why there is none.
    static func slurmEnvironment() throws -> [String: String] {
        let env = ProcessInfo.processInfo.environment
        let path = env["PATH"] ?? ""
        guard path.split(separator: ":").contains(where: { FileManager.default.isExecutableFile(atPath: "\($0)/sbatch") }) else {
            throw XCTSkip("Slurm tests skipped: sbatch is not on PATH (run `bash scripts/slurm-local up` as root)")
        }
        let conf = env["SLURM_CONF"] ?? "/tmp/masklab-slurm/slurm.conf"
        guard FileManager.default.fileExists(atPath: conf) else {
            throw XCTSkip("Slurm tests skipped: no cluster config at \(conf) (run `bash scripts/slurm-local up` as root)")
        }
        let probe = try CommandRunner.run(["sinfo", "-h", "-o", "%T"], executable: URL(fileURLWithPath: "/usr/bin/env"), environment: ["SLURM_CONF": conf], timeout: 20)
        guard probe.status == 0, probe.stdout.contains("idle") || probe.stdout.contains("mix") || probe.stdout.contains("alloc") else {
            throw XCTSkip("Slurm tests skipped: sinfo with SLURM_CONF=\(conf) does not show a usable node: \(probe)")
        }
        return ["SLURM_CONF": conf]
    }

    static func slurm(_ args: [String], _ env: [String: String]) throws -> CommandRunner.Result {
        try CommandRunner.run(args, executable: URL(fileURLWithPath: "/usr/bin/env"), environment: env, timeout: 30)
    }

    /// After a Slurm sweep in `cluster/<study>` ended: its `sweep.csv` and `SWEEP.md` are the
    /// local executor's bytes, and submitting `args` again submits nothing (no third batch) and
    /// prints the table with `tableRow`.
    static func assertReportAndNoResubmission(_ study: String, cluster: URL, local: URL, args: [String], env: [String: String], tableRow: String,
                                              file: StaticString = #filePath, line: UInt = #line) throws {
        for f in ["sweep.csv", "SWEEP.md"] {
            XCTAssertEqual(try Data(contentsOf: cluster.appendingPathComponent("\(study)/\(f)")),
                           try Data(contentsOf: local.appendingPathComponent("\(study)/\(f)")), f, file: file, line: line)
        }
        let again = try CommandRunner.run(args, environment: env, timeout: 60)
        XCTAssertEqual(again.status, 0, "\(again)", file: file, line: line)
        XCTAssertTrue(again.stdout.contains("nothing to submit: every run is completed"), again.stdout, file: file, line: line)
        XCTAssertFalse(again.stdout.contains("submitted job"), again.stdout, file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cluster.appendingPathComponent("\(study)/slurm/batch-3.sh").path), file: file, line: line)
        XCTAssertTrue(again.stdout.contains(tableRow), again.stdout, file: file, line: line)
    }

    func testSlurmSweepMatchesLocalSurvivesScancelAndIsNotSubmittedTwice() throws {
        let env = try Self.slurmEnvironment()
        let data = TemporaryDirectory("masklab-slurm-data")
        // Epochs long enough (2 400 images) that the poller below sees two tasks mid-run; once seen,
        // a task is frozen until it has been signalled, so it cannot finish in between.
        try DatasetFixtures.writeMNIST(to: data.url, train: 2400, test: 60, gzipped: true)
        let work = TemporaryDirectory("masklab-slurm-out")
        let file = work.file("tiny.json")
        try SweepCLITests.writeSweep(file, hidden: [256], epochs: 16)
        let local = work.file("local"), cluster = work.file("slurm")

        let l = try SweepCLITests.masklab(["sweep", file.path, "--out", local.path, "--data", data.path, "--executor", "local", "--jobs", "2"])
        XCTAssertEqual(l.status, 0, "\(l)")

        // The Slurm sweep in the background; meanwhile cancel one task once its run has written an epoch.
        let args = ["sweep", file.path, "--out", cluster.path, "--data", data.path, "--executor", "slurm"]
        let sweep = CommandInBackground(args, environment: env, timeout: 240)   // generous: CI shares the machine with studies
        let slurmFolder = cluster.appendingPathComponent("sweep-tiny/slurm")
        // Two tasks caught mid-run (an epoch written, no summary): the first cancelled with
        // `scancel` (resubmitted by the sweep), the second sent Slurm's time-limit warning
        // (SIGUSR1 to the batch shell: checkpoint and requeue). Slurm holds a requeued task for
        // its BeginTime delay (minutes); the test releases it at once.
        var cancelled: String?, warned: String?, released = false
        let deadline = Date().addingTimeInterval(150)
        while (cancelled == nil || warned == nil || !released) && Date() < deadline && !sweep.hasEnded {
            Thread.sleep(forTimeInterval: 0.1)
            guard let id = try? String(contentsOf: slurmFolder.appendingPathComponent("batch-1.job"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
                  let runs = try? String(contentsOf: slurmFolder.appendingPathComponent("batch-1.runs"), encoding: .utf8).split(separator: "\n"),
                  let queue = try? Self.slurm(["squeue", "-h", "-r", "-j", id, "-o", "%K|%T|%r"], env) else { continue }
            for line in queue.stdout.split(separator: "\n") {
                let f = line.split(separator: "|")
                guard f.count == 3, let task = Int(f[0]), runs.indices.contains(task) else { continue }
                let run = URL(fileURLWithPath: String(runs[task]))
                if f[1] == "PENDING", f[2] == "BeginTime", run.lastPathComponent == warned {
                    let r = try Self.slurm(["scontrol", "update", "JobId=\(id)_\(task)", "StartTime=now"], env)
                    XCTAssertEqual(r.status, 0, "\(r)")
                    released = true
                }
                guard f[1] == "RUNNING", ![cancelled, warned].contains(run.lastPathComponent) else { continue }
                func midRun() -> Bool {
                    let rows = (try? String(contentsOf: run.appendingPathComponent("metrics.csv"), encoding: .utf8))?.split(separator: "\n").count ?? 0
                    return (2...9).contains(rows) && !FileManager.default.fileExists(atPath: run.appendingPathComponent("summary.json").path)
                }
                // Mid-run: between the first and the eighth of 16 epochs, far from the end. The
                // run is frozen (SIGSTOP) while the test looks and signals, so it cannot end in
                // between; continued afterwards to receive the signal.
                guard midRun(), let pid = LotterySweepCLITests.freeze(run) else { continue }
                defer { kill(pid, SIGCONT) }
                guard midRun() else { continue }
                if cancelled == nil {
                    let c = try Self.slurm(["scancel", "\(id)_\(task)"], env)
                    XCTAssertEqual(c.status, 0, "\(c)")
                    cancelled = run.lastPathComponent
                } else if warned == nil {
                    // scancel retries while a task is ending ("try again later"): give up after 5 s and catch another.
                    let c = try CommandRunner.run(["scancel", "--signal=USR1", "--batch", "\(id)_\(task)"], executable: URL(fileURLWithPath: "/usr/bin/env"),
                                                  environment: env, timeout: 5)
                    if c.status == 0 { warned = run.lastPathComponent }
                }
                break
            }
        }
        let s = try XCTUnwrap(sweep.wait(seconds: 240), "the Slurm sweep did not end")
        XCTAssertEqual(s.status, 0, "\(s)")
        let cancelledRun = try XCTUnwrap(cancelled, "no task was caught mid-run to cancel:\n\(s)")
        XCTAssertTrue(s.stdout.contains("resubmit "), s.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: slurmFolder.appendingPathComponent("batch-2.sh").path), "the cancelled run was resubmitted")
        let warnedRun = try XCTUnwrap(warned, "no second task was caught mid-run to warn:\n\(s)")
        XCTAssertTrue(released, "the requeued task was never seen pending:\n\(s)")
        for run in [cancelledRun, warnedRun] {
            let log = try String(contentsOf: cluster.appendingPathComponent("sweep-tiny/runs/\(run)/train.log"), encoding: .utf8)
            XCTAssertTrue(log.contains("stopped at iteration"), "the interrupted task stopped with a checkpoint:\n\(log)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: slurmFolder.appendingPathComponent("batch-3.sh").path),
                       "the warned task was requeued by Slurm, not resubmitted:\n\(s)")

        // Every run complete, with the local executor's metrics (timings aside); the same report bytes.
        let localRuns = local.appendingPathComponent("sweep-tiny/runs"), clusterRuns = cluster.appendingPathComponent("sweep-tiny/runs")
        let names = try FileManager.default.contentsOfDirectory(atPath: localRuns.path).sorted()
        XCTAssertEqual(names.count, 4)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: clusterRuns.path).sorted(), names)
        for n in names {
            let summary = try String(contentsOf: clusterRuns.appendingPathComponent("\(n)/summary.json"), encoding: .utf8)
            XCTAssertTrue(summary.contains("\"completed\""), "\(n): \(summary)")
            XCTAssertEqual(try RunMetrics.withoutTimes(clusterRuns.appendingPathComponent("\(n)/metrics.csv")),
                           try RunMetrics.withoutTimes(localRuns.appendingPathComponent("\(n)/metrics.csv")), n)
        }
        try Self.assertReportAndNoResubmission("sweep-tiny", cluster: cluster, local: local, args: args, env: env,
                                               tableRow: "| optimizer.learningRate=0.05 | 2 |")
    }

    func testUnknownPartitionShowsSlurmsMessage() throws {
        let env = try Self.slurmEnvironment()
        let data = TemporaryDirectory("masklab-slurm-part-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 40, test: 20, gzipped: true)
        let work = TemporaryDirectory("masklab-slurm-part")
        let file = work.file("tiny.json")
        try SweepCLITests.writeSweep(file)
        let r = try CommandRunner.run(["sweep", file.path, "--out", work.path, "--data", data.path, "--executor", "slurm", "--partition", "no-such-partition"],
                                      environment: env, timeout: 60)
        XCTAssertNotEqual(r.status, 0, "\(r)")
        XCTAssertTrue(r.stderr.contains("sbatch refused the job"), r.stderr)
        XCTAssertTrue(r.stderr.contains("invalid partition specified: no-such-partition"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.file("sweep-tiny").path), "nothing is written before Slurm accepts the options")
        let time = try CommandRunner.run(["sweep", file.path, "--out", work.path, "--data", data.path, "--executor", "slurm", "--time", "banana"],
                                         environment: env, timeout: 60)
        XCTAssertNotEqual(time.status, 0, "\(time)")
        XCTAssertTrue(time.stderr.contains("Invalid --time specification"), time.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.file("sweep-tiny").path))
    }

    func testSecondSubmissionWhileQueuedSubmitsNothingAndTheScriptAsksForWhatWasSet() throws {
        let env = try Self.slurmEnvironment()
        let data = TemporaryDirectory("masklab-slurm-twice-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
        let work = TemporaryDirectory("masklab-slurm-twice")
        let file = work.file("tiny.json")
        try SweepCLITests.writeSweep(file, hidden: [256], epochs: 16)
        let args = ["sweep", file.path, "--out", work.path, "--data", data.path, "--executor", "slurm", "--time", "0:10:00"]
        let first = try CommandRunner.run(args + ["--no-wait"], environment: env, timeout: 60)
        XCTAssertEqual(first.status, 0, "\(first)")
        XCTAssertTrue(first.stdout.contains("submitted job"), first.stdout)
        let second = try CommandRunner.run(args + ["--no-wait"], environment: env, timeout: 60)
        XCTAssertEqual(second.status, 0, "\(second)")
        XCTAssertFalse(second.stdout.contains("submitted job"), "a second submission while the tasks are queued: \(second.stdout)")
        XCTAssertTrue(second.stdout.contains("already pending or running in Slurm"), second.stdout)
        XCTAssertFalse(second.stdout.contains("resume "), "queued runs are not listed as resumed: \(second.stdout)")
        let slurmFolder = work.file("sweep-tiny/slurm")
        XCTAssertFalse(FileManager.default.fileExists(atPath: slurmFolder.appendingPathComponent("batch-2.sh").path))
        let script = try String(contentsOf: slurmFolder.appendingPathComponent("batch-1.sh"), encoding: .utf8)
        for line in ["#SBATCH --array=0-3", "#SBATCH --cpus-per-task=1", "#SBATCH --time=0:10:00", "#SBATCH --requeue", "#SBATCH --signal=B:USR1@120"] {
            XCTAssertTrue(script.contains(line + "\n"), "missing \(line) in\n\(script)")
        }
        // Following the queued tasks to the end writes the report; nothing was trained twice.
        let follow = try CommandRunner.run(args, environment: env, timeout: 120)
        XCTAssertEqual(follow.status, 0, "\(follow)")
        XCTAssertTrue(follow.stdout.contains("| optimizer.learningRate=0.1 | 2 |"), follow.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: slurmFolder.appendingPathComponent("batch-2.sh").path))
        for run in try FileManager.default.contentsOfDirectory(atPath: work.file("sweep-tiny/runs").path) {
            let log = try String(contentsOf: work.file("sweep-tiny/runs/\(run)/train.log"), encoding: .utf8)
            XCTAssertEqual(log.components(separatedBy: "completed:").count - 1, 1, "\(run) trained once:\n\(log)")
        }
    }
}
