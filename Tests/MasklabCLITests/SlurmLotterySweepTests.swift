import XCTest
import Foundation
import TestSupport

/// A lottery sweep (`"command": "lottery"`) through the Slurm executor against a real Slurm
/// (`scripts/slurm-local up`): every task runs `masklab lottery` to its last level; a task
/// cancelled with `scancel` in the middle of a level is resubmitted and its lottery resumes;
/// every run ends with the levels of the local executor's run (timings aside) and the same
/// report bytes; submitting the finished study again submits nothing. Without a Slurm that
/// answers, the test skips with a message (`SlurmSweepTests.slurmEnvironment`).
final class SlurmLotterySweepTests: XCTestCase {
    func testSlurmLotterySweepMatchesLocalSurvivesScancelAndIsNotSubmittedTwice() throws {
        let env = try SlurmSweepTests.slurmEnvironment()
        let data = TemporaryDirectory("masklab-slurm-lottery-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
        let work = TemporaryDirectory("masklab-slurm-lottery")
        let file = work.file("tickets.json")
        try LotterySweepCLITests.writeSweep(file, iterations: 120)
        let local = work.file("local"), cluster = work.file("slurm")

        let l = try LotterySweepCLITests.masklab(["sweep", file.path, "--out", local.path, "--data", data.path, "--executor", "local"])
        XCTAssertEqual(l.status, 0, "\(l)")

        // The Slurm sweep in the background; meanwhile one task is cancelled in the middle of a
        // pruned level (after a checkpoint of it): its lottery is frozen (SIGSTOP) while the test
        // looks and cancels, so it cannot finish in between, then continued to receive Slurm's SIGTERM.
        let args = ["sweep", file.path, "--out", cluster.path, "--data", data.path, "--executor", "slurm"]
        let sweep = CommandInBackground(args, environment: env, timeout: 240)
        let slurmFolder = cluster.appendingPathComponent("sweep-tickets/slurm")
        var cancelled: String?
        let deadline = Date().addingTimeInterval(120)
        while cancelled == nil && !sweep.hasEnded && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.02)
            guard let id = try? String(contentsOf: slurmFolder.appendingPathComponent("batch-1.job"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
                  let runs = try? String(contentsOf: slurmFolder.appendingPathComponent("batch-1.runs"), encoding: .utf8).split(separator: "\n") else { continue }
            for (task, line) in runs.enumerated() {
                let run = URL(fileURLWithPath: String(line))
                let level = run.appendingPathComponent("level_01")
                guard FileManager.default.fileExists(atPath: level.appendingPathComponent("last.safetensors").path),
                      !FileManager.default.fileExists(atPath: level.appendingPathComponent("level.json").path),
                      let pid = LotterySweepCLITests.freeze(run) else { continue }
                if !FileManager.default.fileExists(atPath: level.appendingPathComponent("level.json").path) {
                    let c = try SlurmSweepTests.slurm(["scancel", "\(id)_\(task)"], env)
                    XCTAssertEqual(c.status, 0, "\(c)")
                    cancelled = run.lastPathComponent
                }
                kill(pid, SIGCONT)
                break
            }
        }
        let s = try XCTUnwrap(sweep.wait(seconds: 260), "the Slurm sweep did not end")
        XCTAssertEqual(s.status, 0, "\(s)")
        let cancelledRun = try XCTUnwrap(cancelled, "no lottery task was caught mid-level to cancel:\n\(s)")
        XCTAssertTrue(s.stdout.contains("resubmit "), s.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: slurmFolder.appendingPathComponent("batch-2.sh").path), "the cancelled run was resubmitted")
        let log = try String(contentsOf: cluster.appendingPathComponent("sweep-tickets/runs/\(cancelledRun)/lottery.log"), encoding: .utf8)
        XCTAssertTrue(log.contains("stopped; run the same command again"), "the cancelled lottery stopped with a checkpoint:\n\(log)")

        // Every run complete, with the local executor's levels (timings aside); the same report bytes.
        let localRuns = local.appendingPathComponent("sweep-tickets/runs"), clusterRuns = cluster.appendingPathComponent("sweep-tickets/runs")
        let names = try FileManager.default.contentsOfDirectory(atPath: localRuns.path).sorted()
        XCTAssertEqual(names.count, 4)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: clusterRuns.path).sorted(), names)
        for n in names {
            XCTAssertEqual(try LotterySweepCLITests.lotteryContents(clusterRuns.appendingPathComponent(n)),
                           try LotterySweepCLITests.lotteryContents(localRuns.appendingPathComponent(n)), n)
        }
        try SlurmSweepTests.assertReportAndNoResubmission("sweep-tickets", cluster: cluster, local: local, args: args, env: env,
                                                          tableRow: "| pruneFraction=0.5 | ticket | 2 |")
    }
}
