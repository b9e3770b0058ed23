import XCTest
import Foundation
import TestSupport

/// `masklab prune`, `lottery --criterion` and `train --mask prune` through the real binary on a
/// tiny generated MNIST.
final class PruneCLITests: XCTestCase {
    private func masklab(_ args: [String]) throws -> CommandRunner.Result {
        try CommandRunner.run(args, directory: nil, environment: [:], timeout: 240)
    }

    private let base = ["--iterations", "8", "--batch-size", "32", "--hidden", "16", "--validation", "40", "--eval-every", "4",
                        "--threads", "1", "--seed", "3"]

    func testLotteryWithACriterionThenOneShotPruneOfItsCheckpoint() throws {
        let data = TemporaryDirectory("masklab-prune-cli-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
        let out = TemporaryDirectory("masklab-prune-cli-out")

        // Every level and the random control pruned by SNIP.
        let l = try masklab(["lottery", "--data", data.path, "--levels", "1", "--prune", "0.5", "--criterion", "snip", "--branches", "random",
                             "--out", out.file("snip").path] + base)
        XCTAssertEqual(l.status, 0, "\(l)")
        let sparsity = try String(contentsOf: out.file("snip/level_01/sparsity.csv"), encoding: .utf8)
        XCTAssertTrue(sparsity.contains("fc1.weight,12544,6272,6272,0.500000") && sparsity.contains("fc2.weight,160,120,40,0.750000"), sparsity)
        XCTAssertTrue(try String(contentsOf: out.file("snip/lottery.json"), encoding: .utf8).contains("\"selection\" : \"snip\""))
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.file("snip/level_01/random/level.json").path))
        let unknown = try masklab(["lottery", "--data", data.path, "--criterion", "snipp", "--out", out.file("bad").path] + base)
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("snipp") && unknown.stderr.contains("magnitude, random, movement, movement-signed, snip, grasp, synflow, obd, importance"),
                      unknown.stderr)

        // One-shot GraSP on the dense level's checkpoint.
        let p = try masklab(["prune", out.file("snip/level_00").path, "--data", data.path, "--criterion", "grasp", "--keep", "0.3",
                             "--keep-output", "0.5", "--out", out.file("grasp").path, "--threads", "1"])
        XCTAssertEqual(p.status, 0, "\(p)")
        XCTAssertTrue(p.stdout.contains("grasp: kept"), p.stdout)
        let s = try String(contentsOf: out.file("grasp/sparsity.csv"), encoding: .utf8)
        XCTAssertTrue(s.contains("fc1.weight,12544,3763,") && s.contains("fc2.weight,160,80,"), s)
        let report = try String(contentsOf: out.file("grasp/prune.json"), encoding: .utf8)
        XCTAssertTrue(report.contains("\"criterion\" : \"grasp\"") && report.contains("\"kept\" : 3843"), report)
        // command.txt and prune.json say which state of the run the weights were: its position and status.
        let command = try String(contentsOf: out.file("grasp/command.txt"), encoding: .utf8)
        XCTAssertTrue(command.contains("weights: \(out.file("snip/level_00/last.safetensors").path) (") && command.contains("checkpoint at epoch")
                      && command.contains("run completed"), command)
        XCTAssertTrue(report.contains("\"weightsRead\""), report)
        XCTAssertFalse(p.stdout.contains("warning:"), p.stdout)
        // Weights of a run that has not finished: a warning, and the record says so.
        try FileManager.default.copyItem(at: out.file("snip/level_00"), to: out.file("unfinished"))
        try FileManager.default.removeItem(at: out.file("unfinished/summary.json"))
        let u = try masklab(["prune", out.file("unfinished").path, "--criterion", "magnitude", "--keep", "0.3", "--out", out.file("um").path])
        XCTAssertEqual(u.status, 0, "\(u)")
        XCTAssertTrue(u.stdout.contains("warning: the weights") && u.stdout.contains("has not finished"), u.stdout)
        XCTAssertTrue(try String(contentsOf: out.file("um/command.txt"), encoding: .utf8).contains("run unfinished (no summary.json)"))
        // The same command again refuses to overwrite; the mask trains as a transferred ticket.
        let again = try masklab(["prune", out.file("snip/level_00").path, "--data", data.path, "--criterion", "grasp", "--keep", "0.3",
                                 "--out", out.file("grasp").path])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("--overwrite"), again.stderr)
        let t = try masklab(["lottery", "--data", data.path, "--levels", "0", "--transfer", out.file("grasp/mask.safetensors").path,
                             "--out", out.file("ticket").path] + base)
        XCTAssertEqual(t.status, 0, "\(t)")
        XCTAssertTrue(try String(contentsOf: out.file("ticket/level_00/sparsity.csv"), encoding: .utf8).contains("fc1.weight,12544,3763,"))

        // Movement needs its reference, from the lottery's θ0.
        let m = try masklab(["prune", out.file("snip/level_00").path, "--data", data.path, "--criterion", "movement", "--out", out.file("mv").path])
        XCTAssertNotEqual(m.status, 0)
        XCTAssertTrue(m.stderr.contains("reference point w0"), m.stderr)
        let mr = try masklab(["prune", out.file("snip/level_00").path, "--data", data.path, "--criterion", "movement", "--reference",
                              out.file("snip/init.safetensors").path, "--scope", "global", "--out", out.file("mv").path])
        XCTAssertEqual(mr.status, 0, "\(mr)")
    }

    /// Data-free criteria read no data: with no data folder at all, magnitude, random and synflow
    /// prune a trained run to the very masks they make with the data (random's stream drawn as
    /// before) and command.txt says no data was read; snip fails saying what it needs, writing nothing.
    func testDataFreeCriteriaPruneWithoutAnyData() throws {
        let data = TemporaryDirectory("masklab-prune-nodata-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
        let out = TemporaryDirectory("masklab-prune-nodata-out")
        let run = out.file("run").path
        let t = try masklab(["train", "--data", data.path, "--out", run, "--iterations", "8", "--batch-size", "32", "--hidden", "16",
                             "--threads", "1", "--seed", "3"])
        XCTAssertEqual(t.status, 0, "\(t)")
        let missing = out.file("no-data").path
        for criterion in ["magnitude", "random", "synflow"] {
            let withData = try masklab(["prune", run, "--data", data.path, "--criterion", criterion, "--keep", "0.3", "--threads", "1",
                                        "--out", out.file("\(criterion)-data").path])
            XCTAssertEqual(withData.status, 0, "\(withData)")
            let without = try masklab(["prune", run, "--data", missing, "--criterion", criterion, "--keep", "0.3", "--threads", "1",
                                       "--out", out.file("\(criterion)-none").path])
            XCTAssertEqual(without.status, 0, "\(criterion) without data: \(without)")
            XCTAssertEqual(try Data(contentsOf: out.file("\(criterion)-none/mask.safetensors")),
                           try Data(contentsOf: out.file("\(criterion)-data/mask.safetensors")), "\(criterion): the same mask")
            let command = try String(contentsOf: out.file("\(criterion)-none/command.txt"), encoding: .utf8)
            XCTAssertTrue(command.contains("data: none read (\(criterion) is data-free)"), command)
        }
        // Two prune folders side by side: their model.json describes the model, so effective density is known.
        let compared = try masklab(["masks", "compare", out.file("magnitude-data").path, out.file("random-data").path,
                                    "--out", out.file("cmp").path])
        XCTAssertEqual(compared.status, 0, "\(compared)")
        let density = try String(contentsOf: out.file("cmp/density.csv"), encoding: .utf8)
        let firstRow = try XCTUnwrap(density.split(separator: "\n").dropFirst().first)
        XCTAssertFalse(firstRow.hasSuffix(",,"), "effective density filled in from model.json: \(density)")
        // Not into a train run's folder: a mask comparison writes only its own folders.
        let intoRun = try masklab(["masks", "compare", out.file("magnitude-data").path, out.file("random-data").path, "--out", run])
        XCTAssertEqual(intoRun.status, 64, "\(intoRun)")
        XCTAssertTrue(intoRun.stderr.contains("belongs to `masklab train`"), intoRun.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.file("run/density.csv").path), "nothing written")
        // A mask given where weights are expected is named as a mask.
        let maskAsWeights = try masklab(["eval", out.file("magnitude-data/mask.safetensors").path, "--config", out.file("run/config.json").path,
                                         "--data", data.path])
        XCTAssertNotEqual(maskAsWeights.status, 0)
        XCTAssertTrue(maskAsWeights.stderr.contains("holds only 0s and 1s: a mask (mask.safetensors), not weights"), maskAsWeights.stderr)
        let model = try String(contentsOf: out.file("magnitude-data/model.json"), encoding: .utf8)
        XCTAssertTrue(model.contains("\"hidden\"") && model.contains("16"), model)
        let snip = try masklab(["prune", run, "--data", missing, "--criterion", "snip", "--out", out.file("snip").path])
        XCTAssertNotEqual(snip.status, 0)
        XCTAssertTrue(snip.stderr.contains("snip scores the weights on training batches (--criterion-batches 1) of mnist, which cannot be read")
                      && snip.stderr.contains(missing), snip.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.file("snip").path), "nothing written")
        // Without --out, two sparsities (and a global scope) of one run get folders of their own
        // beside the weights: none refuses or replaces another.
        for extra in [["--keep", "0.3"], ["--keep", "0.1"], ["--keep", "0.1", "--scope", "global", "--keep-output", "0.5"]] {
            let r = try masklab(["prune", run, "--criterion", "magnitude", "--threads", "1"] + extra)
            XCTAssertEqual(r.status, 0, "\(extra): \(r)")
        }
        for name in ["prune-magnitude-keep0.3", "prune-magnitude-keep0.1", "prune-magnitude-keep0.1-global-output0.5"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.file("run/\(name)/mask.safetensors").path), name)
        }
        let kept = try String(contentsOf: out.file("run/prune-magnitude-keep0.1/sparsity.csv"), encoding: .utf8)
        XCTAssertTrue(kept.contains("fc1.weight,12544,1254,"), kept)
    }

    func testBadSharesAndNamesAreRefusedBeforeAnyWork() throws {
        for (args, message) in [(["prune", "x", "--keep", "1.5"], "--keep must be in (0, 1], got 1.5"),
                                (["prune", "x", "--keep", "0"], "--keep must be in (0, 1], got 0.0"),
                                (["prune", "x", "--criterion", "obs"], "unknown pruning criterion 'obs'; valid criteria: magnitude"),
                                (["train", "--mask", "prune", "--criterion", "nope"], "criterion"),
                                (["train", "--mask", "prune", "--keep", "1.2"], "keep")] {
            let r = try masklab(args)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
    }

    func testTheOldSelectionSpellingStillSetsTheCriterion() throws {
        let r = try masklab(["lottery", "--selection", "random", "--print-config"])
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertTrue(r.stdout.contains("\"selection\": \"random\""), r.stdout)
        let help = try masklab(["lottery", "--help"])
        XCTAssertTrue(help.stdout.contains("--criterion ") && help.stdout.contains("--synflow-rounds") && help.stdout.contains("--criterion-batches"), help.stdout)
    }

    func testTrainWithAPruningCriterionMask() throws {
        let data = TemporaryDirectory("masklab-prune-train-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
        let out = TemporaryDirectory("masklab-prune-train-out")
        let r = try masklab(["train", "--data", data.path, "--mask", "prune", "--criterion", "synflow", "--synflow-rounds", "5", "--keep", "0.2",
                             "--out", out.file("run").path, "--epochs", "1", "--batch-size", "32", "--hidden", "16", "--threads", "1", "--seed", "3"])
        XCTAssertEqual(r.status, 0, "\(r)")
        let config = try String(contentsOf: out.file("run/config.json"), encoding: .utf8)
        XCTAssertTrue(config.contains("\"criterion\" : \"synflow\"") && config.contains("\"synflowRounds\" : 5"), config)
    }
}
