import Foundation
import Stats

/// The seed's 2×2 grid over lottery runs: {re-initialise: no (the ticket) / yes (the reinit
/// branch)} × {selection: magnitude / random}, one point per pruned level (prune ratio =
/// 1 − kept/entries of the masked weights; rounds = the level). Per arm: Pearson and Spearman
/// correlation of prune ratio with test accuracy over all points and over ratios ≤ 85%, and of
/// rounds with test accuracy.
///
/// Writes `grid.csv` (every point), `correlations.csv`, and `grid-<arm>.svg` scatter plots.
public enum LotteryGridReport {
    public struct Point: Sendable, Equatable {
        public var selection: String, reinit: Bool, seed: UInt64, rounds: Int
        public var pruneRatio: Double, finalTestAccuracy: Double, earlyStopTestAccuracy: Double
        public var arm: String { "\(selection)/\(reinit ? "reinit" : "no-reinit")" }
    }

    public struct Row: Sendable, Equatable {
        public var arm: String, subset: String, count: Int
        public var pearson: Double, spearman: Double, pearsonRounds: Double
    }

    /// Every pruned level of every lottery folder under `root` (folders holding lottery.json and levels.csv).
    public static func collect(_ root: URL) throws(RunError) -> [Point] {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: root.path) else { throw .config(path: root.path, message: "not a folder") }
        var points: [Point] = []
        for name in names.sorted() {
            let dir = root.appendingPathComponent(name, isDirectory: true)
            let layout = LotteryLayout(directory: dir)
            guard let data = try? Data(contentsOf: layout.config), let config = try? JSONDecoder().decode(LotteryConfig.self, from: data),
                  let text = try? String(contentsOf: layout.levels, encoding: .utf8),
                  let rows = LotteryLevelResult.rows(csv: text) else { continue }
            for r in rows where r.level >= 1 && (r.arm == "ticket" || r.arm == "reinit") {
                points.append(Point(selection: config.selection, reinit: r.arm == "reinit", seed: config.run.training.seed,
                                    rounds: r.level, pruneRatio: 1 - r.remaining / 100, finalTestAccuracy: r.finalTestAccuracy,
                                    earlyStopTestAccuracy: r.earlyStopTestAccuracy))
            }
        }
        return points
    }

    /// Correlations per arm (accuracy = the final test accuracy, as the seed reports).
    public static func correlations(_ points: [Point], maxRatio: Double = 0.85) -> [Row] {
        var rows: [Row] = []
        for arm in ["random/no-reinit", "random/reinit", "magnitude/reinit", "magnitude/no-reinit"] {
            for (subset, limit) in [("all", 1.0), ("0-85%", maxRatio)] {
                let p = points.filter { $0.arm == arm && $0.pruneRatio <= limit + 1e-12 }
                guard p.count >= 3 else { continue }
                let acc = p.map(\.finalTestAccuracy)
                rows.append(Row(arm: arm, subset: subset, count: p.count, pearson: Correlation.pearson(p.map(\.pruneRatio), acc),
                                spearman: Correlation.spearman(p.map(\.pruneRatio), acc),
                                pearsonRounds: Correlation.pearson(p.map { Double($0.rounds) }, acc)))
            }
        }
        return rows
    }

    /// Writes the report files into `out`; returns the correlation rows.
    @discardableResult
    public static func write(_ points: [Point], to out: URL) throws(RunError) -> [Row] {
        let rows = correlations(points)
        var csv = "selection,reinit,seed,rounds,prune_ratio,final_test_accuracy,early_stop_test_accuracy\n"
        for p in points { csv += "\(p.selection),\(p.reinit),\(p.seed),\(p.rounds),\(p.pruneRatio),\(p.finalTestAccuracy),\(p.earlyStopTestAccuracy)\n" }
        var corr = "arm,subset,models,pearson_ratio_accuracy,spearman_ratio_accuracy,pearson_rounds_accuracy\n"
        for r in rows { corr += "\(r.arm),\(r.subset),\(r.count),\(r.pearson),\(r.spearman),\(r.pearsonRounds)\n" }
        do {
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            try csv.write(to: out.appendingPathComponent("grid.csv"), atomically: true, encoding: .utf8)
            try corr.write(to: out.appendingPathComponent("correlations.csv"), atomically: true, encoding: .utf8)
            for arm in Set(points.map(\.arm)).sorted() {
                let p = points.filter { $0.arm == arm }
                let stats = rows.filter { $0.arm == arm }.map { String(format: "%@: r %.3f, ρ %.3f", $0.subset, $0.pearson, $0.spearman) }
                let groups = Dictionary(grouping: p, by: \.rounds).sorted { $0.key < $1.key }.map { rounds, q in
                    ScatterPlot.Group(label: "\(rounds) round\(rounds == 1 ? "" : "s")", points: q.map { ($0.pruneRatio * 100, $0.finalTestAccuracy) })
                }
                let plot = ScatterPlot(title: "\(arm) — \(stats.joined(separator: "; "))", xLabel: "% of weights pruned",
                                       yLabel: "test accuracy", groups: groups)
                try plot.svg().write(to: out.appendingPathComponent("grid-\(arm.replacingOccurrences(of: "/", with: "-")).svg"),
                                     atomically: true, encoding: .utf8)
            }
        } catch { throw .output(path: out.path, message: "cannot write the grid report: \(error.localizedDescription)") }
        return rows
    }
}
