import Foundation
import Options
import Masks

/// What differs between two configurations, key path by key path: `masklab diff A B`.
///
/// A run folder stands for its `config.json` (else `lottery.json`), a file for itself. A run
/// config is read through `RunConfig` and written back with every default spelled out, so a
/// key left out of one file and set to its default in the other is not a difference. Other JSON
/// files (`lottery.json`, `compare.json`) are compared as they are. Nested objects are walked
/// (`training.optimizer.learningRate`); arrays compare whole.
public enum ConfigDiff {
    /// One difference: the key path and each side's value as JSON text ("absent" when missing).
    public struct Difference: Sendable, Equatable {
        public var key: String
        public var a: String
        public var b: String
        public init(key: String, a: String, b: String) {
            self.key = key
            self.a = a
            self.b = b
        }
        /// `key: a → b`.
        public var line: String { "\(key): \(a) → \(b)" }
    }

    /// The JSON object describing the configuration at `path` (a run folder or a JSON file).
    public static func load(_ path: String) throws(RunError) -> [String: Any] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .config(path: path, message: "no such run folder or config file")
        }
        var url = URL(fileURLWithPath: path)
        if isDirectory.boolValue {
            let candidates = ["config.json", "lottery.json", "compare.json"].map { url.appendingPathComponent($0) }
            guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
                throw .config(path: path, message: "no config.json, lottery.json or compare.json in the folder")
            }
            url = found
        }
        if let problem = notAConfiguration(url) { throw .config(path: url.path, message: problem) }
        let text: String
        if ["yaml", "yml"].contains(url.pathExtension.lowercased()) {
            // A lottery's or a study's YAML as written; any other is a run config, whose own errors
            // (an unknown key) are reported rather than diffed as if it were something else.
            let value: ConfigValue
            do { value = try ConfigText.load(path: url.path) } catch { throw .config(path: url.path, message: "\(error)") }
            if case let .object(o) = value, (o["levels"] != nil && o["run"] != nil) || o["base"] != nil {   // a lottery or a study
                text = ConfigText.json(value)
            } else {
                text = try RunConfig.load(from: url).jsonText()
            }
        } else if url.lastPathComponent != "lottery.json", url.lastPathComponent != "compare.json", let config = try? RunConfig.load(from: url) {
            text = config.jsonText()
        } else {
            do { text = try String(contentsOf: url, encoding: .utf8) } catch {
                throw .config(path: url.path, message: "cannot read the file: \(error.localizedDescription)")
            }
        }
        guard var object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw .config(path: url.path, message: "expected a JSON object at the top level")
        }
        // A lottery level: its config carries no masks, its sparsity.csv says what the mask keeps.
        if isDirectory.boolValue, object["masks"] == nil || object["masks"] is NSNull,
           let density = RunLayout(directory: URL(fileURLWithPath: path)).fixedMaskDensity {
            object["lotteryMaskDensity"] = density
        }
        return object
    }

    /// Why the file at `url` cannot be a configuration, from its name alone (a run's record, or
    /// not JSON or YAML), nil when it may be one: `diff` answers such a path as a wrong argument.
    public static func notAConfiguration(_ url: URL) -> String? {
        if recordFiles.contains(url.lastPathComponent) {
            return "a run's record, not a configuration: name a run folder or a config file (config.json, lottery.json, compare.json or a config of yours)"
        }
        guard ["json", "yaml", "yml"].contains(url.pathExtension.lowercased()) else {
            return "not a configuration: name a run folder or a config file (config.json, lottery.json, compare.json or a config of yours)"
        }
        return nil
    }

    /// Files a run folder holds that record what happened rather than what was asked for.
    static let recordFiles: Set<String> = [RunLayout.summaryFile, LotteryLayout.resultFile, OneShotPrune.recordFile]

    /// The first `limit` differences between two configurations as JSON texts, for a refusal
    /// message: `"optimizer.learningRate 0.05 in the folder, 0.1 here; …"` (`savedIn` and
    /// `requestedIn` say where each one is; empty when the texts do not parse or nothing differs).
    public static func brief(saved: String, requested: String, limit: Int = 3, savedIn: String = "in the folder",
                             requestedIn: String = "here") -> String {
        func object(_ text: String) -> [String: Any]? { try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] }
        guard let a = object(saved), let b = object(requested) else { return "" }
        let found = differences(a, b)
        guard !found.isEmpty else { return "" }
        let shown = found.prefix(limit).map { "\($0.key) \($0.a) \(savedIn), \($0.b) \(requestedIn)" }
        return shown.joined(separator: "; ") + (found.count > limit ? "; and \(found.count - limit) more (masklab diff shows all)" : "")
    }

    /// `a` and `b` made comparable when one is a run's config and the other a lottery's or a
    /// comparison's file: that side stands for the training run it makes, and `note` says which.
    /// A lottery stands for its `run` block (defaults spelled out). A comparison stands for the
    /// run it makes of one arm at the run's seed (`CompareConfig.runConfig`: the arm's masks,
    /// `threadsPerJob` threads): the arm the run's folder is named after (`runs/<arm>/seed-<k>`,
    /// the folder of a `config.json` given as a file too), else the arm closest to the run. When
    /// the comparison is given as its folder, the thread count it started with
    /// (`threads-per-job.json`, which records a `--threads-per-job` override) and `--smoke`'s
    /// shrinking (a `compare-<name>-smoke` folder) are applied as its runs had them. A file that
    /// does not read as a comparison stands for its `base` block, and the note says why.
    /// Two configs of one kind are returned unchanged.
    public static func aligned(_ a: [String: Any], _ b: [String: Any], pathA: String? = nil,
                               pathB: String? = nil) -> (a: [String: Any], b: [String: Any], note: String?) {
        switch (runBlock(a), runBlock(b)) {
        case let (x?, nil):
            let (block, what) = standIn(x, file: a, filePath: pathA, run: b, runPath: pathB)
            return (block, b, "A's \(what) against B")
        case let (nil, y?):
            let (block, what) = standIn(y, file: b, filePath: pathB, run: a, runPath: pathA)
            return (a, block, "A against B's \(what)")
        default: return (a, b, nil)
        }
    }

    /// The run block of a lottery or comparison file, with its key, or nil for a run config.
    private static func runBlock(_ o: [String: Any]) -> (key: String, block: [String: Any])? {
        if o["levels"] != nil, let run = o["run"] as? [String: Any] { return ("run", run) }
        // A comparison (its arms may be left to the default four); a sweep's base has a grid or
        // points, a prune-sweep's criteria and ratios.
        let otherStudy = ["grid", "points", "criteria", "ratios"].contains { o[$0] != nil }
        if o["arms"] != nil || (o["seeds"] != nil && !otherStudy), let base = o["base"] as? [String: Any] { return ("base", base) }
        return nil
    }

    /// What a lottery's or comparison's `file` (at `filePath`) stands for against `run` (at
    /// `runPath`), and how to say it.
    private static func standIn(_ found: (key: String, block: [String: Any]), file: [String: Any], filePath: String?,
                                run: [String: Any], runPath: String?) -> (block: [String: Any], what: String) {
        let whole = (spelledOut(found.block), "\"\(found.key)\" block (its runs' settings)")
        guard found.key == "base" else { return whole }
        var study: CompareConfig
        do { study = try CompareConfig.parse(file, path: "(comparison)") } catch {
            return (whole.0, "\"base\" block (not read as a comparison: \(error.description))")
        }
        var applied: [String] = []
        if let filePath, isDirectory(filePath) {
            let layout = CompareLayout(directory: URL(fileURLWithPath: filePath, isDirectory: true))
            if layout.directory.standardizedFileURL.lastPathComponent == "compare-\(study.name)-smoke" {
                study = study.smoke()
                applied.append("--smoke's shrinking")
            }
            if let record = try? CompareThreadRecord.read(layout), record.threadsPerJob != study.threadsPerJob {
                study.threadsPerJob = record.threadsPerJob
                applied.append("the \(record.threadsPerJob) thread(s) per run it started with")
            }
        }
        let also = applied.isEmpty ? "" : "; with " + applied.joined(separator: " and ")
        let seed = (run["seed"] as? NSNumber).map { $0.uint64Value } ?? study.seeds.first ?? 0
        func object(_ arm: CompareArm) -> [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(study.runConfig(arm, seed: seed).jsonText().utf8)) as? [String: Any]) ?? [:]
        }
        // The folder a comparison gives a run: compare-<name>/runs/<arm>/seed-<k> (a file given: its folder).
        if let runPath {
            let url = URL(fileURLWithPath: runPath)
            let folder = ["json", "yaml", "yml"].contains(url.pathExtension.lowercased()) ? url.deletingLastPathComponent().path : runPath
            if let named = RunOverlay.compareArm(folder), let arm = study.arm(named) {
                return (object(arm), "arm \"\(arm.name)\" at seed \(seed) (the run it makes there; the arm the run's folder names\(also))")
            }
        }
        let ranked = study.arms.map { arm in
            let made = object(arm)
            return (arm, made, differences(run, made).count)
        }
        guard let best = ranked.min(by: { $0.2 < $1.2 }) else { return whole }
        let tie = ranked.filter { $0.2 == best.2 }.count > 1 ? ", tied with another arm" : ""
        return (best.1, "arm \"\(best.0.name)\" at seed \(seed) (the run it makes there; of its \(study.arms.count) arms the closest to the run\(tie)\(also))")
    }

    private static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }

    /// A lottery's or comparison's run block as a run config with every default spelled out
    /// (the block itself when it does not decode).
    private static func spelledOut(_ block: [String: Any]) -> [String: Any] {
        guard let data = try? JSONSerialization.data(withJSONObject: block), let text = String(data: data, encoding: .utf8),
              let value = try? ConfigText.json(text, path: "(run block)"), let config = try? RunConfig.decode(value, path: "(run block)"),
              let object = try? JSONSerialization.jsonObject(with: Data(config.jsonText().utf8)) as? [String: Any] else { return block }
        return object
    }

    /// The differences between `a` and `b`, sorted by key path.
    public static func differences(_ a: [String: Any], _ b: [String: Any]) -> [Difference] {
        var out: [Difference] = []
        walk(a, b, prefix: "", into: &out)
        return out.sorted { $0.key < $1.key }
    }

    private static func walk(_ a: [String: Any], _ b: [String: Any], prefix: String, into out: inout [Difference]) {
        for key in Set(a.keys).union(b.keys) {
            let path = prefix.isEmpty ? key : prefix + "." + key
            let va = a[key].flatMap { $0 is NSNull ? nil : $0 }, vb = b[key].flatMap { $0 is NSNull ? nil : $0 }
            if let da = va as? [String: Any], let db = vb as? [String: Any] {
                walk(da, db, prefix: path, into: &out)
                continue
            }
            let defaults = groupDefaults[path]
            let ta = va.map { summary($0, defaults: defaults) } ?? "absent", tb = vb.map { summary($0, defaults: defaults) } ?? "absent"
            if ta != tb { out.append(Difference(key: path, a: ta, b: tb)) }
        }
    }

    /// The groups of a run config that are absent unless used (`masks`), with every key at its
    /// default: a group on one side only is summarised against these.
    nonisolated(unsafe) static let groupDefaults: [String: [String: Any]] = {   // immutable once built
        var config = RunConfig()
        config.masks = MaskConfig()
        guard let object = try? JSONSerialization.jsonObject(with: Data(config.jsonText().utf8)) as? [String: Any] else { return [:] }
        return object.compactMapValues { $0 as? [String: Any] }.filter { key, _ in key == "masks" }
    }()

    /// A group present on one side only, in a line: its `name` (the sampler, optimiser, …), the
    /// keys whose values differ from the group's `defaults` (when known), and how many keys are
    /// left out, rather than every key (`{"name":"importance", "keep":0.2, …15 more keys at their
    /// defaults}`); other values as JSON.
    static func summary(_ value: Any, defaults: [String: Any]? = nil) -> String {
        guard let object = value as? [String: Any], object.count > 3 else { return json(value) }
        var shown = object["name"].map { ["\"name\":" + json($0)] } ?? []
        let leaves = flattened(object)
        if let defaults {
            // Nested groups by their leaf keys ("importance.lambda":3), not as whole objects.
            let base = flattened(defaults)
            for key in leaves.keys.sorted() where key != "name" {
                let v = json(leaves[key] as Any)
                if base[key].map(json) != v { shown.append(json(key) + ":" + v) }
            }
        }
        let rest = (defaults == nil ? object.count : leaves.count) - shown.count
        guard rest > 0 else { return "{" + shown.joined(separator: ", ") + "}" }
        return "{" + (shown + ["…\(rest) more keys" + (defaults == nil ? "" : " at their defaults")]).joined(separator: ", ") + "}"
    }

    /// `object`'s values by dotted key path, nested objects walked down to their leaves.
    static func flattened(_ object: [String: Any], prefix: String = "") -> [String: Any] {
        var out: [String: Any] = [:]
        for (k, v) in object {
            let path = prefix.isEmpty ? k : prefix + "." + k
            if let inner = v as? [String: Any], !inner.isEmpty { out.merge(flattened(inner, prefix: path)) { a, _ in a } } else { out[path] = v }
        }
        return out
    }

    /// `value` as compact, key-sorted JSON text (numbers and strings as JSON writes them).
    static func json(_ value: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes]) else {
            return "\(value)"
        }
        return String(decoding: data, as: UTF8.self)
    }
}
