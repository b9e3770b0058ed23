import Foundation
import Training
import Options

/// A sweep: one base run configuration and the points to train it at. The file (JSON, or YAML
/// when it ends in .yaml/.yml) reads
///
///     {
///       "name": "lambda",                                    results go to <out>/sweep-<name>/
///       "base": { …a run config (as `masklab train --config` takes)… },
///       "grid": {"masks.importance.lambda": [0, 0.5, 1],     the product of these axes …
///                "seed": [0, 1, 2]},
///       "points": [{"masks.keep": 0.3, "seed": 0}],          … plus these explicit points (optional)
///       "jobs": 2, "threadsPerJob": 1                        local processes at once, threads each (Slurm: CPUs per task)
///     }
///
/// An axis or a point key is any config key path of the option table (`masklab train --help`
/// lists them), e.g. `seed`, `optimizer.learningRate`, `modelOptions.width`. A point's *cell*
/// is its settings other than `seed`: the report summarises each cell over its seeds.
public struct SweepConfig: Sendable {
    public var name: String
    public var base: RunConfig
    /// Every point, in order: the grid (`seed` outermost, the other axes by key), then the explicit points.
    public var points: [SweepPoint]
    public var jobs: Int
    public var threadsPerJob: Int
    /// The file as given (pretty-printed), for `sweep.json`.
    public var sourceText: String

    static let keys = ["base", "grid", "jobs", "name", "points", "threadsPerJob"]

    /// Reads and checks a sweep file; every error names the file and the key.
    public static func load(from url: URL) throws(SweepError) -> SweepConfig {
        try parse(StudyFile.load(url), path: url.path)
    }

    /// Builds the sweep from the file's value (`path` names it in errors).
    public static func parse(_ value: ConfigValue, path: String) throws(SweepError) -> SweepConfig {
        func fail(_ message: String) -> SweepError { .config(path: path, message: message) }
        let (dict, name, jobs, threads) = try StudyFile.header(value, keys: keys, path: path)
        let baseValue = dict["base"] ?? .object([:])
        guard baseValue.object != nil else { throw fail("\"base\" must be a run config object (the keys of a run's config.json)") }
        let base: RunConfig
        do { base = try RunConfig.decode(baseValue, path: "\(path) (base)") } catch { throw fail("base: \(error.description)") }

        var settings: [[(key: String, value: ConfigValue)]] = []
        if let grid = dict["grid"] {
            guard let axes = grid.object, !axes.isEmpty else {
                throw fail("\"grid\" must be an object of axes, each a config key path with a non-empty list of values, e.g. {\"seed\": [0, 1]}")
            }
            let order = axes.keys.sorted { a, b in a == "seed" ? b != "seed" : (b == "seed" ? false : a < b) }
            var product: [[(key: String, value: ConfigValue)]] = [[]]
            for key in order {
                guard case let .array(values)? = axes[key], !values.isEmpty else {
                    throw fail("grid axis \(key) has no values: give a non-empty list, e.g. \"\(key)\": [a, b] (an empty axis makes an empty grid)")
                }
                product = product.flatMap { prefix in values.map { prefix + [(key, $0)] } }
            }
            settings += product
        }
        if let list = dict["points"] {
            guard case let .array(items) = list else { throw fail("\"points\" must be a list of objects {key path: value}") }
            for item in items {
                guard let o = item.object else { throw fail("each point must be an object {key path: value}, got \(item)") }
                settings.append(o.keys.sorted().map { ($0, o[$0]!) })
            }
        }
        guard !settings.isEmpty else {
            throw fail("the sweep has no runs: give \"grid\" (axes with values) and/or \"points\" (a non-empty list)")
        }
        var points: [SweepPoint] = []
        var seen: [String: Int] = [:]
        for (i, s) in settings.enumerated() {
            let p = try SweepPoint.make(base: base, settings: s, threads: threads, path: path)
            if let first = seen[p.config.runName] {
                throw fail("point \(i + 1) (\(p.label)) repeats point \(first + 1) (\(points[first].label)): the same run config; remove one")
            }
            seen[p.config.runName] = i
            points.append(p)
        }
        return SweepConfig(name: name, base: base, points: points, jobs: jobs, threadsPerJob: threads, sourceText: ConfigText.json(value))
    }
}

extension SweepConfig {
    /// The sweep with every run's thread count set to `threads` (a `--threads-per-job` override; it changes the run folders' names).
    public func with(threadsPerJob threads: Int) -> SweepConfig {
        var c = self
        c.threadsPerJob = threads
        c.points = points.map { p in
            var q = p
            q.config.training.threads = threads
            return q
        }
        return c
    }
}
