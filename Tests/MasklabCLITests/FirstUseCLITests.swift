import XCTest
import Foundation
import TestSupport

/// What a researcher meets on first use, through the real binary: one epoch numbering, the
/// start line, PyTorch state_dicts in, `diff`, `plot` and the `--reset init` alias.
final class FirstUseCLITests: XCTestCase {
    private func masklab(_ args: [String]) throws -> CommandRunner.Result {
        try CommandRunner.run(args, directory: nil, environment: [:], timeout: 240)
    }

    private static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/pytorch_state_dict.py")

    private func tinyMNIST() throws -> TemporaryDirectory {
        let data = TemporaryDirectory("masklab-firstuse-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
        return data
    }

    private func json(_ url: URL) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    private let train = ["train", "--epochs", "3", "--batch-size", "32", "--hidden", "16", "--threads", "1", "--lr", "0.05"]

    /// metrics.csv, summary.json and the terminal count epochs from 1; the run announces its settings.
    func testEpochsCountFromOneEverywhere() throws {
        let data = try tinyMNIST()
        let out = TemporaryDirectory("masklab-firstuse-out")
        let r = try masklab(train + ["--data", data.path, "--seed", "3", "--out", out.file("a").path])
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertTrue(r.stdout.contains("mlp (hidden 16) · mnist · no mask · sgd lr 0.05"), r.stdout)
        // Settings that only the data can refute are checked before the run announces them.
        let tooMany = try masklab(train + ["--data", data.path, "--train-subset", "100000", "--out", out.file("b").path])
        XCTAssertEqual(tooMany.status, 64, "a wrong setting is a usage error (EX_USAGE), as --train-subset -5 is: \(tooMany)")
        XCTAssertTrue(tooMany.stderr.contains("trainSubset must be in [0, "), tooMany.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.file("b").path), "nothing written")
        // Within the official size but beyond these files (240 training images): refused once the
        // data is read, with the same status, by train and by lottery.
        for command in [train, ["lottery", "--levels", "1", "--iterations", "4", "--hidden", "16", "--threads", "1"]] {
            let beyond = try masklab(command + ["--data", data.path, "--train-subset", "241", "--out", out.file("c").path])
            XCTAssertEqual(beyond.status, 64, "\(command[0]): \(beyond)")
            XCTAssertTrue(beyond.stderr.contains("trainSubset must be in [0, 240]"), beyond.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.file("c").path), "nothing written")
        }
        // Beyond the dataset's official size it is refused before any data is read, --print-config too.
        let printed = try masklab(["train", "--train-subset", "60001", "--print-config"])
        XCTAssertEqual(printed.status, 64, "\(printed)")
        XCTAssertTrue(printed.stderr.contains("trainSubset must be in [0, 60000]"), printed.stderr)
        XCTAssertEqual(try masklab(["train", "--train-subset", "55000", "--validation", "5000", "--print-config"]).status, 0)
        XCTAssertEqual(try masklab(["train", "--train-subset", "55001", "--validation", "5000", "--print-config"]).status, 64)
        XCTAssertFalse(tooMany.stdout.contains(" · "), "no announcement of a run that does not start: \(tooMany.stdout)")
        let rows = try String(contentsOf: out.file("a/metrics.csv"), encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let accuracy = rows[0].firstIndex(of: "test_accuracy")!
        XCTAssertEqual(rows.dropFirst().map { String($0[0]) }, ["1", "2", "3"], "metrics.csv epochs count from 1")
        let best = rows.dropFirst().max { Double($0[accuracy])! < Double($1[accuracy])! }!
        let summary = try json(out.file("a/summary.json"))
        let bestEpoch = try XCTUnwrap(summary["bestEpoch"] as? Int)
        XCTAssertEqual(String(bestEpoch), String(best[0]), "summary.json's bestEpoch is metrics.csv's epoch of the best row")
        XCTAssertTrue(r.stdout.contains("(epoch \(bestEpoch))"), r.stdout)
        let lines = r.stdout.split(separator: "\n")
        XCTAssertTrue(lines.contains { $0.hasPrefix("    1  ") } && lines.contains { $0.hasPrefix("    3  ") }, r.stdout)
    }

    /// A state_dict written by the reference safetensors library (MaskLab's checkpoint stripped
    /// of optimiser state and metadata, as `safetensors.torch.save_file(model.state_dict())`
    /// writes it) evaluates to exactly the checkpoint's numbers, starts a run and a lottery with
    /// --init-from, and a model that does not fit is refused naming the first mismatching tensor.
    func testPyTorchStateDictIn() throws {
        let data = try tinyMNIST()
        let out = TemporaryDirectory("masklab-firstuse-out")
        let r = try masklab(train + ["--data", data.path, "--seed", "3", "--out", out.file("a").path])
        XCTAssertEqual(r.status, 0, "\(r)")
        let weights = out.file("weights/lenet.safetensors")
        try FileManager.default.createDirectory(at: weights.deletingLastPathComponent(), withIntermediateDirectories: true)
        let p = try CommandRunner.run(["python3", Self.script.path, "copy", out.file("a/last.safetensors").path, weights.path],
                                      executable: URL(fileURLWithPath: "/usr/bin/env"), directory: nil, environment: [:], timeout: 60)
        guard p.status == 0 else { throw XCTSkip("python3 with safetensors and numpy not available (pip install safetensors numpy): \(p.stderr.suffix(200))") }

        let reference = try masklab(["eval", out.file("a").path, "--data", data.path, "--json", "--threads", "1"])
        XCTAssertEqual(reference.status, 0, "\(reference)")
        // Without a config beside it, eval says how to describe the model.
        let bare = try masklab(["eval", weights.path, "--data", data.path])
        XCTAssertNotEqual(bare.status, 0)
        XCTAssertTrue(bare.stderr.contains("--config"), bare.stderr)
        let plain = try masklab(["eval", weights.path, "--config", out.file("a/config.json").path, "--data", data.path, "--json", "--threads", "1"])
        XCTAssertEqual(plain.status, 0, "\(plain)")
        let a = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(reference.stdout.utf8)) as? [String: Any])
        let b = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(plain.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(b["format"] as? String, "state_dict")
        XCTAssertEqual(a["testAccuracy"] as? Double, b["testAccuracy"] as? Double, "exactly the same accuracy")
        XCTAssertEqual(a["testLoss"] as? Double, b["testLoss"] as? Double, "exactly the same loss")

        // A wider model: refused, naming the first tensor in state_dict order.
        let wide = try masklab(["train", "--hidden", "32", "--print-config"])
        try wide.stdout.write(to: out.file("wide.json"), atomically: true, encoding: .utf8)
        let refused = try masklab(["eval", weights.path, "--config", out.file("wide.json").path, "--data", data.path])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("tensor 'fc1.weight': the model expects F32 [32, 784], the file has F32 [16, 784]"), refused.stderr)

        // --init-from: with lr 0 the weights stay the loaded ones, so epoch 1 scores what eval scored.
        let start = try masklab(["train", "--epochs", "1", "--batch-size", "32", "--hidden", "16", "--threads", "1", "--lr", "0",
                                 "--data", data.path, "--init-from", weights.path, "--out", out.file("from").path])
        XCTAssertEqual(start.status, 0, "\(start)")
        XCTAssertTrue(start.stdout.contains("initial weights from \(weights.path)"), start.stdout)
        let summary = try json(out.file("from/summary.json"))
        XCTAssertEqual(summary["finalTestAccuracy"] as? Double, a["testAccuracy"] as? Double)
        let importance = try masklab(["importance", weights.path, "--config", out.file("a/config.json").path, "--data", data.path,
                                      "--steps", "2", "--threads", "1", "--out", out.file("imp").path])
        XCTAssertEqual(importance.status, 0, "\(importance)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.file("imp/histograms.svg").path))

        // lottery --init-from: θ0 is the state_dict (lr 0: level 0 scores what eval scored); a
        // model that does not fit is refused before the lottery folder is made.
        let lotteryArgs = ["lottery", "--levels", "0", "--iterations", "8", "--batch-size", "32", "--threads", "1", "--lr", "0",
                           "--eval-every", "4", "--data", data.path, "--init-from", weights.path]
        let lottery = try masklab(lotteryArgs + ["--hidden", "16", "--out", out.file("lottery").path])
        XCTAssertEqual(lottery.status, 0, "\(lottery)")
        // No --validation: early stopping watches the test set, and the output says so.
        XCTAssertTrue(lottery.stdout.contains("warning: no validation split"), lottery.stdout)
        XCTAssertTrue(lottery.stdout.contains("(min test loss"), lottery.stdout)
        let level = try json(out.file("lottery/level_00/level.json"))
        XCTAssertEqual(level["finalTestAccuracy"] as? Double, a["testAccuracy"] as? Double, "level 0 starts from the state_dict")
        let saved = try json(out.file("lottery/lottery.json"))
        XCTAssertEqual(saved["initFrom"] as? String, weights.path)
        let misfit = try masklab(lotteryArgs + ["--hidden", "32", "--out", out.file("lottery-wide").path])
        XCTAssertNotEqual(misfit.status, 0)
        XCTAssertTrue(misfit.stderr.contains("tensor 'fc1.weight'"), misfit.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.file("lottery-wide").path), "refused before the folder is touched")
    }

    func testDiffPlotAndResetAlias() throws {
        let data = try tinyMNIST()
        let out = TemporaryDirectory("masklab-firstuse-out")
        for (name, seed, lr) in [("s3", "3", "0.05"), ("s4", "4", "0.05"), ("lr", "3", "0.1")] {
            let r = try masklab(["train", "--epochs", "2", "--batch-size", "32", "--hidden", "16", "--threads", "1", "--data", data.path,
                                 "--out", out.file(name).path, "--quiet", "--seed", seed, "--lr", lr])
            XCTAssertEqual(r.status, 0, "\(r)")
        }
        let diff = try masklab(["diff", out.file("s3").path, out.file("lr").path])
        XCTAssertEqual(diff.status, 0, "\(diff)")
        XCTAssertTrue(diff.stdout.contains("optimizer.learningRate: 0.05"), diff.stdout)
        XCTAssertTrue(diff.stdout.contains("→ 0.1"), diff.stdout)
        XCTAssertFalse(diff.stdout.contains("seed"), diff.stdout)
        let same = try masklab(["diff", out.file("s3").path, out.file("s3/config.json").path])
        XCTAssertTrue(same.stdout.contains("no differences"), same.stdout)
        // A run's other files are not configurations, and `runs` wants a folder, not a file in it.
        let csv = try masklab(["diff", out.file("s3").path, out.file("s3/metrics.csv").path])
        XCTAssertEqual(csv.status, 64, "a path that holds no configuration is a wrong argument: \(csv)")
        XCTAssertEqual(try masklab(["diff", out.file("s3").path, out.file("nowhere").path]).status, 1, "a missing path")
        XCTAssertTrue(csv.stderr.contains("metrics.csv: not a configuration: name a run folder or a config file"), csv.stderr)
        let record = try masklab(["diff", out.file("s3").path, out.file("s3/summary.json").path])
        XCTAssertTrue(record.stderr.contains("summary.json: a run's record, not a configuration"), record.stderr)
        let file = try masklab(["runs", out.file("s3/metrics.csv").path])
        XCTAssertTrue(file.stderr.contains("a file, not a folder") && file.stderr.contains("masklab runs \(out.file("s3").path)"), file.stderr)

        let plot = try masklab(["plot", out.file("s3").path, out.file("s4").path, out.file("lr").path, "--out", out.file("runs.svg").path])
        XCTAssertEqual(plot.status, 0, "\(plot)")
        XCTAssertTrue(plot.stdout.contains("(mean of 2 seeds): \(out.file("s3").path) \(out.file("s4").path)"), plot.stdout)
        XCTAssertTrue(plot.stdout.contains("learningRate 0.1 (seed 3)"), plot.stdout)
        let svg = try String(contentsOf: out.file("runs.svg"), encoding: .utf8)
        XCTAssertTrue(svg.contains("<polygon"), "the two-seed group has a band")
        // A folder given twice, or a copy of a run (same settings and seed), is not counted as another seed.
        let twice = try masklab(["plot", out.file("s3").path, out.file("s3").path, "--out", out.file("twice.svg").path])
        XCTAssertNotEqual(twice.status, 0)
        XCTAssertTrue(twice.stderr.contains("given twice"), twice.stderr)
        try FileManager.default.copyItem(at: out.file("s3"), to: out.file("s3-copy"))
        let copy = try masklab(["plot", out.file("s3").path, out.file("s3-copy").path, "--out", out.file("copy.svg").path])
        XCTAssertNotEqual(copy.status, 0)
        XCTAssertTrue(copy.stderr.contains("the same settings and the same seed 3"), copy.stderr)
        // A run cut short: the later epochs average fewer seeds, and the legend says so.
        let metrics = out.file("s4/metrics.csv")
        let full = try String(contentsOf: metrics, encoding: .utf8)
        try (full.split(separator: "\n").prefix(2).joined(separator: "\n") + "\n").write(to: metrics, atomically: true, encoding: .utf8)
        let short = try masklab(["plot", out.file("s3").path, out.file("s4").path, "--out", out.file("short.svg").path])
        XCTAssertTrue(short.stdout.contains("(mean of 2 seeds; 1 seed after epoch 1)"), short.stdout)
        try full.write(to: metrics, atomically: true, encoding: .utf8)
        // A masked run against an unmasked one: the label names the mask (it said "masks absent" for both).
        let masked = try masklab(["train", "--epochs", "2", "--batch-size", "32", "--hidden", "16", "--threads", "1", "--data", data.path,
                                  "--out", out.file("dc").path, "--quiet", "--seed", "3", "--mask", "dropconnect", "--keep", "0.5"])
        XCTAssertEqual(masked.status, 0, "\(masked)")
        let maskPlot = try masklab(["plot", out.file("s3").path, out.file("dc").path, "--out", out.file("masks.svg").path])
        XCTAssertEqual(maskPlot.status, 0, "\(maskPlot)")
        XCTAssertTrue(maskPlot.stdout.contains("masks absent (seed 3): \(out.file("s3").path)"), maskPlot.stdout)
        XCTAssertTrue(maskPlot.stdout.contains("masks dropconnect keep 0.5 (seed 3): \(out.file("dc").path)"), maskPlot.stdout)
        // A run without a finished epoch is left out, not fatal; a study folder or a missing --out folder is named.
        try FileManager.default.copyItem(at: out.file("s3"), to: out.file("dead"))
        try (full.split(separator: "\n").prefix(1).joined() + "\n").write(to: out.file("dead/metrics.csv"), atomically: true, encoding: .utf8)
        let withDead = try masklab(["plot", out.file("dc").path, out.file("dead").path, "--out", out.file("dead.svg").path])
        XCTAssertEqual(withDead.status, 0, "\(withDead)")
        XCTAssertTrue(withDead.stdout.contains("left out \(out.file("dead").path): no finished epoch in metrics.csv"), withDead.stdout)
        try FileManager.default.createDirectory(at: out.file("compare-t"), withIntermediateDirectories: true)
        try "{}".write(to: out.file("compare-t/compare.json"), atomically: true, encoding: .utf8)
        let study = try masklab(["plot", out.file("compare-t").path])
        XCTAssertTrue(study.stderr.contains("not a run folder (it holds a compare study: pass its run folders, e.g. \(out.file("compare-t").path)/runs/*/seed-*)"),
                      study.stderr)
        let noFolder = try masklab(["plot", out.file("s3").path, "--out", out.file("missing/x.svg").path])
        XCTAssertEqual(noFolder.status, 1, "a missing folder, as a missing file")
        XCTAssertTrue(noFolder.stderr.contains("the folder \(out.file("missing").path) does not exist"), noFolder.stderr)
        // A plot never lands among another command's results (here a run's own curves.svg), and a
        // folder given as --out is named as such; nothing is written either way.
        let curves = try Data(contentsOf: out.file("s4/curves.svg"))
        let intoRun = try masklab(["plot", out.file("s3").path, "--out", out.file("s4/curves.svg").path])
        XCTAssertEqual(intoRun.status, 64, "\(intoRun)")
        XCTAssertTrue(intoRun.stderr.contains("belongs to `masklab train`") && intoRun.stderr.contains("nothing was written"), intoRun.stderr)
        XCTAssertEqual(try Data(contentsOf: out.file("s4/curves.svg")), curves, "the run's own plot is untouched")
        let aFolder = try masklab(["plot", out.file("s3").path, "--out", out.path])
        XCTAssertEqual(aFolder.status, 64, "\(aFolder)")
        XCTAssertTrue(aFolder.stderr.contains("is a folder; give the SVG file's name"), aFolder.stderr)
        // The same runs as arms of a comparison are named by their arms.
        for (arm, run) in [("baseline", "s3"), ("dropconnect", "dc")] {
            let target = out.file("compare-t/runs/\(arm)/seed-3")
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: out.file(run), to: target)
        }
        let armPlot = try masklab(["plot", out.file("compare-t/runs/baseline/seed-3").path, out.file("compare-t/runs/dropconnect/seed-3").path,
                                   "--out", out.file("arms.svg").path])
        XCTAssertEqual(armPlot.status, 0, "\(armPlot)")
        XCTAssertTrue(armPlot.stdout.contains("baseline (seed 3): "), armPlot.stdout)
        XCTAssertTrue(armPlot.stdout.contains("dropconnect (seed 3): "), armPlot.stdout)
        // Settings that only change logging do not split a group; groups follow the values, not the folders' order.
        let logged = try masklab(["train", "--epochs", "2", "--batch-size", "32", "--hidden", "16", "--threads", "1", "--data", data.path,
                                  "--out", out.file("s5").path, "--quiet", "--seed", "5", "--lr", "0.05", "--set", "tensorboardEveryIterations=3"])
        XCTAssertEqual(logged.status, 0, "\(logged)")
        let mixed = try masklab(["plot", out.file("lr").path, out.file("s5").path, out.file("s3").path, "--out", out.file("mixed.svg").path])
        XCTAssertEqual(mixed.status, 0, "\(mixed)")
        let lines = mixed.stdout.split(separator: "\n").map(String.init)
        let low = try XCTUnwrap(lines.firstIndex { $0.contains("learningRate 0.05 (mean of 2 seeds)") }, mixed.stdout)
        let high = try XCTUnwrap(lines.firstIndex { $0.contains("learningRate 0.1 (seed 3)") }, mixed.stdout)
        XCTAssertLessThan(low, high, "0.05 before 0.1 although lr was given first: \(mixed.stdout)")
        XCTAssertFalse(mixed.stdout.contains("tensorboardEveryIterations"), mixed.stdout)

        let lottery = try masklab(["lottery", "--data", data.path, "--levels", "1", "--prune", "0.5", "--reset", "init", "--iterations", "8",
                                   "--batch-size", "32", "--hidden", "16", "--validation", "40", "--eval-every", "4", "--threads", "1", "--out", out.file("lottery").path])
        XCTAssertEqual(lottery.status, 0, "--reset init is accepted: \(lottery.stderr)")
        XCTAssertFalse(lottery.stdout.contains("warning: no validation split"), lottery.stdout)
        XCTAssertTrue(lottery.stdout.contains("(min validation loss"), lottery.stdout)
        let levelCurves = try String(contentsOf: out.file("lottery/level_01/curves.svg"), encoding: .utf8)
        XCTAssertTrue(levelCurves.contains(">iteration</text>"), "a level's curves are drawn over iterations")
        // A level's config carries no masks; `runs` and `diff` read its fixed mask from sparsity.csv.
        let listing = try masklab(["runs", out.file("lottery").path])
        XCTAssertEqual(listing.status, 0, "\(listing)")
        let levelLine = listing.stdout.split(separator: "\n").first { $0.contains("level_01") }.map(String.init) ?? ""
        XCTAssertTrue(levelLine.contains("ticket 5"), "level 1 keeps ≈ half the weights: \(listing.stdout)")
        let tickets = try masklab(["runs", out.file("lottery").path, "--filter", "masks=ticket"])
        XCTAssertTrue(tickets.stdout.contains("level_01"), "the MASKS column's first word filters: \(tickets.stdout)")
        XCTAssertTrue(listing.stdout.split(separator: "\n").first { $0.contains("level_00") }?.contains("ticket 100.0%") == true, listing.stdout)
        let levels = try masklab(["diff", out.file("lottery/level_00").path, out.file("lottery/level_01").path])
        XCTAssertTrue(levels.stdout.contains("lotteryMaskDensity: 1 → 0.5"), levels.stdout)
        // A level against its lottery: the lottery's "run" block is what the level trains with,
        // so only the mask differs (not every key "absent").
        let level = try masklab(["diff", out.file("lottery/level_01").path, out.file("lottery").path])
        XCTAssertEqual(level.status, 0, "\(level)")
        XCTAssertTrue(level.stdout.contains("comparing A against B's \"run\" block"), level.stdout)
        XCTAssertFalse(level.stdout.contains("absent → "), level.stdout)
        XCTAssertTrue(level.stdout.contains("lotteryMaskDensity: 0.5"), level.stdout)
        // A chain's levels share the seed but not the mask: separate curves, not a mean over "seeds".
        let chain = try masklab(["plot", out.file("lottery/level_00").path, out.file("lottery/level_01").path, "--out", out.file("levels.svg").path])
        XCTAssertEqual(chain.status, 0, "\(chain)")
        XCTAssertTrue(chain.stdout.contains("lotteryMaskDensity 1 (seed") && chain.stdout.contains("lotteryMaskDensity 0.5"), chain.stdout)
        XCTAssertFalse(chain.stdout.contains("mean of"), chain.stdout)

        // A level's fixed mask is in its saved weights: eval scores it without a false "mask ignored" warning.
        let levelEval = try masklab(["eval", out.file("lottery/level_01").path, "--data", data.path, "--threads", "1"])
        XCTAssertEqual(levelEval.status, 0, "\(levelEval)")
        XCTAssertFalse(levelEval.stderr.contains("was trained with masks"), levelEval.stderr)
        // A lottery's θ0 is evaluated with the lottery's own model (its lottery.json "run" block):
        // with the same --reset init and lr unchanged, level 0 starts from it, so nothing else is needed.
        let initial = try masklab(["eval", out.file("lottery/init.safetensors").path, "--data", data.path, "--threads", "1"])
        XCTAssertEqual(initial.status, 0, "\(initial)")
        XCTAssertTrue(initial.stdout.contains("mlp(hidden: 16) from \(out.file("lottery/init.safetensors").path)"), initial.stdout)
        // A file that is not safetensors is named as such, not asked for a config.
        try "root:x:0:0:root:/root:/bin/bash\n".write(to: out.file("passwd"), atomically: true, encoding: .utf8)
        let text = try masklab(["eval", out.file("passwd").path, "--data", data.path])
        XCTAssertEqual(text.status, 1, "\(text)")
        XCTAssertTrue(text.stderr.contains("passwd: not a safetensors file"), text.stderr)
        // interpolate: B without a config beside it takes A's model (the help says the model comes from A).
        try FileManager.default.createDirectory(at: out.file("lone"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: out.file("lottery/level_01/last.safetensors"), to: out.file("lone/b.safetensors"))
        let path = try masklab(["interpolate", out.file("lottery/level_00").path, out.file("lone/b.safetensors").path, "--from", "0", "--to", "1",
                                "--step", "0.5", "--data", data.path, "--threads", "1", "--out", out.file("path").path, "--test-samples", "1000"])
        XCTAssertEqual(path.status, 0, "\(path)")
        XCTAssertTrue(path.stdout.contains("note: --test-samples 1000 is more than the 60 samples of mnist/test: all 60 are used"), path.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.file("path/interpolation.csv").path))
    }
}
