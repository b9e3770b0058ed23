import XCTest
import Foundation
@testable import Experiments
import TestSupport

/// A Slurm task runs exactly its job's command line (`StudyJob.arguments`): the script the Slurm
/// executor writes runs under bash with a stand-in for masklab that prints its arguments, for a
/// training run that starts from given weights (a pruning sweep's fine-tuning cell; a space in
/// the path stays one argument), a plain training run and a lottery run; each task's output goes
/// to `<subcommand>.log` in its folder and its exit status to `exit/<key>`.
final class SlurmScriptArgumentsTests: XCTestCase {
    func testEachTaskRunsItsJobsCommandLine() throws {
        let dir = TemporaryDirectory("masklab slurm-script")
        let fm = FileManager.default
        let fake = dir.file("masklab")
        try "#!/bin/bash\nfor a in \"$@\"; do echo \"[$a]\"; done\n".write(to: fake, atomically: true, encoding: .utf8)
        try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake.path)
        var lottery = LotteryConfig()
        lottery.levels = 2
        let jobs = [
            StudyJob(label: "a", config: RunConfig(), layout: RunLayout(directory: dir.file("study/runs/a"))),
            StudyJob(label: "b", config: RunConfig(), layout: RunLayout(directory: dir.file("study/runs/b")),
                     initFrom: URL(fileURLWithPath: "/weights dir/last.safetensors")),
            StudyJob(label: "c", work: .lottery(lottery), directory: dir.file("study/runs/c")),
        ]
        let study = Study(name: "t", directory: dir.file("study"), jobs: jobs, threadsPerJob: 1)
        let slurm = SlurmExecutor(study: study, options: .init(), executable: fake, dataRoot: dir.file("data")) { _ in }
        let script = study.slurm.appendingPathComponent("batch-1.sh")
        try slurm.writeSubmission(jobs, script: script, runsFile: study.slurm.appendingPathComponent("batch-1.runs"),
                                  keysFile: study.slurm.appendingPathComponent("batch-1.keys"))
        for (task, job) in jobs.enumerated() {
            let r = try CommandRunner.run(["bash", script.path], executable: URL(fileURLWithPath: "/usr/bin/env"),
                                          environment: ["SLURM_ARRAY_TASK_ID": "\(task)", "SLURM_ARRAY_JOB_ID": "1"], timeout: 20)
            XCTAssertEqual(r.status, 0, "\(r)")
            let config = study.slurm.appendingPathComponent("configs/\(study.key(job)).json").path
            let expected = job.arguments(configFile: config, dataRoot: dir.file("data").path).map { "[\($0)]\n" }.joined()
            XCTAssertEqual(try String(contentsOf: job.log, encoding: .utf8), expected, job.label)
            XCTAssertEqual(try String(contentsOf: study.slurm.appendingPathComponent("exit/\(study.key(job))"), encoding: .utf8), "0\n")
        }
        XCTAssertEqual(jobs.map(\.log.lastPathComponent), ["train.log", "train.log", "lottery.log"])
        let b = try String(contentsOf: jobs[1].log, encoding: .utf8)
        XCTAssertTrue(b.hasPrefix("[train]\n[--config]\n"), b)
        XCTAssertTrue(b.hasSuffix("[--init-from]\n[/weights dir/last.safetensors]\n[--resume]\n[--quiet]\n"), b)
        XCTAssertFalse(try String(contentsOf: jobs[0].log, encoding: .utf8).contains("[--init-from]"))
        let c = try String(contentsOf: jobs[2].log, encoding: .utf8)
        XCTAssertEqual(c, "[lottery]\n[--config]\n[\(study.slurm.path)/configs/c.json]\n[--out]\n[\(jobs[2].directory.path)]\n[--data]\n[\(dir.file("data").path)]\n")
        XCTAssertEqual(try JSONDecoder().decode(LotteryConfig.self, from: Data(contentsOf: study.slurm.appendingPathComponent("configs/c.json"))), lottery,
                       "the config a lottery task reads is the job's")
    }
}
