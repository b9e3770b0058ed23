import XCTest
import Foundation
@testable import Experiments
import TestSupport

/// The Slurm task script passes `--init-from` exactly when the run's `configs/<key>.init` exists
/// (a pruning sweep's fine-tuning cells), as one argument even with a space in the path: the
/// script runs under bash with a stand-in for masklab that prints its arguments.
final class SlurmScriptInitTests: XCTestCase {
    func testInitFromReachesTheTrainCommandOnlyWhenGiven() throws {
        let dir = TemporaryDirectory("masklab slurm-script")
        let fm = FileManager.default
        let configs = dir.file("configs"), exits = dir.file("exit"), logs = dir.file("logs")
        for d in [configs, exits, logs] { try fm.createDirectory(at: d, withIntermediateDirectories: true) }
        let fake = dir.file("masklab")
        try "#!/bin/bash\nfor a in \"$@\"; do echo \"[$a]\"; done\n".write(to: fake, atomically: true, encoding: .utf8)
        try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake.path)
        let runs = [dir.file("runs/a"), dir.file("runs/b")]
        try runs.map { $0.path + "\n" }.joined().write(to: dir.file("batch-1.runs"), atomically: true, encoding: .utf8)
        try "a\nb\n".write(to: dir.file("batch-1.keys"), atomically: true, encoding: .utf8)
        try "/weights dir/last.safetensors".write(to: configs.appendingPathComponent("b.init"), atomically: true, encoding: .utf8)
        let script = SlurmScript(jobName: "t", tasks: 2, threadsPerTask: 1, time: "1:00", partition: nil, runsFile: dir.file("batch-1.runs"),
                                 keysFile: dir.file("batch-1.keys"), configs: configs, exitCodes: exits, logs: logs, executable: fake,
                                 dataRoot: dir.file("data"))
        try script.text.write(to: dir.file("batch-1.sh"), atomically: true, encoding: .utf8)
        for task in 0..<2 {
            let r = try CommandRunner.run(["bash", dir.file("batch-1.sh").path], executable: URL(fileURLWithPath: "/usr/bin/env"),
                                          environment: ["SLURM_ARRAY_TASK_ID": "\(task)", "SLURM_ARRAY_JOB_ID": "1"], timeout: 20)
            XCTAssertEqual(r.status, 0, "\(r)")
            let log = try String(contentsOf: runs[task].appendingPathComponent("train.log"), encoding: .utf8)
            if task == 0 {
                XCTAssertFalse(log.contains("[--init-from]"), log)
            } else {
                XCTAssertTrue(log.contains("[--init-from]\n[/weights dir/last.safetensors]\n[--resume]"), log)
            }
            XCTAssertEqual(try String(contentsOf: exits.appendingPathComponent(task == 0 ? "a" : "b"), encoding: .utf8), "0\n")
        }
    }
}
