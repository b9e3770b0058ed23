import Foundation
import Stats
import Training

/// Test accuracy and test loss per epoch of any run folders in one figure: `masklab plot RUN…`.
///
/// Runs whose configurations are equal except for the seed (and the thread count) form one
/// group, drawn as the mean per epoch with its 95% t-interval as a band (n = 1: the run's own
/// curve, no band). A lottery level's fixed mask counts as a setting (its density, as `diff`
/// shows it), so a chain's levels are separate groups; settings that only change what is logged
/// or checkpointed (`bookkeepingKeys`) do not split groups. Each group is labelled by its arm
/// when its runs come from one arm of a `compare` folder (`compare-X/runs/<arm>/seed-N`, and
/// every group is such an arm), else by the settings that tell the groups apart (`ConfigDiff`
/// against the first group; a mask section by its name and keep share), or by its folder name
/// when nothing does. Groups labelled by settings are ordered by those values (numbers as
/// numbers), not by the order of the folders. A folder given twice, or two runs of one group
/// with the same seed (which would be counted as two seeds), is refused.
public enum RunOverlay {
    /// Runs sharing a configuration up to the seed.
    public struct Group: Sendable {
        public var label: String
        public var runs: [String]
        public var curves: [RunCurve]
    }

    /// Settings that change only what a run logs or checkpoints (and the evaluation batch), not
    /// its curves: runs differing in them are one group.
    public static let bookkeepingKeys = RunConfig.loggingKeys + ["checkpointEveryEpochs", "checkpointEveryIterations", "evalBatchSize"]

    /// The arm of a run folder inside a comparison (`…/compare-X/runs/<arm>/seed-N`), or nil.
    static func compareArm(_ path: String) -> String? { comparisonAndArm(path)?.arm }

    /// The comparison folder and the arm of a run folder inside a comparison, or nil.
    static func comparisonAndArm(_ path: String) -> (comparison: String, arm: String)? {
        let url = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
        let parts = url.pathComponents
        guard parts.count >= 4, parts[parts.count - 1].hasPrefix("seed-"), parts[parts.count - 3] == "runs",
              parts[parts.count - 4].hasPrefix("compare-") else { return nil }
        return (url.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path, parts[parts.count - 2])
    }

    /// The order of two varying values: numbers by value and before other values, the rest by text.
    static func precedes(_ x: String, _ y: String) -> Bool {
        switch (Double(x), Double(y)) {
        case let (u?, v?): return u < v
        case (_?, nil): return true
        case (nil, _?): return false
        case (nil, nil): return x < y
        }
    }

    /// Groups the run folders `paths` (each needs `config.json` and `metrics.csv`). A run without
    /// a finished epoch (diverged in its first, or just started) is left out and named in
    /// `skipped` with the reason; a folder that is not a run is refused, naming what it holds.
    public static func groups(_ paths: [String], skipped: inout [(path: String, reason: String)]) throws(RunError) -> [Group] {
        var keys: [String] = []
        var members: [String: [(path: String, curve: RunCurve)]] = [:]
        var configs: [String: [String: Any]] = [:]
        var seen: [String: String] = [:]   // standardised folder → the path as given
        for path in paths {
            let folder = URL(fileURLWithPath: path, isDirectory: true)
            let standard = folder.standardizedFileURL.resolvingSymlinksInPath().path
            if let earlier = seen[standard] { throw .config(path: path, message: "the same run folder as \(earlier), given twice") }
            seen[standard] = path
            let layout = RunLayout(directory: folder)
            guard FileManager.default.fileExists(atPath: layout.config.path) else { throw notARun(path, folder) }
            var config = try RunConfig.load(from: layout.config)
            let seed = config.training.seed
            var damaged: [String] = []
            let read = RunCurve.read(layout.metrics, seed: seed) { damaged.append($0) }
            for d in damaged { skipped.append((path, d)) }   // rows left out of the plot, each named
            guard let curve = read, curve.epochs > 0 else {
                let status = (try? JSONSerialization.jsonObject(with: Data(contentsOf: layout.summary)) as? [String: Any])?["status"] as? String
                skipped.append((path, "no finished epoch in metrics.csv" + (status.map { " (status \($0))" } ?? "")))
                continue
            }
            config.training.seed = 0
            config.training.threads = 1
            var object = (try? JSONSerialization.jsonObject(with: Data(config.jsonText().utf8)) as? [String: Any]) ?? [:]
            for k in bookkeepingKeys { object[k] = nil }
            if config.masks == nil, let density = layout.fixedMaskDensity { object["lotteryMaskDensity"] = density }
            let key = ConfigDiff.json(object)
            if let twin = members[key]?.first(where: { $0.curve.seed == seed }) {
                throw .config(path: path, message: "\(twin.path) has the same settings and the same seed \(seed); a group's runs must differ in "
                              + "the seed (a lottery's ticket and its reinit or random branch share both: plot them one at a time)")
            }
            if members[key] == nil {
                keys.append(key)
                configs[key] = object
            }
            members[key, default: []].append((path, curve))
        }
        let first = keys.first.flatMap { configs[$0] } ?? [:]
        // Key paths that differ between any two groups, shown in every label.
        var varying = Set<String>()
        for key in keys.dropFirst() { for d in ConfigDiff.differences(first, configs[key] ?? [:]) { varying.insert(d.key) } }
        // Every run from one comparison, one arm per group, distinct: the arms name the groups
        // (arms of different comparisons may differ in more than the arm: settings name them).
        let places = paths.map(comparisonAndArm)
        let oneComparison = places.allSatisfy { $0 != nil } && Set(places.compactMap { $0?.comparison }).count == 1
        let arms = keys.map { key -> String? in
            let names = Set((members[key] ?? []).map { compareArm($0.path) ?? "" })
            return names.count == 1 && names.first != "" ? names.first : nil
        }
        let byArm = oneComparison && arms.allSatisfy { $0 != nil } && Set(arms.compactMap { $0 }).count == arms.count
        var order = Array(keys.indices)
        if !byArm && !varying.isEmpty {
            let sortedKeys = varying.sorted()
            order.sort { a, b in
                for k in sortedKeys {
                    let x = value(at: k, in: configs[keys[a]] ?? [:]), y = value(at: k, in: configs[keys[b]] ?? [:])
                    guard x != y else { continue }
                    return precedes(x, y)
                }
                return a < b
            }
        }
        return order.map { index in
            let key = keys[index]
            let m = members[key] ?? []
            let config = configs[key] ?? [:]
            var label = byArm ? arms[index] ?? "" : label(varying: varying.sorted(), in: config)
            if label.isEmpty { label = URL(fileURLWithPath: m[0].path).lastPathComponent }
            // Runs of unequal length: the later epochs average fewer seeds, and the legend says so.
            let shortest = m.map(\.curve.epochs).min() ?? 0, longest = m.map(\.curve.epochs).max() ?? 0
            let fewer = m.filter { $0.curve.epochs == longest }.count
            label += m.count == 1 ? " (seed \(m[0].curve.seed))"
                : shortest == longest ? " (mean of \(m.count) seeds)"
                : " (mean of \(m.count) seeds; \(counted(fewer, "seed")) after epoch \(shortest))"
            return Group(label: label, runs: m.map(\.path), curves: m.map(\.curve))
        }
    }

    /// The refusal of a folder without config.json: what it is instead, and what to pass.
    static func notARun(_ path: String, _ folder: URL) -> RunError {
        guard FileManager.default.fileExists(atPath: folder.path) else { return .config(path: path, message: "no such run folder") }
        let hint: String
        switch FolderOwner.of(folder)?.command {
        case let owner?:
            let what = owner == "lottery" ? "a lottery" : "a \(owner) study"
            hint = FolderOwner.passInstead(owner, path: path, oneOf: false).map { "it holds \(what): " + $0 } ?? "it holds the output of masklab \(owner)"
        case nil:
            hint = "no config.json in it"
        }
        return .config(path: path, message: "not a run folder (\(hint))")
    }

    /// The figure: test accuracy and test loss against the epoch, one series per group. A band
    /// is cut to the values the metric can take (accuracy 0…1, loss ≥ 0): with 2 seeds the t
    /// quantile is 12.7 and the interval can reach past them, and the subtitle then says so.
    public static func svg(_ groups: [Group], title: String) -> String {
        func chart(_ name: String, range: ClosedRange<Double>, _ values: (RunCurve) -> [Double]) -> LinePlot {
            var clipped = false
            let series = groups.map { g -> LinePlot.Series in
                let epochs = g.curves.map(\.epochs).max() ?? 0
                var points: [(x: Double, y: Double)] = [], band: [(x: Double, low: Double, high: Double)] = []
                for e in 0..<epochs {
                    let v = g.curves.compactMap { c -> Double? in
                        let all = values(c)
                        return e < all.count && all[e].isFinite ? all[e] : nil
                    }
                    guard !v.isEmpty else { continue }
                    let s = Summary(v)
                    points.append((Double(e + 1), s.mean))
                    if s.count > 1 {
                        let (low, high) = (s.mean - s.halfWidth, s.mean + s.halfWidth)
                        if low < range.lowerBound || high > range.upperBound { clipped = true }
                        band.append((Double(e + 1), max(low, range.lowerBound), min(high, range.upperBound)))
                    }
                }
                return LinePlot.Series(label: g.label, points: points, band: band)
            }
            var plot = LinePlot(title: "\(title): \(name)", xLabel: "epoch", yLabel: name, series: series)
            plot.subtitle = "groups of runs that differ only in the seed: mean, 95% t-interval band"
                + (clipped ? " (cut at the metric's range)" : "")
            plot.xInteger = true
            plot.width = 820
            return plot
        }
        return LinePlot.stacked([chart("test accuracy", range: 0...1) { $0.testAccuracy },
                                 chart("test loss", range: 0...Double.infinity) { $0.testLoss }])
    }

    /// The legend text of a group: each varying key path's value, leaving out the keys the group
    /// lacks unless it lacks all of them (`model "lenet5"` against `model "mlp", hidden [64,64]`,
    /// not `model "lenet5", hidden absent`; but `masks absent` against `masks dropconnect`).
    static func label(varying: [String], in config: [String: Any]) -> String {
        let parts = varying.map { (key: short($0), value: value(at: $0, in: config)) }
        let present = parts.filter { $0.value != "absent" }
        return (present.isEmpty ? parts : present).map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }

    /// The value at the key path `path` of `object` as compact JSON, or "absent" when the path or
    /// its value is missing or null. A whole section (a run with `masks` against one without) is
    /// shown by its `name` when it has one, with its `keep` share when it has one
    /// (`dropconnect keep 0.7`), else as JSON — not as "absent".
    static func value(at path: String, in object: [String: Any]) -> String {
        var node: Any = object
        for part in path.split(separator: ".") {
            guard let dict = node as? [String: Any], let next = dict[String(part)], !(next is NSNull) else { return "absent" }
            node = next
        }
        if let section = node as? [String: Any], let name = section["name"] as? String {
            return section["keep"].map { "\(name) keep \(ConfigDiff.json($0))" } ?? name
        }
        return ConfigDiff.json(node)
    }

    /// The last component of a key path (`training.optimizer.learningRate` → `learningRate`), or
    /// for a `name` the section it names (`schedule.name` → `schedule`: "schedule cosine", not
    /// "name cosine", which could be the schedule's, the optimiser's or the masks').
    static func short(_ key: String) -> String {
        let parts = key.split(separator: ".")
        if parts.count >= 2, parts.last == "name" { return String(parts[parts.count - 2]) }
        return String(parts.last ?? Substring(key))
    }
}
