import XCTest
import Foundation
import Masks
import Options
import TestSupport
@testable import Experiments

/// The options of l1, l0 and vd moved from flat keys (`masks.l1Lambda`, `masks.vdKLStart`, …)
/// to one group per family, like `masks.dst.…` (`masks.l1.lambda`, `masks.vd.klStart`, …). The
/// committed run configs, written with the flat keys, load to the same settings; `masklab diff`
/// sees no difference between such a file and the same settings in the nested keys; and a run
/// folder saved with the flat keys resumes under a config given in the nested ones.
final class MaskOptionKeysTests: XCTestCase {
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The flat key of each learned-sparsity option and its nested key (relative to "masks").
    static let renamed: [(flat: String, nested: String)] = [
        ("l1Lambda", "l1.lambda"), ("l1TargetSparsity", "l1.targetSparsity"), ("l0Lambda", "l0.lambda"),
        ("l0DroprateInit", "l0.droprateInit"), ("vdLogSigma2Init", "vd.logSigma2Init"), ("vdKLStart", "vd.klStart"),
        ("vdKLFull", "vd.klFull"), ("vdTrainClip", "vd.trainClip"),
    ]

    private var committed: [URL] {
        let base = Self.root.appendingPathComponent("results/sparse-training/regularised-mnist")
        let e = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil)
        return (e?.compactMap { $0 as? URL } ?? []).filter { $0.lastPathComponent == "config.json" }.sorted { $0.path < $1.path }
    }

    /// Equal values, numbers compared as numbers ("1e-4" = "0.0001").
    static func same(_ a: ConfigValue?, _ b: ConfigValue?) -> Bool {
        if case let .number(x)? = a, case let .number(y)? = b { return Double(x) == Double(y) }
        return a == b
    }

    func testEveryOptionHasItsNestedKeyAndTheFlatOneAsFormerKey() {
        let options = MaskConfig.options
        for (flat, nested) in Self.renamed {
            let o = options.first { $0.key == nested }
            XCTAssertNotNil(o, "no option masks.\(nested)")
            XCTAssertEqual(o?.formerKeys, [flat], nested)
            XCTAssertFalse(options.contains { $0.key == flat }, "\(flat) is still a key of its own")
        }
    }

    func testCommittedFlatKeyConfigsLoadDiffAndResumeAsTheNestedSpelling() throws {
        let configs = committed
        XCTAssertGreaterThanOrEqual(configs.count, 18)
        let dir = TemporaryDirectory("masklab-mask-keys")
        for url in configs {
            let flatText = try String(contentsOf: url, encoding: .utf8)
            XCTAssertTrue(flatText.contains("\"l1Lambda\""), "\(url.path) is no longer a flat-key config; the test needs one")
            let config = try RunConfig.load(from: url)
            // The values the flat keys hold are the ones the sampler options read.
            let raw = try XCTUnwrap(ConfigText.load(path: url.path).object?["masks"]?.object)
            let table = OptionTable(MaskConfig.options)
            let masks = try XCTUnwrap(config.masks)
            for (flat, nested) in Self.renamed {
                let option = try XCTUnwrap(table.option(key: nested))
                XCTAssertTrue(Self.same(option.read(masks), raw[flat]), "\(url.path): \(flat) read \(String(describing: option.read(masks))), the file holds \(String(describing: raw[flat]))")
            }
            // Written anew: nested keys only, and the same config.
            let nestedText = config.jsonText()
            for (flat, _) in Self.renamed { XCTAssertFalse(nestedText.contains("\"\(flat)\""), "\(flat) written: \(nestedText)") }
            XCTAssertTrue(nestedText.contains("\"l1\": {") && nestedText.contains("\"vd\": {"), nestedText)
            let nestedFile = dir.file("nested.json")
            try nestedText.write(to: nestedFile, atomically: true, encoding: .utf8)
            XCTAssertEqual(try RunConfig.load(from: nestedFile), config, url.path)
            // masklab diff: no difference either way.
            XCTAssertEqual(ConfigDiff.differences(try ConfigDiff.load(url.path), try ConfigDiff.load(nestedFile.path)), [], url.path)
            // Resume: a folder holding the flat-key config.json accepts the config given in nested keys.
            let run = dir.file("run-" + url.deletingLastPathComponent().lastPathComponent)
            try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
            try flatText.write(to: run.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
            XCTAssertNoThrow(try TrainingRun.requireSavedConfig(RunLayout(directory: run), equals: try RunConfig.load(from: nestedFile)), url.path)
            // …and still refuses a different one (in a setting its sampler reads).
            var other = config
            let change = ["l1": "masks.l1.lambda=0.123", "l0": "masks.l0.lambda=0.123", "vd": "masks.vd.klStart=7"]
            try RunConfig.table.set(try XCTUnwrap(change[masks.name], "sampler \(masks.name)"), in: &other)
            XCTAssertThrowsError(try TrainingRun.requireSavedConfig(RunLayout(directory: run), equals: other), url.path)
        }
    }

    /// Run folders are named by a hash of the non-default settings; a renamed option is hashed
    /// under its flat key, so a run named before the rename keeps its folder (a sweep or
    /// `train --resume` without --out finds it). The name is the one the binary of commit 01a2ced
    /// (before the rename) gave `train --mask l1 --l1-lambda 0.002 --l1-target-sparsity 0.9
    /// --vd-kl-start 3 --iterations 1 --train-subset 100 --test-subset 50 --hidden 16 --threads 1`.
    func testRunNamesStayAsBeforeTheRename() throws {
        var config = RunConfig()
        try RunConfig.table.parse(arguments: ["--mask", "l1", "--l1-lambda", "0.002", "--l1-target-sparsity", "0.9", "--vd-kl-start", "3",
                                              "--iterations", "1", "--train-subset", "100", "--test-subset", "50", "--hidden", "16",
                                              "--threads", "1"], into: &config)
        XCTAssertEqual(config.runName, "mlp-mnist-aba7b4d3")
    }

    func testFlatAndNestedSpellingsOfOneOptionAreRefusedTogether() throws {
        let text = #"{"masks": {"name": "l1", "l1Lambda": 0.01, "l1": {"lambda": 0.02}}}"#
        XCTAssertThrowsError(try RunConfig.decode(ConfigText.json(text, path: "c.json"), path: "c.json")) { error in
            XCTAssertTrue("\(error)".contains("give masks.l1.lambda or masks.l1Lambda, not both"), "\(error)")
        }
        // Each spelling alone (a file and --set) sets the same value.
        let flat = try RunConfig.decode(ConfigText.json(#"{"masks": {"name": "l1", "l1Lambda": 0.01}}"#, path: "a"), path: "a")
        let nested = try RunConfig.decode(ConfigText.json(#"{"masks": {"name": "l1", "l1": {"lambda": 0.01}}}"#, path: "b"), path: "b")
        XCTAssertEqual(flat, nested)
        var set = try RunConfig.decode(ConfigText.json(#"{"masks": {"name": "l1"}}"#, path: "c"), path: "c")
        try RunConfig.table.set("masks.vdKLStart=2", in: &set)
        try RunConfig.table.set("masks.l1Lambda=0.01", in: &set)
        var expected = nested
        try RunConfig.table.set("masks.vd.klStart=2", in: &expected)
        XCTAssertEqual(set, expected)
    }
}
