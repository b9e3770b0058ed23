import Foundation

/// A comparison: one base run configuration trained in several arms (mask overrides) over
/// several seeds. The JSON file reads
///
///     {
///       "name": "mnist-mlp",                   results go to results/compare-<name>/
///       "seeds": [0, 1, 2, 3, 4],
///       "targetAccuracy": 0.97,                "epochs to reach" this test accuracy
///       "jobs": 2, "threadsPerJob": 1,         child processes at once, threads each
///       "arms": [ {"name": "baseline", "masks": null},
///                 {"name": "dropconnect", "masks": {"name": "dropconnect"}}, … ],   optional
///       "base": { …a run config (as `masklab train --config` takes)… }
///     }
///
/// Each arm's "masks" object is merged into the base's "masks" object (which holds what the
/// dropping arms share: keep rate, target, scope, solver options); `null` means no mask. Without
/// "arms" the four arms of `CompareArm.defaultOverrides` are used. A run is the arm's config with
/// `seed` and `threads` set; everything random derives from the seed, so within a seed every
/// arm starts from the same weights and sees the same data order (augmentation included), and
/// only the mask streams differ.
public struct CompareConfig: Sendable {
    public var name: String
    public var seeds: [UInt64]
    public var targetAccuracy: Double
    public var jobs: Int
    public var threadsPerJob: Int
    public var arms: [CompareArm]
    /// The file as given (pretty-printed), for the report.
    public var sourceText: String
    /// How `smoke()` shrank the file's settings; nil for a full run.
    public var shrunk: String?

    static let keys: Set<String> = ["name", "seeds", "targetAccuracy", "jobs", "threadsPerJob", "arms", "base"]

    /// The configuration of one run: arm `arm` with `seed`.
    public func runConfig(_ arm: CompareArm, seed: UInt64) -> RunConfig {
        var c = arm.config
        c.training.seed = seed
        c.training.threads = threadsPerJob
        return c
    }

    /// The arm called `name`, if any.
    public func arm(_ name: String) -> CompareArm? { arms.first { $0.name == name } }

    /// Reads and checks a comparison file: unknown keys, bad values and invalid arm configs fail
    /// here, naming the key or arm.
    public static func load(from url: URL) throws(CompareError) -> CompareConfig {
        let path = url.path
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw .config(path: path, message: "cannot read the file: \(error.localizedDescription)") }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw .config(path: path, message: "not valid JSON: \(error.localizedDescription)")
        }
        guard let dict = object as? [String: Any] else { throw .config(path: path, message: "expected a JSON object at the top level") }
        return try parse(dict, path: path)
    }

    /// Builds the comparison from the decoded JSON object `dict` (`path` names it in errors).
    public static func parse(_ dict: [String: Any], path: String) throws(CompareError) -> CompareConfig {
        let unknown = Set(dict.keys).subtracting(keys)
        guard unknown.isEmpty else { throw .config(path: path, message: "unknown keys \(unknown.sorted()); valid keys: \(keys.sorted().joined(separator: ", "))") }
        guard let name = dict["name"] as? String, !name.isEmpty,
              name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.+".contains($0) }) else {
            throw .config(path: path, message: "\"name\" must be a non-empty string of letters, digits and - _ . + (it names the folder)")
        }
        guard let seedValues = dict["seeds"] as? [Any], !seedValues.isEmpty else {
            throw .config(path: path, message: "\"seeds\" must be a non-empty array of non-negative integers, e.g. [0, 1, 2]")
        }
        var seeds: [UInt64] = []
        for v in seedValues {
            guard let n = v as? NSNumber, n.doubleValue >= 0, n.doubleValue == n.doubleValue.rounded() else {
                throw .config(path: path, message: "\"seeds\": \(v) is not a non-negative integer")
            }
            seeds.append(n.uint64Value)
        }
        guard Set(seeds).count == seeds.count else { throw .config(path: path, message: "\"seeds\" repeats a seed: \(seeds)") }
        let target = (dict["targetAccuracy"] as? NSNumber)?.doubleValue ?? 0.9
        guard target > 0 && target <= 1 else { throw .config(path: path, message: "\"targetAccuracy\" must be in (0, 1], got \(target)") }
        let jobs = (dict["jobs"] as? NSNumber)?.intValue ?? 1
        let threads = (dict["threadsPerJob"] as? NSNumber)?.intValue ?? 1
        guard jobs >= 1, threads >= 1 else { throw .config(path: path, message: "\"jobs\" and \"threadsPerJob\" must be ≥ 1") }
        guard let base = dict["base"] as? [String: Any] else {
            throw .config(path: path, message: "\"base\" must be a run config object (the keys of a run's config.json)")
        }
        let overrides: [(name: String, masks: [String: Any]?)]
        if let list = dict["arms"] {
            guard let list = list as? [[String: Any]], !list.isEmpty else {
                throw .config(path: path, message: "\"arms\" must be a non-empty array of {\"name\": …, \"masks\": {…} or null}")
            }
            var o: [(name: String, masks: [String: Any]?)] = []
            for a in list {
                guard let n = a["name"] as? String, !n.isEmpty, !n.contains("/"), Set(a.keys).isSubset(of: ["name", "masks"]) else {
                    throw .config(path: path, message: "each arm needs a \"name\" (no /) and optionally \"masks\" (an object or null); got \(a)")
                }
                guard a["masks"] == nil || a["masks"] is NSNull || a["masks"] is [String: Any] else {
                    throw .config(path: path, message: "arm \(n): \"masks\" must be an object or null")
                }
                o.append((n, a["masks"] as? [String: Any]))
            }
            overrides = o
        } else {
            overrides = CompareArm.defaultOverrides
        }
        guard Set(overrides.map(\.name)).count == overrides.count else { throw .config(path: path, message: "arm names must be unique") }
        var arms: [CompareArm] = []
        for o in overrides {
            let merged = CompareArm.merge(base: base, override: o.masks)
            let config: RunConfig
            do { config = try RunConfig.decode(merged, path: "\(path) (arm \(o.name))") } catch { throw .config(path: path, message: "arm \(o.name): \(error.description)") }
            if let m = config.masks, let message = m.validationError() { throw .config(path: path, message: "arm \(o.name): masks: \(message)") }
            arms.append(CompareArm(name: o.name, config: config))
        }
        let pretty = (try? JSONSerialization.data(withJSONObject: dict, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]))
            .map { String(decoding: $0, as: UTF8.self) } ?? ""
        return CompareConfig(name: name, seeds: seeds, targetAccuracy: target, jobs: jobs, threadsPerJob: threads, arms: arms, sourceText: pretty, shrunk: nil)
    }
}

extension CompareConfig {
    /// The smoke version of a comparison: checks on a small machine that a full-scale config
    /// loads, that every arm builds its model, masks and solver, trains and evaluates, and that
    /// the report is written — not for numbers. Name `<name>-smoke`, the first seed only, and
    /// in every arm: 1 epoch on a seeded subset of 256 training images, a configured width capped at 8,
    /// at most 2 mirror-descent steps per solve; everything else (keep rate, target, solve
    /// mode, λ, η, γ, schedule, optimiser) as in the full config.
    public func smoke() -> CompareConfig {
        var c = self
        c.name = name + "-smoke"
        c.seeds = Array(seeds.prefix(1))
        c.shrunk = "shrunk by --smoke: seeds \(seeds.map(String.init).joined(separator: ", ")) → \(c.seeds.map(String.init).joined(separator: ", ")); "
            + "every arm 1 epoch on 256 training images, width ≤ 8, ≤ 2 mirror-descent steps per solve"
        c.arms = arms.map { arm in
            var a = arm
            a.config.training.budget = .epochs(1)
            a.config.trainSubset = 256
            if let w = a.config.training.modelOptions.width { a.config.training.modelOptions.width = min(w, 8) }
            if var m = a.config.masks {
                m.importance.steps = min(m.importance.steps, 2)
                a.config.masks = m
            }
            return a
        }
        return c
    }
}
