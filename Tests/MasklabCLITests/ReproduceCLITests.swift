import XCTest
import Foundation
import TestSupport

/// `masklab reproduce` through the real binary: a run trained again from its folder comes out
/// identical (all epochs, or the first ones under the whole budget's schedule), a changed value
/// is found and named with exit status 2, and folders it cannot reproduce are refused.
final class ReproduceCLITests: XCTestCase {
    private func masklab(_ args: [String], tmp: TemporaryDirectory? = nil) throws -> CommandRunner.Result {
        try CommandRunner.run(args, directory: nil, environment: tmp.map { ["TMPDIR": $0.path] } ?? [:], timeout: 240)
    }

    /// Folders the reproductions left in `tmp`.
    private func leftovers(_ tmp: TemporaryDirectory) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: tmp.path).filter { $0.hasPrefix("masklab-reproduce-") }
    }

    func testAnImportanceRunReproducesAndAChangedValueIsFound() throws {
        let data = TemporaryDirectory("masklab-reproduce-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
        let out = TemporaryDirectory("masklab-reproduce-out")
        let run = out.file("run")
        let train = try masklab(["train", "--data", data.path, "--out", run.path, "--epochs", "3", "--batch-size", "32", "--hidden", "16",
                                 "--threads", "1", "--seed", "5", "--lr", "0.05", "--mask", "importance", "--keep", "0.3",
                                 "--importance-steps", "3", "--importance-refresh-iterations", "4"])
        XCTAssertEqual(train.status, 0, "\(train)")

        let tmp = TemporaryDirectory("masklab-reproduce-tmp")
        let all = try masklab(["reproduce", run.path, "--data", data.path, "--quiet"], tmp: tmp)
        XCTAssertEqual(all.status, 0, "\(all)")
        XCTAssertTrue(all.stdout.contains("identical over all 3 epochs"), all.stdout)
        for file in ["metrics.csv", "importance.csv", "importance_histograms.csv", "masks.csv"] {
            XCTAssertTrue(all.stdout.contains("\(file): "), "compares \(file): \(all.stdout)")
        }
        XCTAssertTrue(all.stdout.contains("metrics.csv: 3 rows × 11 columns, identical (timings left out: images_per_second, train_seconds, wall_seconds)"), all.stdout)
        XCTAssertFalse(all.stdout.contains("another CPU") || all.stdout.contains("another commit") || all.stdout.contains("more than one binary"),
                       "same binary and machine: no caveat but (in a work tree with changes) the uncommitted code: \(all.stdout)")
        XCTAssertEqual(try leftovers(tmp), [], "an identical reproduction removes its temporary folder")

        // The first epoch only, under the 3-epoch schedule: stopped, not shortened (a 1-epoch
        // budget would decay the learning rate within the epoch and differ).
        let one = try masklab(["reproduce", run.path, "--data", data.path, "--quiet", "--epochs", "1", "--out", out.file("one").path])
        XCTAssertEqual(one.status, 0, "\(one)")
        XCTAssertTrue(one.stdout.contains("identical through epoch 1"), one.stdout)
        let rows = try String(contentsOf: out.file("one/metrics.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.count, 2, "header + epoch 1: \(rows)")
        let status = try JSONSerialization.jsonObject(with: Data(contentsOf: out.file("one/summary.json"))) as? [String: Any]
        XCTAssertEqual(status?["status"] as? String, "stopped")

        // One value of the committed record changed in its last digit: found, named, exit 2, folder kept.
        let metrics = run.appendingPathComponent("metrics.csv")
        var lines = try String(contentsOf: metrics, encoding: .utf8).components(separatedBy: "\n")
        var fields = lines[2].components(separatedBy: ",")
        let header = lines[0].components(separatedBy: ",")
        let c = try XCTUnwrap(header.firstIndex(of: "test_loss"))
        let changed = fields[c].dropLast() + (fields[c].last == "1" ? "2" : "1")
        fields[c] = String(changed)
        lines[2] = fields.joined(separator: ",")
        try lines.joined(separator: "\n").write(to: metrics, atomically: true, encoding: .utf8)
        let bad = try masklab(["reproduce", run.path, "--data", data.path, "--quiet"], tmp: tmp)
        XCTAssertEqual(bad.status, 2, "\(bad)")
        XCTAssertTrue(bad.stdout.contains("metrics.csv: 3 rows × 11 columns, DIFFERENT: 1 of 33 values differ; first at row 2 (epoch 2), test_loss: \(changed) →"), bad.stdout)
        XCTAssertTrue(bad.stdout.contains("DIFFERENT over all 3 epochs"), bad.stdout)
        XCTAssertEqual(try leftovers(tmp).count, 1, "a different reproduction keeps its folder for a look")

        // The record cut short in its last row: a damaged file (exit 1, naming the line), not a
        // "DIFFERENT" verdict about the code, and nothing is trained.
        let whole = try String(contentsOf: metrics, encoding: .utf8)
        try String(whole.prefix(whole.count - 30)).write(to: metrics, atomically: true, encoding: .utf8)
        let cut = try masklab(["reproduce", run.path, "--data", data.path, "--quiet"], tmp: tmp)
        XCTAssertEqual(cut.status, 1, "\(cut)")
        XCTAssertTrue(cut.stderr.contains("line 4 has") && cut.stderr.contains("the record is damaged"), cut.stderr)
        XCTAssertFalse(cut.stdout.contains("DIFFERENT"), cut.stdout)
        XCTAssertEqual(try leftovers(tmp).count, 1, "nothing trained")
        try whole.write(to: metrics, atomically: true, encoding: .utf8)

        // Out of range, not a run folder, another command's folder: refused before training.
        let range = try masklab(["reproduce", run.path, "--data", data.path, "--epochs", "4"])
        XCTAssertEqual(range.status, 64, "\(range)")
        XCTAssertTrue(range.stderr.contains("--epochs: must be within 1…3"), range.stderr)
        // --init-from for a run that never started from one is refused, not used (a run ended DIFFERENT before).
        let initFrom = try masklab(["reproduce", run.path, "--data", data.path, "--init-from", run.appendingPathComponent("last.safetensors").path])
        XCTAssertEqual(initFrom.status, 64, "\(initFrom)")
        XCTAssertTrue(initFrom.stderr.contains("the run did not start from --init-from"), initFrom.stderr)
        // --out naming another run: refused, and that run is not called the reproduction.
        let onto = try masklab(["reproduce", run.path, "--data", data.path, "--out", run.path])
        XCTAssertEqual(onto.status, 64, "\(onto)")
        XCTAssertFalse(onto.stdout.contains("reproduction"), "refused before the folder is named the reproduction: \(onto.stdout)")
        let empty = try masklab(["reproduce", out.path, "--data", data.path])
        XCTAssertEqual(empty.status, 1, "\(empty)")
        XCTAssertTrue(empty.stderr.contains("not a run folder: it has no config.json"), empty.stderr)
        try Data("{}".utf8).write(to: out.file("compare.json"))
        let foreign = try masklab(["reproduce", out.path, "--data", data.path])
        XCTAssertEqual(foreign.status, 1, "\(foreign)")
        XCTAssertTrue(foreign.stderr.contains("belongs to `masklab compare`"), foreign.stderr)
    }

    /// A run started with a relative --init-from reproduces from anywhere: command.txt records
    /// the directory it started in (before, the path was read from the current folder).
    func testARelativeInitFromIsReadFromTheDirectoryTheRunStartedIn() throws {
        let data = TemporaryDirectory("masklab-repro-relative-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
        let out = TemporaryDirectory("masklab-repro-relative")
        let common = ["--data", data.path, "--iterations", "4", "--batch-size", "32", "--hidden", "8", "--threads", "1", "--quiet"]
        for (name, extra) in [("w", [String]()), ("r", ["--init-from", "w/last.safetensors"])] {
            let r = try CommandRunner.run(["train", "--out", name] + common + extra, directory: out.url, environment: [:], timeout: 240)
            XCTAssertEqual(r.status, 0, "\(r)")
        }
        let again = try masklab(["reproduce", out.file("r").path, "--data", data.path])
        XCTAssertEqual(again.status, 0, "\(again)")
        XCTAssertTrue(again.stdout.contains("identical"), again.stdout)
    }

    /// Ctrl-C stops a reproduction: exit status 130, nothing compared, and its temporary folder
    /// removed. (A second Ctrl-C quits at once and removes it too, through `beforeExit`; two
    /// signals sent together reach the handler as one, so that path is not driven here.)
    func testCtrlCRemovesTheTemporaryReproduction() throws {
        let data = TemporaryDirectory("masklab-reproduce-int-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 2000, test: 60, gzipped: true)
        let out = TemporaryDirectory("masklab-reproduce-int-out")
        let run = out.file("run")
        let train = try masklab(["train", "--data", data.path, "--out", run.path, "--epochs", "30", "--batch-size", "10", "--hidden", "300,100",
                                 "--threads", "1", "--quiet"])
        XCTAssertEqual(train.status, 0, "\(train)")
        let tmp = TemporaryDirectory("masklab-reproduce-int-tmp")
        let p = Process()
        p.executableURL = CommandRunner.masklab
        p.arguments = ["reproduce", run.path, "--data", data.path, "--quiet"]
        p.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": tmp.path]) { $1 }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        // Training has started once the reproduction's folder holds its lock.
        let deadline = Date().addingTimeInterval(60)
        var folder: URL?
        while folder == nil && Date() < deadline && p.isRunning {
            folder = try leftovers(tmp).first.map { tmp.url.appendingPathComponent($0) }.flatMap {
                FileManager.default.fileExists(atPath: $0.appendingPathComponent(".lock").path) ? $0 : nil
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        XCTAssertNotNil(folder, "the reproduction started training")
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 130)
        XCTAssertEqual(try leftovers(tmp), [], "no temporary reproduction is left behind")
    }

    /// Lottery levels train from the lottery's θ0 and the level's mask; a fresh clone has neither
    /// `init.safetensors` nor a random branch's mask (git ignores *.safetensors), and both are
    /// rebuilt: θ0 from the seed, the random mask from the ticket's.
    func testLotteryLevelsAndBranchesReproduceFromTheFilesAFreshCloneHas() throws {
        let data = TemporaryDirectory("masklab-reproduce-lottery-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
        let out = TemporaryDirectory("masklab-reproduce-lottery-out")
        let chain = out.file("chain")
        let lottery = try masklab(["lottery", "--data", data.path, "--levels", "1", "--prune", "0.5", "--branches", "random,reinit",
                                   "--iterations", "16", "--batch-size", "32", "--hidden", "16", "--validation", "40", "--eval-every", "4",
                                   "--threads", "1", "--seed", "3", "--out", chain.path])
        XCTAssertEqual(lottery.status, 0, "\(lottery)")
        let levelResult = try String(contentsOf: chain.appendingPathComponent("level_01/level.json"), encoding: .utf8)
        try FileManager.default.removeItem(at: chain.appendingPathComponent("init.safetensors"))
        for mask in ["level_00", "level_01/random", "level_01/reinit"] {   // rebuilt: all weights, the ticket's drawn again, the ticket's
            try FileManager.default.removeItem(at: chain.appendingPathComponent("\(mask)/mask.safetensors"))
        }

        for level in ["level_00", "level_01", "level_01/random", "level_01/reinit"] {
            let r = try masklab(["reproduce", chain.appendingPathComponent(level).path, "--data", data.path, "--quiet"])
            XCTAssertEqual(r.status, 0, "\(level): \(r)")
            XCTAssertTrue(r.stdout.contains("validation.csv: 4 rows × 5 columns, identical"), "\(level): \(r.stdout)")
            XCTAssertTrue(r.stdout.contains("level.json: 1 row × "), "\(level): \(r.stdout)")
            XCTAssertTrue(r.stdout.contains("sparsity.csv: "), "the rebuilt mask's counts are compared: \(r.stdout)")
            XCTAssertTrue(r.stdout.contains("identical over all"), "\(level): \(r.stdout)")
        }
        XCTAssertEqual(try String(contentsOf: chain.appendingPathComponent("level_01/level.json"), encoding: .utf8), levelResult,
                       "the original is only read")
        let root = try masklab(["reproduce", chain.path, "--data", data.path])
        XCTAssertEqual(root.status, 1, "\(root)")
        XCTAssertTrue(root.stderr.contains("belongs to `masklab lottery`") && root.stderr.contains("LOTTERY/level_NN"), root.stderr)
    }
}
