import XCTest
import Foundation
import Training
import Masks
import Options
import TestSupport
@testable import Experiments

/// One declaration per option: committed configs still load to the same values, partial files
/// and flags share one set of defaults, every option round-trips, and bad values are refused.
final class ConfigOptionsTests: XCTestCase {
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private func files(under folder: String, named test: (String) -> Bool) -> [URL] {
        let base = Self.root.appendingPathComponent(folder)
        guard let e = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { return [] }
        return e.compactMap { $0 as? URL }.filter { test($0.lastPathComponent) }.sorted { $0.path < $1.path }
    }

    /// Options added after runs were committed, with the default those runs used.
    private static let addedDefaults: [String: ConfigValue] = [
        "masks.importance.use": .string("keep"), "masks.importance.stepControl": .string("fixed"), "masks.criterion": .string("magnitude"),
        "masks.pruning": OptionTable(PruningConfig.options).encode(PruningConfig()), "pruning": OptionTable(PruningConfig.options).encode(PruningConfig()),
        "tensorboardWeightHistograms": .bool(false), "run.tensorboardWeightHistograms": .bool(false),
        "masks.dst": OptionTable(DynamicSparsityConfig.options).encode(DynamicSparsityConfig()),
    ].merging(learnedSparsityDefaults) { a, _ in a }

    /// The options of l1, l0 and vd (issue 18) at their defaults, as a MaskConfig encodes them
    /// (one group per sampler: "masks.l1", "masks.l0", "masks.vd").
    private static var learnedSparsityDefaults: [String: ConfigValue] {
        let encoded = OptionTable(MaskConfig.options).encode(MaskConfig()).object ?? [:]
        let groups = Set((L1Penalty.options + L0Gates.options + VariationalDropout.options).map { String($0.key.prefix { $0 != "." }) })
        return Dictionary(uniqueKeysWithValues: groups.compactMap { k in encoded[k].map { ("masks." + k, $0) } })
    }

    /// `value` with every "masks" object's renamed keys (`ConfigOption.formerKeys`, e.g. the flat
    /// `l1Lambda`) moved to where the option is written now (`l1.lambda`), so values compare by key.
    private static func movingFormerKeys(_ value: ConfigValue) -> ConfigValue {
        guard case var .object(o) = value else { return value }
        for (k, v) in o { o[k] = movingFormerKeys(v) }
        guard case var .object(masks)? = o["masks"] else { return .object(o) }
        for option in MaskConfig.options {
            for former in option.formerKeys {
                guard let v = masks.removeValue(forKey: former) else { continue }
                let path = option.key.split(separator: ".").map(String.init)
                masks = (ConfigValue.object(masks).merging(path.reversed().reduce(v) { inner, k in .object([k: inner]) })).object ?? masks
            }
        }
        o["masks"] = .object(masks)
        return .object(o)
    }

    /// Every key of `old` has the same value in `new` (numbers compared as Float and Double
    /// values); keys only in `new` are those the old format left implicit: null optionals,
    /// zero subsets and options added later at their defaults (`addedDefaults`).
    private func assertSameValues(_ old: ConfigValue, _ new: ConfigValue, _ path: String, file: String) {
        let old = path.isEmpty ? Self.movingFormerKeys(old) : old
        switch (old, new) {
        case let (.object(a), .object(b)):
            for (k, v) in a {
                guard let w = b[k] else { XCTFail("\(file): \(path)\(k) lost"); continue }
                assertSameValues(v, w, path + k + ".", file: file)
            }
            for (k, w) in b where a[k] == nil {
                XCTAssertTrue(w == .null || w == .number("0") || (k == "settings") || Self.addedDefaults[path + k] == w, "\(file): \(path)\(k) added as \(w)")
            }
        case let (.number(x), .number(y)):
            XCTAssertEqual(Double(x).map(Float.init), Double(y).map(Float.init), "\(file): \(path)")
        case let (.array(x), .array(y)):
            XCTAssertEqual(x.count, y.count, "\(file): \(path)")
            for (u, v) in zip(x, y) { assertSameValues(u, v, path, file: file) }
        default:
            XCTAssertEqual(old, new, "\(file): \(path)")
        }
    }

    /// Every committed run config (results/**/config.json) loads, and re-encodes to the values it holds.
    func testEveryCommittedRunConfigLoadsAndReencodesToTheSameValues() throws {
        let configs = files(under: "results", named: { $0 == "config.json" })
        XCTAssertGreaterThan(configs.count, 100)
        for url in configs {
            let c = try RunConfig.load(from: url)
            let old = try ConfigText.load(path: url.path)
            assertSameValues(old, try ConfigText.json(c.jsonText(), path: "re-encoded"), "", file: url.path)
            XCTAssertEqual(try RunConfig.decode(ConfigText.json(c.jsonText(), path: ""), path: ""), c, url.path)
        }
    }

    /// Every committed lottery.json (its "run" a complete run config) loads through Codable to the same values.
    func testEveryCommittedLotteryConfigLoads() throws {
        let configs = files(under: "results", named: { $0 == "lottery.json" })
        XCTAssertGreaterThan(configs.count, 10)
        for url in configs {
            let c = try JSONDecoder().decode(LotteryConfig.self, from: Data(contentsOf: url))
            assertSameValues(try ConfigText.load(path: url.path), try ConfigText.json(c.jsonText(), path: ""), "", file: url.path)
        }
    }

    /// The committed experiment files (partial configs, compare bases with their arms) resolve to
    /// what they resolved to before the defaults changed: `LegacyResolved/` holds the configs the
    /// previous binary printed for them (`train --print-config --config …`).
    func testCommittedExperimentsResolveAsBefore() throws {
        let fixtures = files(under: "Tests/ExperimentsTests/LegacyResolved", named: { $0.hasSuffix(".json") })
        XCTAssertGreaterThan(fixtures.count, 20)
        for fixture in fixtures {
            let name = fixture.deletingPathExtension().lastPathComponent
            let expected = try RunConfig.load(from: fixture)
            let parts = name.split(separator: "@").map(String.init)
            let source = Self.root.appendingPathComponent(parts[0].replacingOccurrences(of: "_", with: "/") + ".json")
            var resolved: RunConfig
            if parts.count == 2 {
                let compare = try CompareConfig.load(from: source)
                let arm = try XCTUnwrap(compare.arm(parts[1].replacingOccurrences(of: "P", with: "+")), name)
                resolved = arm.config
                resolved.training.threads = expected.training.threads   // set per run by `runConfig(_:seed:)`
                resolved.training.seed = expected.training.seed
            } else {
                resolved = try RunConfig.load(from: source)
            }
            XCTAssertEqual(resolved, expected, "\(name):\n\(resolved.jsonText())\nexpected\n\(expected.jsonText())")
        }
    }

    /// A partial file starts from the same defaults as the flags: `RunConfig()`, the default job.
    func testPartialFileTakesTheDefaultJob() throws {
        let c = try RunConfig.decode(ConfigText.json(#"{"model": "resnet18", "modelOptions": {"width": 8}, "dataset": "cifar10", "trainSubset": 500}"#, path: ""), path: "p")
        var expected = RunConfig()
        expected.training.model = "resnet18"
        expected.training.modelOptions.width = 8
        expected.training.dataset = "cifar10"
        expected.trainSubset = 500
        XCTAssertEqual(c, expected)
        XCTAssertEqual(c.training.optimizer, OptimizerConfig(name: "sgd", learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-4))
        XCTAssertEqual(c.training.schedule.name, "cosine")
        XCTAssertEqual(c.training.batchSize, 64)
        XCTAssertEqual(c.training.budget, .epochs(15))
        XCTAssertEqual(c.training.threads, ProcessInfo.processInfo.activeProcessorCount)
        XCTAssertEqual(LotteryConfig().run, RunConfig(), "lottery has no defaults of its own")
    }

    /// A YAML config is read by the same table and gives the same config as its JSON.
    func testYAMLConfigEqualsJSON() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("masklab-yaml-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try """
        model: mlp
        modelOptions: {hidden: [64, 32]}
        optimizer:
          learningRate: 0.01
          weightDecay: null
        budget: {iterations: 200}
        masks:
          name: importance
          keep: 0.2
          exclude: [last]
          importance: {lambda: 1}
        """.write(to: dir.appendingPathComponent("c.yaml"), atomically: true, encoding: .utf8)
        try #"{"model": "mlp", "modelOptions": {"hidden": [64, 32]}, "optimizer": {"learningRate": 0.01, "weightDecay": null}, "budget": {"iterations": 200}, "masks": {"name": "importance", "keep": 0.2, "exclude": ["last"], "importance": {"lambda": 1}}}"#
            .write(to: dir.appendingPathComponent("c.json"), atomically: true, encoding: .utf8)
        let y = try RunConfig.load(from: dir.appendingPathComponent("c.yaml"))
        XCTAssertEqual(y, try RunConfig.load(from: dir.appendingPathComponent("c.json")))
        XCTAssertEqual(y.masks?.importance.lambda, 1)
        XCTAssertNil(y.training.optimizer.weightDecay)
    }

    private func message(_ json: String) -> String {
        do { _ = try RunConfig.decode(ConfigText.json(json, path: "c.json"), path: "c.json"); return "" } catch { return "\(error)" }
    }

    /// Mistakes found by fuzzing (issue 12): unknown nested keys, out-of-range values, bad types.
    func testConfigMistakesAreRefusedWithTheRange() {
        XCTAssertEqual(message(#"{"optimizer": {"learningrate": 0.5}}"#),
                       "c.json: unknown key optimizer.learningrate; did you mean learningRate? valid in optimizer: beta1, beta2, dampening, decayNormAndBias, epsilon, learningRate, momentum, name, nesterov, weightDecay")
        XCTAssertTrue(message(#"{"schedule": {"mileStones": [1]}}"#).contains("unknown key schedule.mileStones; did you mean milestones?"))
        XCTAssertTrue(message(#"{"budget": {"epoch": 3}}"#).contains("unknown key budget.epoch; did you mean epochs?"))
        // PyTorch's spellings: initials and snake_case find the key (`lr` suggested `name` before).
        XCTAssertTrue(message(#"{"optimizer": {"lr": 0.1}}"#).contains("unknown key optimizer.lr; did you mean learningRate?"))
        XCTAssertTrue(message(#"{"optimizer": {"weight_decay": 0.1}}"#).contains("did you mean weightDecay?"))
        XCTAssertEqual(OptionTable<RunConfig>.nearest("optimizer.lr", among: ["optimizer.name", "optimizer.learningRate", "optimizer.momentum"]),
                       "optimizer.learningRate")
        XCTAssertNil(OptionTable<RunConfig>.nearest("lr", among: ["learningRate", "lossRatio"]), "ambiguous initials suggest nothing")
        XCTAssertTrue(message(#"{"modelOptions": {"widht": 3}}"#).contains("unknown key modelOptions.widht; did you mean width?"))
        XCTAssertTrue(message(#"{"masks": {"importance": {"lamda": 1}}}"#).contains("unknown key masks.importance.lamda; did you mean lambda?"))
        XCTAssertTrue(message(#"{"seed": -3}"#).hasSuffix("seed: expected an unsigned integer, got -3"))
        XCTAssertTrue(message(#"{"optimizer": {"momentum": 2}}"#).hasSuffix("optimizer.momentum must be in [0, 1), got 2"))
        XCTAssertTrue(message(#"{"schedule": {"warmupIterations": -1}}"#).hasSuffix("must be ≥ 0, got -1"))
        XCTAssertTrue(message(#"{"schedule": {"milestones": [60, 30]}}"#).contains("strictly increasing"))
        XCTAssertTrue(message(#"{"trainSubset": -5}"#).hasSuffix("trainSubset must be ≥ 0, got -5"))
        XCTAssertTrue(message(#"{"batchSize": 1000000000000}"#).contains("batchSize must be in [1, 65536]"))
        XCTAssertTrue(message(#"{"modelOptions": {"hidden": [10000000]}}"#).contains("modelOptions.hidden must be 1 to 32 widths"))
        XCTAssertTrue(message(#"{"modelOptions": {"width": 100000}}"#).contains("modelOptions.width must be in [1, 1024]"))
        XCTAssertTrue(message(#"{"threads": 100000}"#).contains("threads must be in [1, "))
        XCTAssertTrue(message(#"{"budget": {"epochs": 1, "iterations": 2}}"#).contains("give budget.epochs or budget.iterations, not both"))
        XCTAssertTrue(message(#"{"masks": {"name": "importance", "keep": 0.1, "minKeep": 0.5}}"#).contains("minKeep must be in [0, keep"))
        XCTAssertEqual(message(#"{"masks": {"name": "dropconnect", "keep": 0.005}}"#), "", "dropconnect does not read the clip p_min")
    }

    func testSubsetsAreCheckedAgainstTheSplitAndMemoryAgainstTheMachine() {
        var c = RunConfig()
        c.trainSubset = 1_000_000_000
        XCTAssertTrue(c.subsetError(trainCount: 60000, testCount: 10000)?.hasPrefix("trainSubset must be in [0, 60000]") ?? false)
        c.trainSubset = 60000
        c.testSubset = 0
        XCTAssertNil(c.subsetError(trainCount: 60000, testCount: 10000))
        c.training.model = "resnet18"
        c.training.modelOptions.width = 1024
        c.training.batchSize = 4096
        let m = c.memoryError(sampleShape: .init(3, 32, 32), classes: 10, physicalMemory: 8 << 30)
        XCTAssertTrue(m?.hasPrefix("the run needs about ") ?? false, m ?? "nil")
        c.training.modelOptions.width = 8
        c.training.batchSize = 64
        XCTAssertNil(c.memoryError(sampleShape: .init(3, 32, 32), classes: 10, physicalMemory: 8 << 30))
        var mlp = RunConfig()
        mlp.training.modelOptions.hidden = [65536, 65536, 65536]
        XCTAssertNotNil(mlp.memoryError(sampleShape: .init(1, 28, 28), classes: 10, physicalMemory: 8 << 30))
    }

    /// Every option: flag → config (the value lands at its key) → printed config → decoded again → the same config;
    /// and `--set key=value` gives the same as the flag.
    func testEveryOptionRoundTripsThroughFlagPrintAndConfig() throws {
        let table = RunConfig.table
        XCTAssertEqual(Set(table.options.map(\.key)), Set(OptionSamples.run.keys), "every option needs a sample (and no stale samples)")
        for o in table.options {
            let sample = try XCTUnwrap(OptionSamples.run[o.key])
            var viaFlag = RunConfig()
            try table.parse(arguments: o.isSwitch ? ["--\(o.flag)=\(sample)"] : ["--\(o.flag)", sample], into: &viaFlag)
            XCTAssertNotEqual(viaFlag, RunConfig(), "\(o.key): the sample equals the default")
            var viaSet = RunConfig()
            try table.set("\(o.key)=\(sample)", in: &viaSet)
            XCTAssertEqual(viaSet, viaFlag, o.key)
            let printed = viaFlag.jsonText()
            XCTAssertEqual(try RunConfig.decode(ConfigText.json(printed, path: ""), path: o.key), viaFlag, "\(o.key):\n\(printed)")
            XCTAssertEqual(viaFlag.runName == RunConfig().runName, false, "\(o.key) changes the run name")
        }
    }
}
