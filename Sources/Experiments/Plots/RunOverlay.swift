import Foundation
import Stats
import Training

/// Test accuracy and test loss per epoch of any run folders in one figure: `masklab plot RUN…`.
///
/// Runs whose configurations are equal except for the seed (and the thread count) form one
/// group, drawn as the mean per epoch with its 95% t-interval as a band (n = 1: the run's own
/// curve, no band). A lottery level's fixed mask counts as a setting (its density, as `diff`
/// shows it), so a chain's levels are separate groups. Each group is labelled by the settings
/// that tell the groups apart (`ConfigDiff` against the first group), or by its folder name when
/// nothing does. A folder given twice, or two runs of one group with the same seed (which would
/// be counted as two seeds), is refused.
public enum RunOverlay {
    /// Runs sharing a configuration up to the seed.
    public struct Group: Sendable {
        public var label: String
        public var runs: [String]
        public var curves: [RunCurve]
    }

    /// Groups the run folders `paths` (each needs `config.json` and `metrics.csv`).
    public static func groups(_ paths: [String]) throws(RunError) -> [Group] {
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
            var config = try RunConfig.load(from: layout.config)
            let seed = config.training.seed
            guard let curve = RunCurve.read(layout.metrics, seed: seed), curve.epochs > 0 else {
                throw .config(path: layout.metrics.path, message: "no epochs in metrics.csv (has the run finished an epoch?)")
            }
            config.training.seed = 0
            config.training.threads = 1
            var object = (try? JSONSerialization.jsonObject(with: Data(config.jsonText().utf8)) as? [String: Any]) ?? [:]
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
        return keys.map { key in
            let m = members[key] ?? []
            let config = configs[key] ?? [:]
            var label = label(varying: varying.sorted(), in: config)
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

    /// The figure: test accuracy and test loss against the epoch, one series per group.
    public static func svg(_ groups: [Group], title: String) -> String {
        func chart(_ name: String, _ values: (RunCurve) -> [Double]) -> LinePlot {
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
                    if s.count > 1 { band.append((Double(e + 1), s.mean - s.halfWidth, s.mean + s.halfWidth)) }
                }
                return LinePlot.Series(label: g.label, points: points, band: band)
            }
            var plot = LinePlot(title: "\(title): \(name)", xLabel: "epoch", yLabel: name, series: series)
            plot.subtitle = "groups of runs that differ only in the seed: mean, 95% t-interval band"
            plot.xInteger = true
            plot.width = 820
            return plot
        }
        return LinePlot.stacked([chart("test accuracy") { $0.testAccuracy }, chart("test loss") { $0.testLoss }])
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
    /// shown by its `name` when it has one (`dropconnect`), else as JSON — not as "absent".
    static func value(at path: String, in object: [String: Any]) -> String {
        var node: Any = object
        for part in path.split(separator: ".") {
            guard let dict = node as? [String: Any], let next = dict[String(part)], !(next is NSNull) else { return "absent" }
            node = next
        }
        if let section = node as? [String: Any], let name = section["name"] as? String { return name }
        return ConfigDiff.json(node)
    }

    /// The last component of a key path (`training.optimizer.learningRate` → `learningRate`).
    static func short(_ key: String) -> String { String(key.split(separator: ".").last ?? Substring(key)) }
}
