import XCTest
import Foundation
import TensorCore
import Layers
import Masks
import Training
import TestSupport
@testable import Experiments

/// Lottery levels end to end on a tiny generated MNIST (240 training, 60 test images; MLP 784-16-10).
final class LotteryRunTests: XCTestCase {
    private var data: TemporaryDirectory!

    override func setUpWithError() throws {
        data = TemporaryDirectory("masklab-lottery-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
    }

    private func config(hidden: Int = 16, levels: Int = 2, reset: LotteryReset = .initial, k: Int = 0, lr: Float = 1e-2) -> LotteryConfig {
        var t = TrainingConfig(model: "mlp", dataset: "mnist", batchSize: 32, evalBatchSize: 50,
                               optimizer: OptimizerConfig(name: "adam", learningRate: lr), budget: .iterations(8), seed: 3, threads: 1)
        t.modelOptions.hidden = [hidden]
        var c = LotteryConfig(run: RunConfig(training: t, validation: 40))
        c.levels = levels
        c.pruneFraction = 0.5
        c.reset = reset
        c.rewindIteration = k
        c.evaluateEvery = 4
        c.branches = [.reinit, .random]
        return c
    }

    /// Masked-parameter values of a network by name.
    private func weights(_ network: Network) -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: network.store.parameters.map { ($0.name, $0.value.toArray()) })
    }

    private func load(_ url: URL) throws -> [String: [Float]] {
        let f = try SafetensorsFile.read(from: url)
        return Dictionary(uniqueKeysWithValues: f.tensors.filter { $0.dtype == .f32 && !$0.name.hasPrefix("hook.") && !$0.name.hasPrefix("optimizer.") }.map { ($0.name, $0.floats) })
    }

    /// Every level starts from m ⊙ θk (k = 0: θ0) exactly, pruned weights are exactly zero at the
    /// start and after training; the reinit branch starts elsewhere; the random branch keeps the counts.
    private func checkResetting(reset: LotteryReset, k: Int) throws {
        let out = TemporaryDirectory("masklab-lottery-run")
        let layout = LotteryLayout(directory: out.url)
        var starts: [String: [String: [Float]]] = [:]
        let outcome = try LotteryRun.run(config(reset: reset, k: k), dataRoot: data.url, layout: layout, commandLine: ["test"],
                                         onLevelStart: { level, arm, network in starts["\(level)/\(arm)"] = self.weights(network) })
        XCTAssertFalse(outcome.stopped)
        XCTAssertEqual(outcome.results.map { "\($0.level)/\($0.arm)" }, ["0/ticket", "1/ticket", "1/reinit", "1/random", "2/ticket", "2/reinit", "2/random"])
        let theta0 = try load(layout.initial)
        let thetaK = k > 0 ? try load(layout.rewind) : theta0
        if k > 0 { XCTAssertNotEqual(thetaK["fc1.weight"], theta0["fc1.weight"], "θk moved away from θ0") }
        for level in 1...2 {
            let mask = try LotteryMask.read(from: LotteryLayout.mask(layout.level(level)))
            let start = try XCTUnwrap(starts["\(level)/ticket"])
            let trained = try load(layout.level(level).appendingPathComponent("last.safetensors"))
            for t in mask.tensors {
                for j in t.values.indices {
                    XCTAssertEqual(start[t.name]![j], t.values[j] == 0 ? 0 : thetaK[t.name]![j], "level \(level) \(t.name)[\(j)] start")
                    if t.values[j] == 0 { XCTAssertEqual(trained[t.name]![j], 0, "level \(level) \(t.name)[\(j)] revived by training") }
                }
            }
            XCTAssertEqual(start["fc1.bias"], thetaK["fc1.bias"], "unmasked parameters reset too")
            let reinit = try XCTUnwrap(starts["\(level)/reinit"])
            XCTAssertNotEqual(reinit["fc1.weight"], start["fc1.weight"], "random re-initialisation differs")
            let random = try LotteryMask.read(from: LotteryLayout.mask(layout.level(level, branch: .random)))
            XCTAssertEqual(random.tensors.map(\.kept), mask.tensors.map(\.kept))
            XCTAssertNotEqual(random, mask)
        }
        // Each level keeps half of the hidden survivors and 75% of the output layer's.
        let r = outcome.results.filter { $0.arm == "ticket" }
        XCTAssertEqual(r.map(\.kept), [784 * 16 + 160, 6272 + 120, 3136 + 90])
        for x in outcome.results {
            XCTAssertGreaterThan(x.earlyStopIteration, 0)
            XCTAssertLessThanOrEqual(x.earlyStopIteration, 8)
            XCTAssertEqual(x.earlyStopIteration % 4, 0)
        }
    }

    func testResetToInitialWeights() throws { try checkResetting(reset: .initial, k: 0) }
    func testLateResetting() throws { try checkResetting(reset: .rewind, k: 3) }

    /// Without a validation split the early stop is chosen on the test set, and level.json says so;
    /// a level's seconds are its run's summed training time (before session 22: the time since the
    /// last start, so a resumed level under-reported).
    func testLevelRecordsTheEarlyStopSplitAndItsWholeTime() throws {
        let out = TemporaryDirectory("masklab-lottery-split")
        var c = config(levels: 0)
        c.run.validation = 0
        let layout = LotteryLayout(directory: out.url)
        let r = try LotteryRun.run(c, dataRoot: data.url, layout: layout, commandLine: ["test"])
        XCTAssertEqual(r.results.map(\.earlyStopSplit), ["test"])
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: LotteryLayout.result(layout.level(0)))) as? [String: Any])
        XCTAssertEqual(json["earlyStopSplit"] as? String, "test")
        let summary = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: layout.level(0).appendingPathComponent("summary.json"))) as? [String: Any])
        // Foundation's JSON reader may round the last digit: equal to far below a microsecond.
        XCTAssertEqual(try XCTUnwrap(r.results.first?.seconds), try XCTUnwrap(summary["totalSeconds"] as? Double), accuracy: 1e-12)
    }

    func testLevelsResumeAndRepeatBitIdentically() throws {
        let out = TemporaryDirectory("masklab-lottery-resume")
        let layout = LotteryLayout(directory: out.url)
        let c = config(levels: 1)
        let first = try LotteryRun.run(c, dataRoot: data.url, layout: layout, commandLine: ["test"])
        // Everything finished: nothing trains again, and the rerun records no invocation.
        let commandFile = out.url.appendingPathComponent("command.txt")
        let command = try String(contentsOf: commandFile, encoding: .utf8)
        var trained: [String] = []
        let again = try LotteryRun.run(c, dataRoot: data.url, layout: layout, commandLine: ["again"], onLevelStart: { l, a, _ in trained.append("\(l)/\(a)") })
        XCTAssertEqual(trained, [])
        XCTAssertEqual(again.results, first.results)
        XCTAssertEqual(try String(contentsOf: commandFile, encoding: .utf8), command, "a finished chain read back is not an invocation")
        XCTAssertEqual(first.results.map(\.earlyStopSplit), first.results.map { _ in "validation" }, "validation: 40")
        // Level 1 lost: only it trains again, with the same metrics.
        try FileManager.default.removeItem(at: LotteryLayout.result(layout.level(1)))
        try FileManager.default.removeItem(at: layout.level(1).appendingPathComponent("last.safetensors"))
        let third = try LotteryRun.run(c, dataRoot: data.url, layout: layout, commandLine: ["test"], onLevelStart: { l, a, _ in trained.append("\(l)/\(a)") })
        XCTAssertEqual(trained, ["1/ticket"])
        func strip(_ r: [LotteryLevelResult]) -> [LotteryLevelResult] { r.map { var x = $0; x.seconds = 0; return x } }
        XCTAssertEqual(strip(third.results), strip(first.results))
        // Killed after level 1's training ended but before its result was written (level.json,
        // levels.csv): the rerun reads the finished level from its checkpoint and files, trains nothing.
        try FileManager.default.removeItem(at: LotteryLayout.result(layout.level(1)))
        try FileManager.default.removeItem(at: layout.levels)
        let fourth = try LotteryRun.run(c, dataRoot: data.url, layout: layout, commandLine: ["test"])
        XCTAssertEqual(strip(fourth.results), strip(first.results))
        XCTAssertEqual(try String(contentsOf: layout.level(1).appendingPathComponent("metrics.csv"), encoding: .utf8).split(separator: "\n").count, 3,
                       "header + 2 epochs (8 iterations of 7.5 per epoch), not repeated")
        // More levels extend the chain: only the new level trains, the earlier ones are kept as they are.
        var longer = c
        longer.levels = 2
        trained = []
        let extended = try LotteryRun.run(longer, dataRoot: data.url, layout: layout, commandLine: ["test"], onLevelStart: { l, a, _ in trained.append("\(l)/\(a)") })
        XCTAssertEqual(trained, ["2/ticket", "2/reinit", "2/random"])
        XCTAssertEqual(strip(Array(extended.results.prefix(first.results.count))), strip(first.results))
        XCTAssertEqual(try JSONDecoder().decode(LotteryConfig.self, from: Data(contentsOf: layout.config)).levels, 2, "lottery.json records the new length")
        XCTAssertEqual(try String(contentsOf: layout.levels, encoding: .utf8).split(separator: "\n").count, 1 + 7)
        // Fewer levels than the folder holds, and other settings, are refused.
        XCTAssertThrowsError(try LotteryRun.run(c, dataRoot: data.url, layout: layout, commandLine: ["test"])) { e in
            XCTAssertTrue("\(e)".contains("levels 2 in the folder, 1 here"), "\(e)")
        }
        var other = longer
        other.pruneFraction = 0.3
        XCTAssertThrowsError(try LotteryRun.run(other, dataRoot: data.url, layout: layout, commandLine: ["test"])) { e in
            XCTAssertTrue("\(e)".contains("other settings"), "\(e)")
            XCTAssertTrue("\(e)".contains("pruneFraction 0.5 in the folder, 0.3 here"), "the message names what differs: \(e)")
        }
    }

    /// A stop that arrives as a level ends starts no further training: the next level's mask is
    /// saved (so the chain goes on from it), but its folder gets no command.txt and no checkpoint
    /// (before, it trained one step on this binary only to checkpoint it).
    func testAStopBetweenLevelsStartsNoNewTraining() throws {
        let out = TemporaryDirectory("masklab-lottery-stop-between")
        let layout = LotteryLayout(directory: out.url)
        let control = TrainingControl()
        var started: [String] = []
        let outcome = try LotteryRun.run(config(levels: 1), dataRoot: data.url, layout: layout, commandLine: ["test"], control: control,
                                         onLevelStart: { l, a, _ in started.append("\(l)/\(a)") },
                                         log: { line in if line.hasPrefix("level  0") { control.requestStop(checkpoint: true) } })
        XCTAssertTrue(outcome.stopped)
        XCTAssertEqual(started, ["0/ticket"])
        XCTAssertEqual(outcome.results.map(\.level), [0])
        XCTAssertTrue(FileManager.default.fileExists(atPath: LotteryLayout.mask(layout.level(1)).path), "level 1's mask is saved")
        XCTAssertFalse(FileManager.default.fileExists(atPath: layout.level(1).appendingPathComponent("command.txt").path), "level 1 did not start")
        // The next invocation goes on from level 1.
        let resumed = try LotteryRun.run(config(levels: 1), dataRoot: data.url, layout: layout, commandLine: ["test"],
                                         onLevelStart: { l, a, _ in started.append("\(l)/\(a)") })
        XCTAssertFalse(resumed.stopped)
        XCTAssertEqual(started.first, "0/ticket")
        XCTAssertEqual(started.dropFirst().first, "1/ticket")
    }

    /// A chain stopped right after level 1's ticket, whose checkpoints are then all gone (a new
    /// machine with only what git keeps: the JSON and CSV files and the ticket levels' masks), goes
    /// on from level 1's branches and gives the same results as the uninterrupted chain, with
    /// reset to θ0 and to a fresh initialisation; without level 2's mask it says what is missing.
    func testChainGoesOnFromItsCommittedFilesAlone() throws {
        for reset in [LotteryReset.initial, .reinitialise] {
            let c = config(levels: 2, reset: reset)
            let whole = TemporaryDirectory("masklab-lottery-whole")
            let first = try LotteryRun.run(c, dataRoot: data.url, layout: LotteryLayout(directory: whole.url), commandLine: ["test"])
            // Stopped when level 1's first branch starts: the ticket of level 1 has ended, level 2 has not begun.
            let out = TemporaryDirectory("masklab-lottery-committed")
            let layout = LotteryLayout(directory: out.url)
            let control = TrainingControl()
            let stopped = try LotteryRun.run(c, dataRoot: data.url, layout: layout, commandLine: ["test"], control: control,
                                             onLevelStart: { l, a, _ in if "\(l)/\(a)" == "1/reinit" { control.requestStop(checkpoint: true) } })
            XCTAssertTrue(stopped.stopped)
            XCTAssertTrue(FileManager.default.fileExists(atPath: LotteryLayout.mask(layout.level(2)).path),
                          "\(reset): level 2's mask is written when level 1's ticket ends, before level 2 starts")
            // What git does not keep is gone: θ0, every checkpoint, the branches' masks.
            let fm = FileManager.default
            let enumerator = try XCTUnwrap(fm.enumerator(at: out.url, includingPropertiesForKeys: nil))
            var gone = 0
            for case let url as URL in enumerator where url.pathExtension == "safetensors" {
                let kept = url.lastPathComponent == "mask.safetensors" && url.deletingLastPathComponent().lastPathComponent.hasPrefix("level_")
                if !kept { try fm.removeItem(at: url); gone += 1 }
            }
            XCTAssertEqual(gone, 1 + 3 + 1, "\(reset): θ0, the checkpoints of levels 0 and 1 and of the stopped branch, its mask")
            var trained: [String] = []
            let resumed = try LotteryRun.run(c, dataRoot: data.url, layout: layout, commandLine: ["test"],
                                             onLevelStart: { l, a, _ in trained.append("\(l)/\(a)") })
            XCTAssertEqual(trained, ["1/reinit", "1/random", "2/ticket", "2/reinit", "2/random"], "\(reset): only what had not ended trains")
            func strip(_ r: [LotteryLevelResult]) -> [LotteryLevelResult] { r.map { var x = $0; x.seconds = 0; return x } }
            XCTAssertEqual(strip(resumed.results), strip(first.results), "\(reset): the saved masks and the seed give the same chain")
            // Without level 2's mask and level 1's weights (a finished chain extended from a fresh
            // clone): level 1 trains again, its records must match the committed ones, and level 2
            // comes out as in the uninterrupted chain.
            for file in [layout.levels, layout.plot] { try? fm.removeItem(at: file) }
            try fm.removeItem(at: layout.level(2))
            for case let url as URL in try XCTUnwrap(fm.enumerator(at: out.url, includingPropertiesForKeys: nil))
            where url.pathExtension == "safetensors" && url.lastPathComponent != "mask.safetensors" { try fm.removeItem(at: url) }
            var lines: [String] = []
            trained = []
            let extended = try LotteryRun.run(c, dataRoot: data.url, layout: layout, commandLine: ["test"],
                                              onLevelStart: { l, a, _ in trained.append("\(l)/\(a)") }, log: { lines.append($0) })
            XCTAssertEqual(trained, ["1/ticket", "2/ticket", "2/reinit", "2/random"], "\(reset): level 1 again, then level 2")
            XCTAssertEqual(strip(extended.results), strip(first.results), "\(reset): the same level-2 mask and results")
            XCTAssertTrue(lines.contains { $0.contains("level 1 trained again:") && $0.contains("values identical") }, "\(lines)")
            XCTAssertEqual(TemporaryFolders.registered, [], "\(reset): the folder level 1 trained again in is removed and forgotten")
            // A committed record the retraining does not reproduce stops the extension, naming the file.
            try fm.removeItem(at: layout.level(2))
            for file in [layout.levels, layout.plot] { try? fm.removeItem(at: file) }
            try? fm.removeItem(at: layout.level(1).appendingPathComponent("last.safetensors"))
            let result = LotteryLayout.result(layout.level(1))
            let text = try String(contentsOf: result, encoding: .utf8)
            let altered = text.replacingOccurrences(of: "\"earlyStopIteration\" : ", with: "\"earlyStopIteration\" : 1")
            XCTAssertNotEqual(altered, text)
            try altered.write(to: result, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try LotteryRun.run(c, dataRoot: data.url, layout: layout, commandLine: ["test"])) { e in
                XCTAssertTrue("\(e)".contains("level 1 trained again does not reproduce its committed records"), "\(e)")
                XCTAssertTrue("\(e)".contains("level.json: 1 row × 12 columns, DIFFERENT"), "\(e)")
                XCTAssertTrue("\(e)".contains("level's command.txt records this machine's CPU and kernels"),
                              "the same machine: the difference lies elsewhere: \(e)")
            }
            XCTAssertEqual(TemporaryFolders.registered, [], "\(reset): also when the records differ")
            XCTAssertFalse(fm.fileExists(atPath: LotteryLayout.mask(layout.level(2)).path), "\(reset): no level-2 mask from unverified weights")
            // So does one value of metrics.csv, with level.json as committed.
            try text.write(to: result, atomically: true, encoding: .utf8)
            let metrics = layout.level(1).appendingPathComponent("metrics.csv")
            var rows = try String(contentsOf: metrics, encoding: .utf8).components(separatedBy: "\n")
            var fields = rows[1].components(separatedBy: ",")
            fields[3] += "1"   // train_loss, one more digit
            rows[1] = fields.joined(separator: ",")
            try rows.joined(separator: "\n").write(to: metrics, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try LotteryRun.run(c, dataRoot: data.url, layout: layout, commandLine: ["test"])) { e in
                XCTAssertTrue("\(e)".contains("metrics.csv: 2 rows"), "\(e)")
            }
        }
    }

    /// Which weights each arm starts from, for every reset: the rule `LotteryRun` and
    /// `RunReproduction` share.
    func testStartKindsForEveryResetLevelAndArm() {
        var c = config()
        func kinds(_ reset: LotteryReset, k: Int = 0) -> [String] {
            c.reset = reset
            c.rewindIteration = k
            return [(0, "ticket"), (0, "random"), (0, "reinit"), (2, "ticket"), (2, "random"), (2, "reinit")].map {
                "\(LotteryRun.startKind(arm: $0.1, level: $0.0, config: c))"
            }
        }
        XCTAssertEqual(kinds(.initial), ["theta0", "theta0", "fresh", "theta0", "theta0", "fresh"])
        XCTAssertEqual(kinds(.rewind, k: 0), ["theta0", "theta0", "fresh", "theta0", "theta0", "fresh"])
        XCTAssertEqual(kinds(.rewind, k: 3), ["theta0", "theta0", "fresh", "thetaK", "thetaK", "fresh"])
        XCTAssertEqual(kinds(.reinitialise), ["theta0", "theta0", "fresh", "fresh", "fresh", "fresh"])
    }

    /// A stop while a level trains again (a chain extended without its checkpoints) is a stop,
    /// not an error; a late-resetting chain without θk says so before training anything.
    func testAStopInTheRetrainingIsAStopAndAMissingThetaKFailsFirst() throws {
        let fm = FileManager.default
        func strip(_ r: [LotteryLevelResult]) -> [LotteryLevelResult] { r.map { var x = $0; x.seconds = 0; return x } }
        func dropWeights(_ dir: URL) throws {
            for case let url as URL in try XCTUnwrap(fm.enumerator(at: dir, includingPropertiesForKeys: nil))
            where url.pathExtension == "safetensors" && url.lastPathComponent != "mask.safetensors" { try fm.removeItem(at: url) }
        }
        let c = config(levels: 1)
        var longer = c
        longer.levels = 2
        let whole = TemporaryDirectory("masklab-lottery-stop-whole")
        let reference = try LotteryRun.run(longer, dataRoot: data.url, layout: LotteryLayout(directory: whole.url), commandLine: ["test"])
        let out = TemporaryDirectory("masklab-lottery-stop")
        let layout = LotteryLayout(directory: out.url)
        _ = try LotteryRun.run(c, dataRoot: data.url, layout: layout, commandLine: ["test"])
        try dropWeights(out.url)
        let control = TrainingControl()
        let stopped = try LotteryRun.run(longer, dataRoot: data.url, layout: layout, commandLine: ["test"], control: control,
                                         onLevelStart: { l, a, _ in if "\(l)/\(a)" == "1/ticket" { control.requestStop(checkpoint: true) } })
        XCTAssertTrue(stopped.stopped)
        XCTAssertFalse(fm.fileExists(atPath: LotteryLayout.mask(layout.level(2)).path))
        var trained: [String] = []
        let extended = try LotteryRun.run(longer, dataRoot: data.url, layout: layout, commandLine: ["test"],
                                          onLevelStart: { l, a, _ in trained.append("\(l)/\(a)") })
        XCTAssertEqual(trained, ["1/ticket", "2/ticket", "2/reinit", "2/random"])
        XCTAssertEqual(strip(extended.results), strip(reference.results))

        var rewind = config(levels: 1, reset: .rewind, k: 3)
        let r = TemporaryDirectory("masklab-lottery-rewind")
        _ = try LotteryRun.run(rewind, dataRoot: data.url, layout: LotteryLayout(directory: r.url), commandLine: ["test"])
        try dropWeights(r.url)
        rewind.levels = 2
        trained = []
        XCTAssertThrowsError(try LotteryRun.run(rewind, dataRoot: data.url, layout: LotteryLayout(directory: r.url), commandLine: ["test"],
                                                onLevelStart: { l, a, _ in trained.append("\(l)/\(a)") })) { e in
            XCTAssertTrue("\(e)".contains("θ3 is missing"), "\(e)")
        }
        XCTAssertEqual(trained, [], "nothing trains before the missing θk is reported")
    }

    func testTransferTrainsAGivenMaskAndRejectsAMismatch() throws {
        let a = TemporaryDirectory("masklab-lottery-a")
        _ = try LotteryRun.run(config(levels: 1), dataRoot: data.url, layout: LotteryLayout(directory: a.url), commandLine: ["test"])
        let maskFile = LotteryLayout.mask(LotteryLayout(directory: a.url).level(1))
        let mask = try LotteryMask.read(from: maskFile)
        var t = config(levels: 0)
        t.transfer = maskFile.path
        let b = TemporaryDirectory("masklab-lottery-b")
        let r = try LotteryRun.run(t, dataRoot: data.url, layout: LotteryLayout(directory: b.url), commandLine: ["test"])
        XCTAssertEqual(r.results.map(\.kept), [mask.kept])
        var wrong = config(hidden: 8, levels: 0)
        wrong.transfer = maskFile.path
        let c = TemporaryDirectory("masklab-lottery-c")
        XCTAssertThrowsError(try LotteryRun.run(wrong, dataRoot: data.url, layout: LotteryLayout(directory: c.url), commandLine: ["test"])) { e in
            XCTAssertTrue("\(e)".contains("does not fit") && "\(e)".contains("fc1.weight: mask [16, 784], model [8, 784]"), "\(e)")
        }
    }

    /// The retraining's refusal names what differs from the level's recorded hardware and the
    /// variable that chooses it, for every invocation of its `command.txt`, each once.
    func testTheRetrainingRefusalNamesTheHardwareDifferenceAndItsVariable() {
        let here = RunOrigin(commit: "abc", cpu: "Intel Xeon", blas: "OpenBLAS 0.3.21 SkylakeX", winograd: "fused", strided: "im2col")
        let block = "command: masklab lottery\ncommit: def\nmachine: Linux 6.1 x86_64, Intel Xeon, 2 cores\nblas: OpenBLAS 0.3.21 SkylakeX\n"
            + "winograd: fused\nstrided: direct (MASKLAB_DIRECT_STRIDED)\n"
        let twice = block + "\n" + RunFolder.earlierInvocation + "\n" + block
        XCTAssertEqual(LotteryRun.hardwareHint(recorded: twice, here: here),
                       "the stride-2 convolutions: direct there, im2col here (MASKLAB_DIRECT_STRIDED)")
        var same = here
        same.strided = "direct"
        let hint = LotteryRun.hardwareHint(recorded: block, here: same)
        XCTAssertTrue(hint.hasPrefix("the level's command.txt records this machine's CPU and kernels"), hint)
        XCTAssertTrue(hint.contains("commit def there, abc here"), hint)
        same.commit = "def"
        XCTAssertTrue(LotteryRun.hardwareHint(recorded: block, here: same).contains("the same commit, def"))
        let unknown = "the level's command.txt is missing or records no invocation, so they are unknown"
        XCTAssertEqual(LotteryRun.hardwareHint(recorded: nil, here: here), unknown)
        XCTAssertEqual(LotteryRun.hardwareHint(recorded: "", here: here), unknown)
    }
}
