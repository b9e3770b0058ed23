import Foundation
import Training
import Options

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
///       "base": { …a run config (as `masklab train --config` takes)… },
///       "analysis": { "endpoints": […], "contrasts": […], "reference": …, "margin": … }   optional
///     }
///
/// Each arm's "masks" object is merged into the base's "masks" object (which holds what the
/// dropping arms share: keep rate, target, scope, solver options); `null` means no mask. Without
/// "arms" the four arms of `CompareArm.defaultOverrides` are used. A run is the arm's config with
/// `seed` and `threads` set; everything random derives from the seed, so within a seed every
/// arm starts from the same weights and sees the same data order (augmentation included), and
/// only the mask streams differ. "analysis" declares the primary endpoints and contrasts of the
/// paired analysis before any run (see `CompareAnalysis`); the report shows them first, and the
/// comparison folder records when they were declared (`AnalysisDeclaration`).
public struct CompareConfig: Sendable {
    public var name: String
    public var seeds: [UInt64]
    public var targetAccuracy: Double
    public var jobs: Int
    public var threadsPerJob: Int
    public var arms: [CompareArm]
    /// The pre-registered paired analysis; nil when the config declares none.
    public var analysis: CompareAnalysis?
    /// The file as given (pretty-printed), for the report.
    public var sourceText: String
    /// How `smoke()` shrank the file's settings; nil for a full run.
    public var shrunk: String?

    static let keys: [String] = ["analysis", "arms", "base", "jobs", "name", "seeds", "targetAccuracy", "threadsPerJob"]

    /// The configuration of one run: arm `arm` with `seed`.
    public func runConfig(_ arm: CompareArm, seed: UInt64) -> RunConfig {
        var c = arm.config
        c.training.seed = seed
        c.training.threads = threadsPerJob
        return c
    }

    /// The arm called `name`, if any.
    public func arm(_ name: String) -> CompareArm? { arms.first { $0.name == name } }

    /// Reads and checks a comparison file (`.yaml`/`.yml` as YAML, else JSON): syntax errors give
    /// line and column; unknown keys, bad values and invalid arm configs fail naming the key or arm.
    public static func load(from url: URL) throws(CompareError) -> CompareConfig {
        let value: ConfigValue
        do { value = try ConfigText.load(path: url.path) } catch {
            throw .config(path: url.path, message: error.line.map { "line \($0), column \(error.column ?? 0): " }.map { $0 + error.message } ?? error.message)
        }
        return try parse(value, path: url.path)
    }

    /// Builds the comparison from a decoded JSON object (as `JSONSerialization` gives it).
    public static func parse(_ dict: [String: Any], path: String) throws(CompareError) -> CompareConfig {
        try parse(configValue(dict, path: path), path: path)
    }

    static func configValue(_ object: Any, path: String) throws(CompareError) -> ConfigValue {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.fragmentsAllowed]) else {
            throw .config(path: path, message: "not a JSON value: \(object)")
        }
        do { return try ConfigText.json(String(decoding: data, as: UTF8.self), path: path) } catch { throw .config(path: path, message: error.message) }
    }

    /// Builds the comparison from the file's value (`path` names it in errors).
    public static func parse(_ value: ConfigValue, path: String) throws(CompareError) -> CompareConfig {
        guard let dict = value.object else { throw .config(path: path, message: "expected an object at the top level") }
        for k in dict.keys.sorted() where !keys.contains(k) {
            throw .config(path: path, message: "unknown key \(k); valid keys: \(keys.joined(separator: ", "))")
        }
        guard case let .string(name)? = dict["name"], !name.isEmpty,
              name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.+".contains($0) }) else {
            throw .config(path: path, message: "\"name\" must be a non-empty string of letters, digits and - _ . + (it names the folder)")
        }
        guard case let .array(seedValues)? = dict["seeds"], !seedValues.isEmpty else {
            throw .config(path: path, message: "\"seeds\" must be a non-empty array of non-negative integers, e.g. [0, 1, 2]")
        }
        var seeds: [UInt64] = []
        for v in seedValues {
            guard case let .number(t) = v, let n = UInt64(t) else {
                throw .config(path: path, message: "\"seeds\": expected an unsigned integer, got \(v)")
            }
            seeds.append(n)
        }
        guard Set(seeds).count == seeds.count else { throw .config(path: path, message: "\"seeds\" repeats a seed: \(seeds)") }
        func number<T>(_ key: String, _ parse: (String) -> T?, default d: T, expected: String) throws(CompareError) -> T {
            guard let v = dict[key] else { return d }
            guard case let .number(t) = v, let n = parse(t) else { throw .config(path: path, message: "\"\(key)\": expected \(expected), got \(v)") }
            return n
        }
        let target = try number("targetAccuracy", { Double($0) }, default: 0.9, expected: "a number in (0, 1]")
        guard target > 0 && target <= 1 else { throw .config(path: path, message: "\"targetAccuracy\" must be in (0, 1], got \(target)") }
        let jobs = try number("jobs", { Int($0) }, default: 1, expected: "an integer ≥ 1")
        let threads = try number("threadsPerJob", { Int($0) }, default: 1, expected: "an integer ≥ 1")
        guard jobs >= 1, threads >= 1, threads <= TrainingConfig.maxThreads else {
            throw .config(path: path, message: "\"jobs\" must be ≥ 1 and \"threadsPerJob\" in [1, \(TrainingConfig.maxThreads)], got \(jobs) and \(threads)")
        }
        guard case let .object(base)? = dict["base"] else {
            throw .config(path: path, message: "\"base\" must be a run config object (the keys of a run's config.json)")
        }
        if let m = StudyFile.baseThreadsConflict(dict["base"], threadsPerJob: threads) { throw .config(path: path, message: m) }
        var overrides: [(name: String, masks: ConfigValue?)] = []
        if let list = dict["arms"] {
            guard case let .array(items) = list, !items.isEmpty else {
                throw .config(path: path, message: "\"arms\" must be a non-empty array of {\"name\": …, \"masks\": {…} or null}")
            }
            for item in items {
                guard let a = item.object, case let .string(n)? = a["name"], !n.isEmpty, !n.contains("/"),
                      Set(a.keys).isSubset(of: ["name", "masks"]) else {
                    throw .config(path: path, message: "each arm needs a \"name\" (no /) and optionally \"masks\" (an object or null); got \(item)")
                }
                let m = a["masks"] ?? .null
                guard m == .null || m.object != nil else { throw .config(path: path, message: "arm \(n): \"masks\" must be an object or null") }
                overrides.append((n, m == .null ? nil : m))
            }
        } else {
            for o in CompareArm.defaultOverrides {
                overrides.append((o.name, try o.masks.map { m throws(CompareError) in try configValue(m, path: path) }))
            }
        }
        guard Set(overrides.map(\.name)).count == overrides.count else { throw .config(path: path, message: "arm names must be unique") }
        // The base without masks first, so that a bad base key is named as the base's and not
        // as the first arm's; keys inside "masks" are checked per arm, after the merge.
        var unmasked = base
        unmasked["masks"] = nil
        do { _ = try RunConfig.decode(.object(unmasked), path: "\(path) (base)") } catch {
            throw .config(path: path, message: "\"base\": \(error.description)")
        }
        var arms: [CompareArm] = []
        for o in overrides {
            var merged = base
            if let m = o.masks { merged["masks"] = (base["masks"] ?? .object([:])).merging(m) } else { merged["masks"] = nil }
            let config: RunConfig
            do { config = try RunConfig.decode(.object(merged), path: "\(path) (arm \(o.name))") } catch {
                throw .config(path: path, message: "arm \(o.name): \(error.description)")
            }
            arms.append(CompareArm(name: o.name, config: config))
        }
        var analysis: CompareAnalysis?
        if let a = dict["analysis"] {
            let budget: Int?
            if case let .epochs(e) = arms[0].config.training.budget { budget = e } else { budget = nil }
            analysis = try CompareAnalysis.parse(a, arms: arms.map(\.name), epochs: budget, path: path)
            if let rule = analysis?.seedExtension, !(rule.afterSeeds <= seeds.count && seeds.count <= rule.maxSeeds) {
                throw .config(path: path, message: "\"analysis\": \"extension\": the \(seeds.count) seeds must be at least \"afterSeeds\" (\(rule.afterSeeds)) and at most \"maxSeeds\" (\(rule.maxSeeds))")
            }
        }
        return CompareConfig(name: name, seeds: seeds, targetAccuracy: target, jobs: jobs, threadsPerJob: threads, arms: arms,
                             analysis: analysis, sourceText: ConfigText.json(value), shrunk: nil)
    }
}

extension CompareConfig {
    /// The smoke version of a comparison: checks on a small machine that a full-scale config
    /// loads, that every arm builds its model, masks and solver, trains and evaluates, and that
    /// the report is written — not for numbers. Name `<name>-smoke`, the first seed only (the
    /// first two when the config declares an analysis, so the paired table has n = 2; its
    /// epoch endpoints become epoch 1), and
    /// one thread per job, and in every arm: 1 epoch on a seeded subset of 256 training images, a
    /// configured width capped at 8 (an MLP's hidden layers at 32 units),
    /// at most 2 mirror-descent steps per solve; everything else (keep rate, target, solve
    /// mode, λ, η, γ, schedule, optimiser) as in the full config.
    public func smoke() -> CompareConfig {
        var c = self
        c.name = name + "-smoke"
        c.seeds = Array(seeds.prefix(analysis == nil ? 1 : 2))
        var shrunk = "shrunk by --smoke: seeds \(seeds.map(String.init).joined(separator: ", ")) → \(c.seeds.map(String.init).joined(separator: ", ")); "
            + "every arm 1 epoch on 256 training images, width ≤ 8 (an MLP's hidden layers ≤ 32 units), ≤ 2 mirror-descent steps per solve"
            + (threadsPerJob > 1 ? ", 1 thread per job (was \(threadsPerJob))" : "")
        c.threadsPerJob = 1
        if var a = analysis {
            // Endpoints that fall on one epoch become one (the first one's margin); the rule's
            // endpoint index follows its endpoint.
            let moved = a.endpoints.map { PairedEndpoint($0.metric, epoch: $0.epoch.map { _ in 1 }, margin: $0.margin) }
            var unique: [PairedEndpoint] = [], index: [Int] = []
            for e in moved {
                if let k = unique.firstIndex(where: { $0.metric == e.metric && $0.epoch == e.epoch }) { index.append(k) } else {
                    index.append(unique.count)
                    unique.append(e)
                }
            }
            a.endpoints = unique
            if var rule = a.seedExtension {
                rule.afterSeeds = c.seeds.count
                rule.plannedSeeds = c.seeds.count
                rule.maxSeeds = max(rule.maxSeeds, c.seeds.count)
                rule.endpoint = index[min(rule.endpoint, index.count - 1)]
                a.seedExtension = rule
            }
            c.analysis = a
            shrunk += "; analysis endpoints at epoch 1" + (a.seedExtension == nil ? "" : ", seed-extension rule after \(c.seeds.count) seeds")
        }
        c.shrunk = shrunk
        c.arms = arms.map { arm in
            var a = arm
            a.config.training.budget = .epochs(1)
            a.config.trainSubset = 256
            if let w = a.config.training.modelOptions.width { a.config.training.modelOptions.width = min(w, 8) }
            if a.config.training.model == "mlp" {
                a.config.training.modelOptions.hidden = (a.config.training.modelOptions.hidden ?? [300, 100]).map { min($0, 32) }
            }
            if var m = a.config.masks {
                m.importance.steps = min(m.importance.steps, 2)
                a.config.masks = m
            }
            return a
        }
        return c
    }
}
