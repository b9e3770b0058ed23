import XCTest
import Foundation
import Options
import Experiments
import TestSupport

/// The config options through the real binary: help, `--set`, `--print-config` round trips,
/// YAML, and refusals with the valid range before anything is written.
final class OptionsCLITests: XCTestCase {
    private func masklab(_ args: [String]) throws -> CommandRunner.Result {
        try CommandRunner.run(args, timeout: 120)
    }

    func testEveryOptionAppearsInTheHelpOfTrainAndLottery() throws {
        let train = try masklab(["train", "--help"])
        XCTAssertEqual(train.status, 0, "\(train)")
        for o in RunConfig.table.options {
            XCTAssertTrue(train.stdout.contains(o.isSwitch ? "--[no-]\(o.flag)" : "--\(o.flag) "), "train --help lacks --\(o.flag)")
            XCTAssertTrue(train.stdout.contains(o.key + ":"), "train --help lacks the key \(o.key)")
        }
        XCTAssertTrue(train.stdout.contains("--set"), train.stdout)
        let lottery = try masklab(["lottery", "--help"])
        for o in LotteryConfig.table.options where !o.isSwitch {
            XCTAssertTrue(lottery.stdout.contains("--\(o.flag) "), "lottery --help lacks --\(o.flag)")
        }
    }

    /// All options at once: flags → --print-config → that file as --config → the same printout
    /// (with budget.epochs and budget.iterations in two runs, as they exclude each other).
    func testEveryOptionRoundTripsThroughPrintConfigAndConfig() throws {
        let dir = TemporaryDirectory("masklab-options-cli")
        for skipped in ["budget.iterations", "budget.epochs"] {
            // Settings the sampled optimiser and schedule do not read are refused as flags: they
            // go in through a config file (files are not checked), the rest as flags.
            var sampled = RunConfig()
            for o in RunConfig.table.options where o.key != skipped {
                // XCTUnwrap, not `!`: a missing sample fails this test instead of crashing the whole test process.
                try RunConfig.table.set("\(o.key)=\(try XCTUnwrap(OptionSamples.run[o.key], "no sample for \(o.key)"))", in: &sampled)
            }
            // (and the sampled mask sampler's unread settings likewise)
            let unread = Set(sampled.training.optimizer.unreadKeys.map { "optimizer." + $0 } + sampled.training.schedule.unreadKeys.map { "schedule." + $0 }
                             + (sampled.masks?.unreadKeys.map { "masks." + $0 } ?? []))
            XCTAssertFalse(unread.isEmpty)
            var args = ["train", "--print-config"]
            for o in RunConfig.table.options where o.key != skipped && !unread.contains(o.key) {
                args.append("--\(o.flag)=\(try XCTUnwrap(OptionSamples.run[o.key], o.key))")
            }
            // The file holds every sampled value; the flags then set the read ones again.
            let ignored = dir.file("ignored.json")
            try ConfigText.json(RunConfig.table.encode(sampled)).write(to: ignored, atomically: true, encoding: .utf8)
            args += ["--config", ignored.path]
            let first = try masklab(args)
            XCTAssertEqual(first.status, 0, "\(first)")
            let file = dir.file("printed.json")
            try first.stdout.write(to: file, atomically: true, encoding: .utf8)
            let again = try masklab(["train", "--config", file.path, "--print-config"])
            XCTAssertEqual(again.status, 0, "\(again)")
            XCTAssertEqual(again.stdout, first.stdout)
            let config = try RunConfig.load(from: file)
            var expected = RunConfig()
            for o in RunConfig.table.options where o.key != skipped {
                try RunConfig.table.set("\(o.key)=\(try XCTUnwrap(OptionSamples.run[o.key], "no sample for \(o.key)"))", in: &expected)
            }
            XCTAssertEqual(config, expected)
        }
    }

    func testDefaultsAreOneSetWhateverTheEntryPoint() throws {
        let dir = TemporaryDirectory("masklab-options-defaults")
        let flags = try masklab(["train", "--print-config"])
        try "{}".write(to: dir.file("empty.json"), atomically: true, encoding: .utf8)
        try "# nothing\n".write(to: dir.file("empty.yaml"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try masklab(["train", "--config", dir.file("empty.json").path, "--print-config"]).stdout, flags.stdout)
        XCTAssertEqual(try masklab(["train", "--config", dir.file("empty.yaml").path, "--print-config"]).stdout, flags.stdout)
        let lottery = try masklab(["lottery", "--print-config"])
        XCTAssertEqual(lottery.status, 0, "\(lottery)")
        let run = try XCTUnwrap(ConfigText.json(lottery.stdout, path: "").object?["run"])
        XCTAssertEqual(run, try ConfigText.json(flags.stdout, path: ""))
        XCTAssertTrue(flags.stdout.contains("\"learningRate\": 0.05") && flags.stdout.contains("\"name\": \"cosine\""), flags.stdout)
    }

    func testSetReachesEveryKeyIncludingSubsets() throws {
        let r = try masklab(["train", "--set", "trainSubset=2000", "--set", "masks.importance.lambda=1", "--mask", "importance",
                             "--set", "optimizer.weightDecay=null", "--print-config"])
        XCTAssertEqual(r.status, 0, "\(r)")
        let c = try RunConfig.decode(ConfigText.json(r.stdout, path: ""), path: "")
        XCTAssertEqual(c.trainSubset, 2000)
        XCTAssertEqual(c.masks?.importance.lambda, 1)
        XCTAssertNil(c.training.optimizer.weightDecay)
        let typo = try masklab(["train", "--set", "trainSubste=5", "--print-config"])
        XCTAssertTrue(typo.stderr.contains("unknown key trainSubste; did you mean trainSubset?"), typo.stderr)
    }

    /// A flag or `--set` the chosen optimiser or schedule does not read is refused (it would be
    /// recorded without effect); the same value under an optimiser that reads it is accepted.
    func testSettingsTheOptimizerOrScheduleIgnoresAreRefused() throws {
        let cases: [([String], String)] = [
            (["train", "--optimizer", "adam", "--momentum", "0.5"], "--momentum (optimizer.momentum) is not read by the adam optimiser"),
            (["train", "--optimizer", "adamw", "--no-nesterov"], "--[no-]nesterov (optimizer.nesterov) is not read by the adamw optimiser"),
            (["train", "--beta2", "0.99"], "--beta2 (optimizer.beta2) is not read by the sgd optimiser"),
            (["train", "--milestones", "3,6"], "--milestones (schedule.milestones) is not read by the cosine schedule, so it would be recorded in config.json without effect; the schedules that read it: multistep"),
            (["train", "--schedule", "onecycle", "--set", "schedule.minimumLearningRate=0.001"], "is not read by the onecycle schedule"),
            (["lottery", "--optimizer", "adam", "--set", "optimizer.dampening=0.1"], "--dampening (optimizer.dampening) is not read by the adam optimiser"),
            (["train", "--momentum", "0", "--no-nesterov", "--dampening", "0.1"], "--dampening (optimizer.dampening) has no effect here: SGD dampens only a momentum buffer, and momentum is 0"),
            (["train", "--warmup-start-factor", "0.5"], "--warmup-start-factor (schedule.warmupStartFactor) has no effect here: there is no warm-up"),
            (["lottery", "--reset", "rewind"], "--reset rewind resets to θk, the weights after k iterations of level 0: give --rewind-iteration k"),
            (["train", "--mask", "none", "--keep", "0.5"], "--keep (masks.keep) is not read by the none mask, so it would be recorded in config.json without effect; the masks that read it: dropconnect, importance, prune, magnitude, random, set, rigl. Leave"),
            (["train", "--mask", "dropconnect", "--importance-eta", "0.1"], "--importance-eta (masks.importance.eta) is not read by the dropconnect mask, so it would be recorded in config.json without effect; the masks that read it: importance, prune"),
            (["train", "--mask", "magnitude", "--mask-sampling", "exactK"], "--mask-sampling (masks.sampling) is not read by the magnitude mask"),
        ]
        for (args, expected) in cases {
            let r = try masklab(args + ["--print-config"])
            XCTAssertEqual(r.status, 64, "\(args): a bad option is a usage error (EX_USAGE), as ArgumentParser's own")
            XCTAssertTrue(r.stderr.contains(expected), "\(args): \(r.stderr)")
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        // The Frankle preset's file sets momentum 0 under Adam: files are not checked (a run's
        // config.json records every key).
        for args in [["train", "--momentum", "0.5"], ["train", "--schedule", "multistep", "--milestones", "3,6"],
                     ["train", "--dampening", "0.1"], ["train", "--warmup", "100", "--warmup-start-factor", "0.5"],
                     ["lottery", "--reset", "rewind", "--rewind-iteration", "0"],
                     ["train", "--mask", "importance", "--keep", "0.3", "--min-keep", "0.05", "--importance-lambda", "1", "--mask-target", "gradients", "--mask-scaling", "none"],
                     ["train", "--mask", "prune", "--criterion", "snip", "--keep-output", "0.5", "--magnitude-scope", "global"],
                     ["lottery", "--config", root.appendingPathComponent("experiments/lottery/lenet300-frankle.json").path]] {
            let r = try masklab(args + ["--print-config"])
            XCTAssertEqual(r.status, 0, "\(args): \(r.stderr)")
        }
    }

    /// Issue 12: bad values are refused with the valid range, before a run folder is touched.
    func testBadValuesAreRefusedBeforeAnythingIsWritten() throws {
        let dir = TemporaryDirectory("masklab-options-refused")
        let out = dir.file("run")
        let cases: [([String], String)] = [
            (["--lr", "-1"], "--lr: optimizer.learningRate must be ≥ 0, got -1"),
            (["--gamma", "nan"], "--gamma: schedule.gamma: expected a finite number, got nan"),
            (["--weight-decay", "inf"], "--weight-decay: optimizer.weightDecay: expected a finite number (or null), got inf"),
            (["--hidden", "300,,100"], "--hidden: modelOptions.hidden: expected a list"),
            (["--threads", "100000"], "--threads: threads must be in [1, "),
            (["--momentum", "2"], "--momentum: optimizer.momentum must be in [0, 1), got 2"),
            (["--warmup", "-5"], "--warmup: schedule.warmupIterations must be ≥ 0, got -5"),
            (["--milestones", "30,10"], "strictly increasing"),
            (["--train-subset", "-5"], "--train-subset: trainSubset must be ≥ 0, got -5"),
            (["--batch-size", "1000000000000"], "--batch-size: batchSize must be in [1, 65536]"),
            (["--width", "100000"], "--width: modelOptions.width must be in [1, 1024], got 100000"),
            (["--epochs", "2", "--iterations", "3"], "give --epochs or --iterations (budget.epochs or budget.iterations), not both"),
            (["--lr"], "--lr needs a value"),
        ]
        for (args, expected) in cases {
            let r = try masklab(["train", "--out", out.path] + args)
            XCTAssertEqual(r.status, 64, "\(args): a bad option is a usage error (EX_USAGE), as ArgumentParser's own")
            XCTAssertTrue(r.stderr.contains(expected), "\(args): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "\(args) created the run folder")
        }
        try "{\n  \"seed\": -3\n}".write(to: dir.file("seed.json"), atomically: true, encoding: .utf8)
        let seed = try masklab(["train", "--config", dir.file("seed.json").path, "--out", out.path])
        XCTAssertTrue(seed.stderr.contains("seed: expected an unsigned integer, got -3"), seed.stderr)
        XCTAssertEqual(seed.status, 64, "a bad config file is refused like a bad flag")
        // Every subcommand answers a bad setting with 64: those ArgumentParser checks and those checked when the command
        // runs, a study config's keys included; a missing file is 1.
        try #"{"name": "x", "nme": 1}"#.write(to: dir.file("study.json"), atomically: true, encoding: .utf8)
        let study = dir.file("study.json").path
        for args in [["train", "--bogus"], ["lottery", "--bogus"], ["runs", dir.path, "--filter", "x"], ["runs", dir.path, "--sort", "foo"],
                     ["prune", dir.path, "--keep", "0"], ["bench", "--workloads", "nope"], ["train", "--lr", "-1", "--out", out.path],
                     ["compare", study], ["sweep", study], ["prune-sweep", study], ["masks", "compare", "a", "b", "--labels", "x,x"],
                     ["train", "--iterations", "20", "--set", "budget.epochs=2", "--out", out.path]] {
            let r = try masklab(args)
            XCTAssertEqual(r.status, 64, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("Error: "), "\(args): \(r.stderr)")
        }
        for args in [["train", "--config", dir.file("missing.json").path], ["compare", dir.file("missing.json").path],
                     ["lottery", "--init-from", dir.file("missing.safetensors").path]] {
            let r = try masklab(args)
            XCTAssertEqual(r.status, 1, "\(args): a missing file: \(r.stderr)")
        }
        try "{\n  \"seed\": 3,\n  \"optimizer\": {\"learningrate\": 0.5}\n}".write(to: dir.file("nested.json"), atomically: true, encoding: .utf8)
        let nested = try masklab(["train", "--config", dir.file("nested.json").path, "--out", out.path])
        XCTAssertTrue(nested.stderr.contains("unknown key optimizer.learningrate; did you mean learningRate? valid in optimizer: beta1"), nested.stderr)
        try "{\n  \"seed\": 3,\n  \"model\" \"mlp\"\n}".write(to: dir.file("syntax.json"), atomically: true, encoding: .utf8)
        let syntax = try masklab(["train", "--config", dir.file("syntax.json").path, "--out", out.path])
        XCTAssertTrue(syntax.stderr.contains("line 3, column 11: not valid JSON: expected ':' after the key \"model\""), syntax.stderr)
        try "seed: 3\nmodel: [mlp\n".write(to: dir.file("syntax.yaml"), atomically: true, encoding: .utf8)
        let yaml = try masklab(["train", "--config", dir.file("syntax.yaml").path, "--out", out.path])
        XCTAssertTrue(yaml.stderr.contains("not valid YAML") && yaml.stderr.contains("line "), yaml.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }

    /// One spelling per concept: `--magnitude-scope` in lottery (old `--scope` kept as a hidden
    /// alias), `--importance-eta` in importance (old `--eta` still read).
    func testOneSpellingPerConceptWithOldSpellingsStillRead() throws {
        let a = try masklab(["lottery", "--magnitude-scope", "global", "--print-config"])
        let b = try masklab(["lottery", "--scope", "global", "--print-config"])
        XCTAssertEqual(a.status, 0, "\(a)")
        XCTAssertEqual(a.stdout, b.stdout)
        XCTAssertTrue(a.stdout.contains("\"scope\": \"global\""), a.stdout)
        let help = try masklab(["importance", "--help"])
        XCTAssertTrue(help.stdout.contains("--importance-eta"), help.stdout)
        let bad = try masklab(["importance", "--benchmark", "--eta", "-1"])
        XCTAssertTrue(bad.stderr.contains("--importance-eta: eta must be > 0, got -1"), bad.stderr)
        let exclude = try masklab(["importance", "--benchmark", "--mask-exclude", "first,lats"])
        XCTAssertTrue(exclude.stderr.contains("--mask-exclude: 'lats' is not one of first, shortcut, last"), exclude.stderr)
        // Options that the other mode would read are refused, not ignored.
        let refusals: [([String], String)] = [
            (["importance", "--benchmark", "--lambda", "1", "--out", "x"], "--lambda, --out do not apply to --benchmark"),
            (["importance", "--benchmark", "--importance-eta", "0.1"], "--importance-eta does not apply to --benchmark"),
            (["importance", "some/run", "--model", "mlp", "--width", "8"], "--model, --width apply to --benchmark only"),
            (["importance", "some/run", "--repeats", "2"], "--repeats applies to --benchmark only"),
            (["prune", "some/run", "--keep", "0.5", "--batch-size", "8"], "--batch-size applies to --benchmark only"),
            (["importance", "some/run", "other/run"], "'other/run': importance takes one run folder"),
            (["importance", "some/run", "--lambda", "0,1", "--importance-lambda", "2"], "give --lambda (one or several λ) or --importance-lambda, not both"),
            (["importance", "some/run", "--benchmark"], "PATH does not apply to --benchmark"),
            (["prune", "--benchmark", "--out", "x", "--data", "d"], "--out, --data do not apply to --benchmark"),
            (["prune", "some/run", "other/run", "--keep", "0.5"], "'other/run': prune takes one run folder or weights file"),
            (["models", "--model", "resnet18", "--hidden", "8"], "--hidden does not apply to resnet18"),
            (["models", "--model", "mlp", "--width", "8"], "--width does not apply to mlp"),
            (["models", "--hidden", "8,0"], "--hidden: expected layer sizes ≥ 1"),
        ]
        for (args, says) in refusals {
            let r = try masklab(args)
            XCTAssertEqual(r.status, 64, "\(args): \(r)")
            XCTAssertTrue(r.stderr.contains(says), "\(args): \(r.stderr)")
        }
    }
}

extension OptionsCLITests {
    /// The lottery scripts now name Frankle & Carbin's training explicitly (lottery has no defaults
    /// of its own); with it, fc-lenet300.sh resolves to the lottery.json its committed run wrote.
    func testLotteryPresetReproducesTheCommittedLotteryConfig() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let r = try CommandRunner.run(["lottery", "--config", root.appendingPathComponent("experiments/lottery/lenet300-frankle.json").path,
                                       "--levels", "18", "--prune", "0.2", "--prune-output", "0.1", "--iterations", "2000",
                                       "--eval-every", "100", "--branches", "reinit,random", "--branch-levels", "3,7,12,15,18",
                                       "--seed", "1", "--threads", "1", "--print-config"], timeout: 120)
        XCTAssertEqual(r.status, 0, "\(r)")
        let printed = try JSONDecoder().decode(LotteryConfig.self, from: Data(r.stdout.utf8))
        let committed = try JSONDecoder().decode(LotteryConfig.self, from: Data(contentsOf: root.appendingPathComponent("results/lottery/fc-lenet300/seed1/lottery.json")))
        XCTAssertEqual(printed, committed)
    }
}
