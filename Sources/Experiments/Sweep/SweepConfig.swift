import Foundation
import Training
import Options

/// A sweep: one base configuration and the points to run it at. The file (JSON, or YAML when it
/// ends in .yaml/.yml) reads
///
///     {
///       "name": "lambda",                                    results go to <out>/sweep-<name>/
///       "command": "train",                                  what each point runs: train (default) or lottery
///       "base": { …a run config (as `masklab train --config` takes)… },
///       "grid": {"masks.importance.lambda": [0, 0.5, 1],     the product of these axes …
///                "seed": [0, 1, 2]},
///       "points": [{"masks.keep": 0.3, "seed": 0}],          … plus these explicit points (optional)
///       "jobs": 2, "threadsPerJob": 1                        local processes at once, threads each (Slurm: CPUs per task)
///     }
///
/// An axis or a point key is any config key path of the option table (`masklab train --help`
/// lists them), e.g. `seed`, `optimizer.learningRate`, `modelOptions.width`. With
/// `"command": "lottery"` the base is a lottery.json (`{"run": {…a run config…}, "levels": 5,
/// "pruneFraction": 0.2, …}`, as `masklab lottery --config` takes) and every point is one
/// `masklab lottery` run of all its levels; its keys are lottery.json's (`run.seed`, `levels`,
/// `pruneFraction`, `reset`, `rewindIteration`, `selection`, …; a training key may omit "run.").
/// A point's *cell* is its settings other than the seed: the report summarises each cell over its seeds.
public struct SweepConfig: Sendable {
    public var name: String
    /// The base config; its kind is what every point runs.
    public var base: JobConfig
    /// Every point, in order: the grid (the seed outermost, the other axes by key), then the explicit points.
    public var points: [SweepPoint]
    public var jobs: Int
    public var threadsPerJob: Int
    /// The file as given (pretty-printed), for `sweep.json`.
    public var sourceText: String

    static let keys = ["base", "command", "grid", "jobs", "name", "points", "threadsPerJob"]

    /// Reads and checks a sweep file; every error names the file and the key.
    public static func load(from url: URL) throws(SweepError) -> SweepConfig {
        try parse(StudyFile.load(url), path: url.path)
    }

    /// Builds the sweep from the file's value (`path` names it in errors).
    public static func parse(_ value: ConfigValue, path: String) throws(SweepError) -> SweepConfig {
        func fail(_ message: String) -> SweepError { .config(path: path, message: message) }
        let (dict, name, jobs, threads) = try StudyFile.header(value, keys: keys, path: path)
        let base = try decodeBase(dict, path: path)
        var settings: [[(key: String, value: ConfigValue)]] = []
        // Keys whose setting varies between points: an ignored optimiser/schedule setting among
        // them would train one run several times (a grid axis of one value varies nothing).
        var varying: [Set<String>] = []
        if let grid = dict["grid"] {
            guard let axes = grid.object else {
                throw fail("\"grid\" must be an object of axes, each a config key path with a non-empty list of values, e.g. {\"seed\": [0, 1]}")
            }
            guard !axes.isEmpty else {
                throw fail("\"grid\" has no axes: give at least one, e.g. {\"seed\": [0, 1]}, or leave \"grid\" out and list the runs in \"points\"")
            }
            let seed = base.seedKey
            let order = axes.keys.map { (given: $0, key: base.canonicalKey($0)) }
                .sorted { a, b in a.key == seed ? b.key != seed : (b.key == seed ? false : a.key < b.key) }
            var product: [[(key: String, value: ConfigValue)]] = [[]]
            for (given, key) in order {
                guard case let .array(values)? = axes[given], !values.isEmpty else {
                    throw fail("grid axis \(given) has no values: give a non-empty list, e.g. \"\(given)\": [a, b] (an empty axis makes an empty grid)")
                }
                product = product.flatMap { prefix in values.map { prefix + [(key, $0)] } }
            }
            let varyingAxes = Set(order.filter { axis in
                if case let .array(values)? = axes[axis.given] { return values.count > 1 }
                return false
            }.map(\.key))
            settings += product
            varying += Array(repeating: varyingAxes, count: product.count)
        }
        if let list = dict["points"] {
            guard case let .array(items) = list else { throw fail("\"points\" must be a list of objects {key path: value}") }
            for item in items {
                guard let o = item.object else { throw fail("each point must be an object {key path: value}, got \(item)") }
                settings.append(o.keys.map { (base.canonicalKey($0), o[$0]!) }.sorted { $0.0 < $1.0 })
                varying.append(Set(o.keys.map { base.canonicalKey($0) }))
            }
        }
        guard !settings.isEmpty else {
            throw fail("the sweep has no runs: give \"grid\" (axes with values) and/or \"points\" (a non-empty list)")
        }
        var points: [SweepPoint] = []
        var seen: [String: Int] = [:]
        for (i, s) in settings.enumerated() {
            let p = try SweepPoint.make(base: base, settings: s, threads: threads, path: path, varying: varying[i])
            if let first = seen[p.work.runName] {
                throw fail("point \(i + 1) (\(p.label)) repeats point \(first + 1) (\(points[first].label)): the same run config; remove one")
            }
            seen[p.work.runName] = i
            points.append(p)
        }
        return SweepConfig(name: name, base: base, points: points, jobs: jobs, threadsPerJob: threads, sourceText: ConfigText.json(value))
    }
}

extension SweepConfig {
    /// The base config of the file's "command" (train, the default, or lottery).
    static func decodeBase(_ dict: [String: ConfigValue], path: String) throws(SweepError) -> JobConfig {
        func fail(_ message: String) -> SweepError { .config(path: path, message: message) }
        let baseValue = dict["base"] ?? .object([:])
        switch dict["command"] {
        case nil, .string("train")?:
            guard let object = baseValue.object else { throw fail("\"base\" must be a run config object (the keys of a run's config.json)") }
            if object["run"] != nil {
                throw fail("base: \"run\" is a key of a lottery.json, not of a run config: add \"command\": \"lottery\" for a sweep of lottery runs")
            }
            do { return .train(try RunConfig.decode(baseValue, path: "\(path) (base)")) } catch { throw fail("base: \(error.description)") }
        case .string("lottery")?:
            guard baseValue.object != nil else {
                throw fail("\"base\" must be a lottery config object (the keys of a lottery.json: \"run\", \"levels\", \"pruneFraction\", …)")
            }
            var lottery = LotteryConfig()
            do { try LotteryConfig.table.apply(baseValue, to: &lottery) } catch { throw fail("base: \(error.message)") }
            return .lottery(lottery)
        case let other?:
            throw fail("\"command\" must be \"train\" (each point is a masklab train run) or \"lottery\" (each point is a masklab lottery run), got \(other)")
        }
    }

    /// The sweep with every run's thread count set to `threads` (a `--threads-per-job` override; it changes the run folders' names).
    public func with(threadsPerJob threads: Int) -> SweepConfig {
        var c = self
        c.threadsPerJob = threads
        c.points = points.map { p in
            var q = p
            q.work.training.threads = threads
            return q
        }
        return c
    }
}
