import XCTest
import Foundation
import TestSupport

/// `masklab compare` end to end through the real binary on a tiny generated MNIST: the runs, the
/// report files, equal expected drop counts, skipping completed runs and resuming partial ones.
final class CompareCLITests: XCTestCase {
    private func masklab(_ args: [String]) throws -> CommandRunner.Result {
        try CommandRunner.run(args, directory: nil, environment: [:], timeout: 300)
    }

    private func writeConfig(_ url: URL, seeds: [Int], learningRate: Double = 0.05) throws {
        let config: [String: Any] = [
            "name": "tiny", "seeds": seeds, "targetAccuracy": 0.2, "jobs": 2, "threadsPerJob": 1,
            "base": ["model": "mlp", "modelOptions": ["hidden": [16]], "dataset": "mnist", "batchSize": 32, "budget": ["epochs": 2],
                     "optimizer": ["name": "sgd", "learningRate": learningRate],
                     "masks": ["keep": 0.4, "target": "gradients", "scaling": "none",
                               "importance": ["steps": 3, "eta": 0.5, "refreshIterations": 4]]],
        ]
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted]).write(to: url)
    }

    private func expectedKept(_ url: URL) throws -> Double {
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        let all = try XCTUnwrap(lines.first { $0.split(separator: ",")[2] == "all" }, "no 'all' row in \(url.path)")
        return try XCTUnwrap(Double(all.split(separator: ",")[4]))
    }

    /// A generated MNIST of `train` + `test` images, an output folder and the tiny config for seed 1
    /// in it; the folders live as long as the returned values.
    private func tinyStudy(_ tag: String, train: Int, test: Int) throws -> (data: TemporaryDirectory, out: TemporaryDirectory, config: URL) {
        let data = TemporaryDirectory("masklab-compare-cli-\(tag)-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: train, test: test, gzipped: true)
        let out = TemporaryDirectory("masklab-compare-cli-\(tag)")
        let config = out.file("tiny.json")
        try writeConfig(config, seeds: [1])
        return (data, out, config)
    }

    func testCompareRunsReportsSkipsAndResumes() throws {
        let (data, out, config) = try tinyStudy("out", train: 240, test: 60)

        let first = try masklab(["compare", config.path, "--data", data.path, "--out", out.path])
        XCTAssertEqual(first.status, 0, "\(first)")
        let root = out.file("compare-tiny")
        for arm in ["baseline", "dropconnect", "impacts", "impacts+reg"] {
            let summary = try String(contentsOf: root.appendingPathComponent("runs/\(arm)/seed-1/summary.json"), encoding: .utf8)
            XCTAssertTrue(summary.contains("\"completed\""), "\(arm): \(summary)")
        }
        for f in ["REPORT.md", "summary.csv", "welch.csv", "epochs.csv", "accuracy.svg", "loss.svg", "histograms-impacts.svg",
                  "histograms-impacts+reg.svg", "command.txt", "compare.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: root.appendingPathComponent(f).path), "missing \(f)")
        }
        // A child's --config is a temporary file of the study: command.txt says where the settings stay.
        let childCommand = try String(contentsOf: root.appendingPathComponent("runs/baseline/seed-1/command.txt"), encoding: .utf8)
        let savedConfig = root.appendingPathComponent("runs/baseline/seed-1/config.json").path
        XCTAssertTrue(childCommand.contains("config: the --config file is the launching study's temporary copy of \(savedConfig)"), childCommand)
        XCTAssertTrue(childCommand.contains("run again with --config \(savedConfig)"), childCommand)

        // The three dropping arms drop the same expected number of weights (masks.csv, "all" row).
        let kept = try ["dropconnect", "impacts", "impacts+reg"].map { try expectedKept(root.appendingPathComponent("runs/\($0)/seed-1/masks.csv")) }
        XCTAssertEqual(kept[0], 0.4 * Double(784 * 16 + 16 * 10), accuracy: 0.01)
        for k in kept { XCTAssertEqual(k, kept[0], accuracy: 0.01 * kept[0] / 1000, "expected kept differ: \(kept)") }
        let report = try String(contentsOf: root.appendingPathComponent("REPORT.md"), encoding: .utf8)
        XCTAssertTrue(report.contains("drop the same expected number of weights"), report)
        XCTAssertTrue(report.contains("| impacts+reg |") && report.contains("Welch"), report)

        // Add a seed and mark one finished run as interrupted: completed runs are skipped, the
        // partial one resumes from its checkpoint (which is at the end: its metrics stay as they were).
        let baselineMetrics = root.appendingPathComponent("runs/baseline/seed-1/metrics.csv")
        let before = try String(contentsOf: baselineMetrics, encoding: .utf8)
        let stamp = try FileManager.default.attributesOfItem(atPath: baselineMetrics.path)[.modificationDate] as? Date
        let dcSummary = root.appendingPathComponent("runs/dropconnect/seed-1/summary.json")
        let dcMetrics = try String(contentsOf: root.appendingPathComponent("runs/dropconnect/seed-1/metrics.csv"), encoding: .utf8)
        try String(contentsOf: dcSummary, encoding: .utf8).replacingOccurrences(of: "\"completed\"", with: "\"stopped\"")
            .write(to: dcSummary, atomically: true, encoding: .utf8)
        try writeConfig(config, seeds: [1, 2])
        let second = try masklab(["compare", config.path, "--data", data.path, "--out", out.path])
        XCTAssertEqual(second.status, 0, "\(second)")
        XCTAssertTrue(second.stdout.contains("skipping 3 completed run(s)"), second.stdout)
        XCTAssertTrue(second.stdout.contains("resume  dropconnect seed 1"), second.stdout)
        XCTAssertFalse(second.stdout.contains("start   dropconnect seed 1"), "one line per launch, which says resume: \(second.stdout)")
        XCTAssertEqual(second.stdout.components(separatedBy: "dropconnect seed 1").count - 1, 2, "resume, then done: \(second.stdout)")
        XCTAssertFalse(second.stdout.contains("start   baseline seed 1"), second.stdout)
        XCTAssertTrue(second.stdout.contains("start   baseline seed 2"), second.stdout)
        XCTAssertEqual(try String(contentsOf: baselineMetrics, encoding: .utf8), before)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: baselineMetrics.path)[.modificationDate] as? Date, stamp,
                       "a completed run must not be touched")
        XCTAssertTrue(try String(contentsOf: dcSummary, encoding: .utf8).contains("\"completed\""))
        XCTAssertEqual(try String(contentsOf: root.appendingPathComponent("runs/dropconnect/seed-1/metrics.csv"), encoding: .utf8), dcMetrics)
        let summary = try String(contentsOf: root.appendingPathComponent("summary.csv"), encoding: .utf8)
        XCTAssertTrue(summary.contains("baseline,final test acc,2,"), summary)

        // --report-only regenerates the report without training.
        try FileManager.default.removeItem(at: root.appendingPathComponent("REPORT.md"))
        let report2 = try masklab(["compare", config.path, "--out", out.path, "--report-only"])
        XCTAssertEqual(report2.status, 0, "\(report2)")
        XCTAssertFalse(report2.stdout.contains("start "), report2.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: root.appendingPathComponent("REPORT.md").path))

        // A run folder with another configuration is refused, not overwritten.
        try writeConfig(config, seeds: [1, 2], learningRate: 0.07)
        let conflict = try masklab(["compare", config.path, "--data", data.path, "--out", out.path])
        XCTAssertNotEqual(conflict.status, 0)
        XCTAssertTrue(conflict.stderr.contains("different configuration (optimizer.learningRate 0.05 in the folder, 0.07 here)"), conflict.stderr)
    }

    /// A pre-registered comparison (with "analysis") reports progress only while a run is
    /// missing: no accuracy, no test, no table or plot file (earlier ones are removed), the
    /// declared seed-extension rule applied from σ_d alone; `--unblind` writes the full report,
    /// marked as an interim; once every run is complete the full report is back.
    func testPreRegisteredComparisonStaysBlindUntilComplete() throws {
        let data = TemporaryDirectory("masklab-compare-blind-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
        let out = TemporaryDirectory("masklab-compare-blind-out")
        let config = out.file("blind.json")
        let json: [String: Any] = [
            "name": "blind", "seeds": [1, 2], "targetAccuracy": 0.2, "jobs": 2, "threadsPerJob": 1,
            "arms": [["name": "baseline", "masks": NSNull()], ["name": "dropconnect", "masks": ["name": "dropconnect"]]],
            "base": ["model": "mlp", "modelOptions": ["hidden": [16]], "dataset": "mnist", "batchSize": 32, "budget": ["epochs": 2],
                     "optimizer": ["name": "sgd", "learningRate": 0.05], "masks": ["keep": 0.4]],
            "analysis": ["endpoints": [["metric": "testAccuracy", "epoch": "final"]], "contrasts": [["dropconnect", "baseline"]],
                         "reference": "baseline", "margin": 0.01,
                         "extension": ["afterSeeds": 2, "plannedSeeds": 2, "contrast": 1, "targetEffect": 1e-9, "maxSeeds": 5]],
        ]
        try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted]).write(to: config)
        let full = try masklab(["compare", config.path, "--data", data.path, "--out", out.path])
        XCTAssertEqual(full.status, 0, "\(full)")
        let root = out.file("compare-blind")
        let tables = ["summary.csv", "paired.csv", "paired.svg", "paired-accuracy.svg", "welch.csv", "epochs.csv", "accuracy.svg", "loss.svg"]
        for f in tables { XCTAssertTrue(FileManager.default.fileExists(atPath: root.appendingPathComponent(f).path), "missing \(f)") }
        let complete = try String(contentsOf: root.appendingPathComponent("REPORT.md"), encoding: .utf8)
        XCTAssertTrue(complete.contains("## Primary analysis"), complete)

        // Mark one run as interrupted and remove another's summary (a run killed or still running:
        // its log's last line shows test accuracy): the report goes blind, the tables and plots
        // disappear, and no accuracy appears anywhere in it.
        let summary = root.appendingPathComponent("runs/dropconnect/seed-2/summary.json")
        let saved = try String(contentsOf: summary, encoding: .utf8)
        try saved.replacingOccurrences(of: "\"completed\"", with: "\"stopped\"").write(to: summary, atomically: true, encoding: .utf8)
        let killed = root.appendingPathComponent("runs/baseline/seed-2/summary.json")
        let killedSaved = try String(contentsOf: killed, encoding: .utf8)
        try FileManager.default.removeItem(at: killed)
        let log = root.appendingPathComponent("runs/baseline/seed-2/train.log")
        try (String(contentsOf: log, encoding: .utf8) + "epoch 2/2  test_acc 0.4321  test_loss 1.2345\n").write(to: log, atomically: true, encoding: .utf8)
        let blind = try masklab(["compare", config.path, "--out", out.path, "--report-only"])
        XCTAssertEqual(blind.status, 0, "\(blind)")
        XCTAssertTrue(blind.stdout.contains("the report is blinded"), blind.stdout)
        let blindReport = try String(contentsOf: root.appendingPathComponent("REPORT.md"), encoding: .utf8)
        XCTAssertTrue(blindReport.contains("blinded interim (2 of 4 runs ended)"), blindReport)
        XCTAssertTrue(blindReport.contains("| arm | runs ended | seeds ended | seeds not ended |"), blindReport)
        XCTAssertTrue(blindReport.contains("| dropconnect | 1 of 2 | 1 | 2 |") && blindReport.contains("| baseline | 1 of 2 | 1 | 2 |"), blindReport)
        XCTAssertTrue(blindReport.contains("`baseline/seed-2`: no summary yet"), blindReport)
        let decimals = try NSRegularExpression(pattern: "[0-9]\\.[0-9]{3,}")
        XCTAssertEqual(decimals.numberOfMatches(in: blindReport, range: NSRange(blindReport.startIndex..., in: blindReport)), 0,
                       "a number with 3+ decimals in the blinded report: \(blindReport)")
        let accuracies = try ["baseline", "dropconnect"].map { arm -> String in
            let rows = try String(contentsOf: root.appendingPathComponent("runs/\(arm)/seed-1/metrics.csv"), encoding: .utf8).split(separator: "\n")
            let header = rows[0].split(separator: ","), last = rows[rows.count - 1].split(separator: ",")
            return String(last[try XCTUnwrap(header.firstIndex(of: "test_accuracy"))])
        }
        for hidden in ["## Primary analysis", "Welch", "accuracy.svg"] + accuracies {
            XCTAssertFalse(blindReport.contains(hidden), "the blinded report shows \(hidden): \(blindReport)")
        }
        for f in tables { XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent(f).path), "\(f) left behind") }
        XCTAssertTrue(blindReport.contains("**Not yet applicable:** waiting for baseline/seed-2, dropconnect/seed-2"), blindReport)

        // --unblind: the full report, marked.
        let unblind = try masklab(["compare", config.path, "--out", out.path, "--report-only", "--unblind"])
        XCTAssertEqual(unblind.status, 0, "\(unblind)")
        let interim = try String(contentsOf: root.appendingPathComponent("REPORT.md"), encoding: .utf8)
        XCTAssertTrue(interim.contains("**Unblinded interim**") && interim.contains("## Primary analysis"), interim)

        // Restored: every run of the config has ended, but the declared rule (target 1e-9) asks
        // for more seeds than the 2 the config holds, so the declared study has not ended and the
        // report stays blind (unless σ_d = 0, possible on 60 test images: then the full report).
        try saved.write(to: summary, atomically: true, encoding: .utf8)
        try killedSaved.write(to: killed, atomically: true, encoding: .utf8)
        let back = try masklab(["compare", config.path, "--out", out.path, "--report-only"])
        XCTAssertEqual(back.status, 0, "\(back)")
        let restored = try String(contentsOf: root.appendingPathComponent("REPORT.md"), encoding: .utf8)
        if restored.contains("**extend to 5 seeds**") {
            XCTAssertTrue(restored.contains("blinded interim (4 of 4 runs ended)") && restored.contains("its seed-extension rule asks for 5 seeds"), restored)
            XCTAssertFalse(restored.contains("## Primary analysis"), restored)
        } else {
            XCTAssertTrue(restored.contains("## Primary analysis") && restored.contains("### Seed-extension rule") && restored.contains("**no extension**"), restored)
        }
        var three = json
        three["seeds"] = [1, 2, 3]
        try JSONSerialization.data(withJSONObject: three, options: [.prettyPrinted]).write(to: config)
        let planned = try masklab(["compare", config.path, "--out", out.path, "--report-only"])
        XCTAssertEqual(planned.status, 0, "\(planned)")
        let rule = try String(contentsOf: root.appendingPathComponent("REPORT.md"), encoding: .utf8)
        XCTAssertTrue(rule.contains("**Applied:** σ_d = ") && rule.contains("over 2 seeds; with the 2 planned seeds"), rule)
        // A target of 1e-9 needs more seeds than the 5 allowed unless the two differences are equal
        // (σ_d = 0, possible on 60 test images); the decision itself is tested in SeedExtensionRuleTests.
        XCTAssertTrue(rule.contains("**extend to 5 seeds**") && rule.contains("The config holds 3: add 2 seed(s)")
                      || rule.contains("σ_d = 0 over 2 seeds") && rule.contains("**no extension**") && rule.contains("more than the rule asks"), rule)
        XCTAssertFalse(rule.contains("## Primary analysis"), rule)
    }

    func testUnknownExecutorAndMissingSbatchAreClearErrors() throws {
        let out = TemporaryDirectory("masklab-compare-cli-executor")
        let config = out.file("tiny.json")
        try writeConfig(config, seeds: [1])
        let data = TemporaryDirectory("masklab-compare-cli-executor-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 40, test: 20, gzipped: true)
        let args = ["compare", config.path, "--data", data.path, "--out", out.path]

        let cloud = try masklab(args + ["--executor", "cloud"])
        XCTAssertNotEqual(cloud.status, 0, "\(cloud)")
        XCTAssertTrue(cloud.stderr.contains("'cloud'") && cloud.stderr.contains("'local'") && cloud.stderr.contains("'slurm'"),
                      "the valid executors are listed: \(cloud.stderr)")

        let noSlurm = try CommandRunner.run(args + ["--executor", "slurm"], environment: ["PATH": out.path], timeout: 60)
        XCTAssertNotEqual(noSlurm.status, 0, "\(noSlurm)")
        XCTAssertTrue(noSlurm.stderr.contains("sbatch not found on PATH"), noSlurm.stderr)
        XCTAssertTrue(noSlurm.stderr.contains("--executor local"), noSlurm.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.file("compare-tiny").path), "nothing written")
    }

    /// A study moved to another machine part-way: the seed whose `baseline` ran elsewhere is
    /// refused before anything trains (the missing arm is not started), naming the seed, the run,
    /// both machines and the flag; --allow-mixed-machines trains it and the report names the seed.
    func testASeedIsNotLeftOnTwoMachinesUnlessAllowed() throws {
        let (data, out, config) = try tinyStudy("machines", train: 120, test: 40)
        let args = ["compare", config.path, "--data", data.path, "--out", out.path]
        let first = try masklab(args)
        XCTAssertEqual(first.status, 0, "\(first)")
        let runs = out.file("compare-tiny/runs")
        // `baseline` seed 1 as if it had run on another machine; `impacts+reg` seed 1 not yet run.
        let command = runs.appendingPathComponent("baseline/seed-1/command.txt")
        var text = try String(contentsOf: command, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            if line.hasPrefix("machine: ") { return "machine: Linux 6.18.44-fc-v595 x86_64, Intel(R) Xeon(R) Processor, 2 cores" }
            if line.hasPrefix("blas: ") { return "blas: OpenBLAS 0.3.21 SkylakeX" }
            return String(line)
        }
        text = lines.joined(separator: "\n")
        try text.write(to: command, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(at: runs.appendingPathComponent("impacts+reg/seed-1"))

        let refused = try masklab(args)
        XCTAssertNotEqual(refused.status, 0, "\(refused)")
        // (" · fused Winograd" follows the kernel set on a CPU with AVX-512: the edited command.txt keeps its `winograd:` line.)
        XCTAssertTrue(refused.stderr.contains("seed 1: baseline ran on Intel(R) Xeon(R) Processor · OpenBLAS 0.3.21 SkylakeX"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("; impacts+reg would train here on"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("--allow-mixed-machines") && refused.stderr.contains("Nothing was run or written"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: runs.appendingPathComponent("impacts+reg/seed-1").path), "nothing trained")

        let allowed = try masklab(args + ["--allow-mixed-machines"])
        XCTAssertEqual(allowed.status, 0, "\(allowed)")
        let summary = try String(contentsOf: runs.appendingPathComponent("impacts+reg/seed-1/summary.json"), encoding: .utf8)
        XCTAssertTrue(summary.contains("\"completed\""), summary)
        let report = try String(contentsOf: out.file("compare-tiny/REPORT.md"), encoding: .utf8)
        XCTAssertTrue(report.contains("the arms of seed 1 ran on more than one"), report)
    }
}
