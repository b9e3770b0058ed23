import XCTest
import Foundation
@testable import Experiments
import Masks

/// `masklab diff`'s comparison, the shipped PyTorch anchor script and the `--reset` short forms.
final class ConveniencesTests: XCTestCase {
    func testConfigDiffWalksNestedKeysAndTreatsDefaultsAsEqual() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("masklab-diff-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var a = RunConfig()
        a.training.optimizer.learningRate = 0.05
        var b = a
        b.training.optimizer.learningRate = 0.1
        b.training.modelOptions.hidden = [500, 300]
        try a.jsonText().write(to: dir.appendingPathComponent("a.json"), atomically: true, encoding: .utf8)
        try b.jsonText().write(to: dir.appendingPathComponent("b.json"), atomically: true, encoding: .utf8)
        // A file that leaves every default out is the same configuration as one that spells them out.
        try #"{"optimizer": {"learningRate": 0.05}}"#.write(to: dir.appendingPathComponent("short.json"), atomically: true, encoding: .utf8)
        let d = ConfigDiff.differences(try ConfigDiff.load(dir.appendingPathComponent("a.json").path), try ConfigDiff.load(dir.appendingPathComponent("b.json").path))
        XCTAssertEqual(d.map(\.line), ["modelOptions.hidden: absent → [500,300]", "optimizer.learningRate: 0.05 → 0.1"])
        let same = ConfigDiff.differences(try ConfigDiff.load(dir.appendingPathComponent("a.json").path),
                                          try ConfigDiff.load(dir.appendingPathComponent("short.json").path))
        XCTAssertEqual(same.map(\.line), [])
        XCTAssertThrowsError(try ConfigDiff.load(dir.appendingPathComponent("missing").path))
        // A group on one side only is named, not spelled out key by key.
        var masked = a
        masked.masks = MaskConfig(name: "importance", keep: 0.2)
        try masked.jsonText().write(to: dir.appendingPathComponent("m.json"), atomically: true, encoding: .utf8)
        let m = ConfigDiff.differences(try ConfigDiff.load(dir.appendingPathComponent("a.json").path), try ConfigDiff.load(dir.appendingPathComponent("m.json").path))
        XCTAssertEqual(m.count, 1)
        // Its settings away from their defaults are shown (the keep rate here), the rest counted.
        XCTAssertTrue(m[0].line.hasPrefix(#"masks: absent → {"name":"importance", "keep":0.2, …"#) && m[0].line.hasSuffix(" more keys at their defaults}"), m[0].line)
        masked.masks?.importance.lambda = 3
        try masked.jsonText().write(to: dir.appendingPathComponent("m.json"), atomically: true, encoding: .utf8)
        let m2 = ConfigDiff.differences(try ConfigDiff.load(dir.appendingPathComponent("a.json").path), try ConfigDiff.load(dir.appendingPathComponent("m.json").path))
        XCTAssertTrue(m2[0].line.contains(#""importance.lambda":3"#), m2[0].line)
        // A YAML file that is not a run config (a lottery's) is read as written, not refused as a run config.
        try "levels: 3\nrun:\n  seed: 5\n".write(to: dir.appendingPathComponent("l.yaml"), atomically: true, encoding: .utf8)
        let lottery = try ConfigDiff.load(dir.appendingPathComponent("l.yaml").path)
        XCTAssertEqual(lottery["levels"] as? Int, 3)
        XCTAssertEqual((lottery["run"] as? [String: Any])?["seed"] as? Int, 5)
        // A run config's YAML with a mistake is reported as train reports it, not diffed as written.
        try "optimizer:\n  learningRat: 0.1\n".write(to: dir.appendingPathComponent("r.yaml"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ConfigDiff.load(dir.appendingPathComponent("r.yaml").path)) { error in
            XCTAssertTrue("\(error)".contains("learningRat"), "\(error)")
        }
    }

    /// A run against its comparison is compared with the run that comparison makes of the run's
    /// arm at its seed (`threadsPerJob` threads, the arm's masks), not with the bare `base` block.
    func testConfigDiffAlignsARunWithItsComparisonArm() throws {
        var base = RunConfig()
        base.training.optimizer.learningRate = 0.05
        base.masks = MaskConfig(name: "none", keep: 0.5)
        var baseObject = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(base.jsonText().utf8)) as? [String: Any])
        baseObject["threads"] = nil   // a study's base leaves them to threadsPerJob
        let study: [String: Any] = ["name": "t", "seeds": [0, 1], "jobs": 1, "threadsPerJob": 1, "base": baseObject,
                                    "arms": [["name": "baseline", "masks": NSNull()], ["name": "dropconnect", "masks": ["name": "dropconnect"]]]]
        let config = try CompareConfig.parse(study, path: "t")
        let run = try XCTUnwrap(config.arm("dropconnect")).config
        var made = config.runConfig(try XCTUnwrap(config.arm("dropconnect")), seed: 1)
        let runObject = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(made.jsonText().utf8)) as? [String: Any])
        XCTAssertEqual(run.masks?.name, "dropconnect")
        // Named by its folder: exactly the run the comparison makes, so nothing differs.
        let byFolder = ConfigDiff.aligned(runObject, study, pathA: "/x/compare-t/runs/dropconnect/seed-1")
        XCTAssertEqual(ConfigDiff.differences(byFolder.a, byFolder.b).map(\.line), [])
        XCTAssertTrue(byFolder.note?.contains("arm \"dropconnect\" at seed 1 (the run it makes there; the arm the run's folder names)") == true,
                      byFolder.note ?? "")
        // The folder wins over closeness: the dropconnect run in baseline's folder (a config.json given as a file, a trailing slash) differs by its masks.
        for path in ["/x/compare-t/runs/baseline/seed-1/config.json", "/x/compare-t/runs/baseline/seed-1/"] {
            let misplaced = ConfigDiff.aligned(runObject, study, pathA: path)
            XCTAssertTrue(misplaced.note?.contains("arm \"baseline\"") == true, misplaced.note ?? "")
            XCTAssertEqual(ConfigDiff.differences(misplaced.a, misplaced.b).map(\.key), ["masks"], path)
        }
        // A comparison that leaves its arms to the default four is still a comparison.
        var defaultArms = study
        defaultArms["arms"] = nil
        let byDefault = ConfigDiff.aligned(runObject, defaultArms, pathA: "/x/compare-t/runs/dropconnect/seed-1")
        XCTAssertTrue(byDefault.note?.contains("arm \"dropconnect\"") == true, byDefault.note ?? "")
        XCTAssertEqual(ConfigDiff.differences(byDefault.a, byDefault.b).map(\.line), [])
        // A prune-sweep file (seeds and base, with criteria and ratios) is not read as a comparison.
        var pruneSweep = study
        pruneSweep["arms"] = nil
        pruneSweep["criteria"] = ["magnitude"]
        pruneSweep["ratios"] = [0.5]
        XCTAssertTrue(ConfigDiff.aligned(runObject, pruneSweep).note == nil)
        // Outside a comparison folder, the closest arm; a real difference still shows.
        made.training.optimizer.learningRate = 0.1
        let moved = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(made.jsonText().utf8)) as? [String: Any])
        let closest = ConfigDiff.aligned(study, moved, pathB: "/tmp/elsewhere")
        XCTAssertTrue(closest.note?.contains("arm \"dropconnect\" at seed 1") == true, closest.note ?? "")
        XCTAssertEqual(ConfigDiff.differences(closest.a, closest.b).map(\.line), ["optimizer.learningRate: 0.05 → 0.1"])
        // The baseline arm has no masks and the study sets one thread: neither is a difference.
        let baseline = config.runConfig(try XCTUnwrap(config.arm("baseline")), seed: 0)
        let baselineObject = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(baseline.jsonText().utf8)) as? [String: Any])
        let plain = ConfigDiff.aligned(baselineObject, study, pathA: "/x/compare-t/runs/baseline/seed-0")
        XCTAssertEqual(ConfigDiff.differences(plain.a, plain.b).map(\.line), [])
        // Against the bare base block both would differ (the old comparison).
        let bare = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(base.jsonText().utf8)) as? [String: Any])
        XCTAssertFalse(ConfigDiff.differences(baselineObject, bare).isEmpty)
    }

    /// `masklab bench --torch` finds the project's own bench/torch_anchor.py from a binary in .build.
    func testTorchAnchorScriptIsFoundInTheProject() throws {
        let project = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = project.appendingPathComponent("bench/torch_anchor.py")
        XCTAssertTrue(FileManager.default.fileExists(atPath: script.path), "the anchor script ships with the project")
        let header = try String(contentsOf: script, encoding: .utf8).split(separator: "\n").prefix(5).joined(separator: "\n")
        XCTAssertTrue(header.contains("../shared/bench/torch_anchor.py"), "the header says where it came from")
        let binary = project.appendingPathComponent(".build/x86_64-unknown-linux-gnu/release/masklab")
        XCTAssertEqual(TorchAnchor.defaultScript(executable: binary, currentDirectory: URL(fileURLWithPath: "/")), script.path)
        XCTAssertNil(TorchAnchor.defaultScript(executable: URL(fileURLWithPath: "/usr/bin/masklab"), currentDirectory: URL(fileURLWithPath: "/")))
    }

    /// A resume compares configs without what the run logs to TensorBoard (it changes no result),
    /// but with everything else: the evaluation batch, and how often it checkpoints (switched
    /// off, it would leave older weights behind as the run's).
    func testResumeIgnoresOnlyTensorBoardLogging() {
        let a = RunConfig()
        var b = a
        b.tensorboardEveryIterations = 7
        b.tensorboardWeightHistograms = true
        XCTAssertNotEqual(a.readSettings, b.readSettings)
        XCTAssertEqual(a.resumeSettings, b.resumeSettings)
        // Every logging key is reset by resumeSettings: each one alone makes no difference.
        let encoded = try! JSONSerialization.jsonObject(with: Data(b.jsonText().utf8)) as! [String: Any]
        let plain = try! JSONSerialization.jsonObject(with: Data(a.jsonText().utf8)) as! [String: Any]
        XCTAssertEqual(Set(RunConfig.loggingKeys), Set(encoded.keys.filter { !NSDictionary(dictionary: [$0: encoded[$0]!]).isEqual(to: [$0: plain[$0]!]) }))
        for change in [{ (c: inout RunConfig) in c.training.evalBatchSize = 17 }, { $0.training.checkpointEveryEpochs = 0 },
                       { $0.training.checkpointEveryIterations = 5 }] {
            var c = a
            change(&c)
            XCTAssertNotEqual(a.resumeSettings, c.resumeSettings)
        }
    }

    func testResetShortForms() {
        XCTAssertEqual(LotteryReset(name: "init"), .initial)
        XCTAssertEqual(LotteryReset(name: "reinit"), .reinitialise)
        XCTAssertEqual(LotteryReset(name: "rewind"), .rewind)
        XCTAssertNil(LotteryReset(name: "theta0"))
    }
}
