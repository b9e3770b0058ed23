import Foundation
import Stats

/// Frankle & Carbin's figure over several seeds of one lottery setting: per arm (ticket, reinit,
/// random) and level, the mean and 95% t-interval over seeds of the test accuracy at the
/// early-stopping point, of that iteration, of the final test accuracy, and of the validation
/// loss after `probe` iterations (a measure of learning speed that the budget does not censor).
///
/// Writes `curve.csv` and `curve.svg` (accuracy, early-stopping iteration and validation loss
/// at the probe against the % of weights remaining on a reversed log scale, as the paper draws
/// it, with 95% error bars over seeds).
public enum LotteryCurveReport {
    public struct Row: Sendable, Equatable {
        public var arm: String, level: Int, remaining: Double
        public var accuracy: Summary, iteration: Summary, finalAccuracy: Summary
        /// Validation loss at the probe iteration (from each level's validation.csv).
        public var probeLoss: Summary?
    }

    /// The validation loss logged at `iteration` in a level folder's validation.csv, if any.
    static func validationLoss(in level: URL, at iteration: Int) -> Double? {
        guard let text = try? String(contentsOf: LotteryLayout.validation(level), encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            if f.count >= 2, Int(f[0]) == iteration { return Double(f[1]) }
        }
        return nil
    }

    /// Rows from the `levels.csv` of every lottery folder under `root`, which must all be seeds of
    /// one setting (`requireOneSetting`).
    public static func collect(_ root: URL, probe: Int = 500) throws(RunError) -> [Row] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: root.path) else {
            throw .config(path: root.path, message: "not a folder")
        }
        let folders = names.sorted().map { root.appendingPathComponent($0, isDirectory: true) }
        try requireOneSetting(folders, root: root)
        return collect(folders: folders, probe: probe)
    }

    /// Refuses lottery folders (those with a `levels.csv`) that are not seeds of one setting: a
    /// curve averages per level, and mixing settings would average levels that exist in neither
    /// (a dense chain and a transferred 10% one give "55%"), as would two folders of one seed
    /// counted as two. Their `lottery.json` may differ in the seed, the threads, the number of
    /// levels (a chain extended further has the same levels up to its length) and the paths of
    /// a transferred mask and of θ0 (each seed's own), not in whether they have them.
    static func requireOneSetting(_ folders: [URL], root: URL) throws(RunError) {
        var first: (name: String, text: String)?
        var seeds: [UInt64: (name: String, text: String)] = [:]
        for directory in folders {
            let layout = LotteryLayout(directory: directory)
            guard FileManager.default.fileExists(atPath: layout.levels.path), let data = try? Data(contentsOf: layout.config),
                  var config = try? JSONDecoder().decode(LotteryConfig.self, from: data) else { continue }
            let seed = config.run.training.seed
            let whole = config.readSettings.jsonText()
            config.run.training.seed = 0
            config.run.training.threads = 1
            config.levels = 0
            config.transfer = config.transfer.map { _ in "(a mask)" }
            config.initFrom = config.initFrom.map { _ in "(weights)" }
            let text = config.readSettings.jsonText()
            // Other settings first: they explain a repeated seed too (a grid's cells share seeds).
            if let reference = first, text != reference.text {
                let what = ConfigDiff.brief(saved: reference.text, requested: text, savedIn: "in \(reference.name)",
                                            requestedIn: "in \(directory.lastPathComponent)")
                throw .config(path: root.path, message: "its lottery runs have different settings (\(what.isEmpty ? "\(reference.name) and \(directory.lastPathComponent)" : what)); "
                              + "a curve averages the seeds of one setting: point it at a folder holding only those")
            }
            if first == nil { first = (directory.lastPathComponent, text) }
            if let other = seeds[seed] {
                // Chains of one seed that differ only in what a curve allows to differ (levels, threads, paths).
                let what = ConfigDiff.brief(saved: other.text, requested: whole, savedIn: "in \(other.name)", requestedIn: "in \(directory.lastPathComponent)")
                throw .config(path: root.path, message: "\(other.name) and \(directory.lastPathComponent) are both seed \(seed)"
                              + (what.isEmpty ? "" : " (they differ only in \(what))") + "; a curve counts each "
                              + "seed once: point it at a folder holding one chain per seed")
            }
            seeds[seed] = (directory.lastPathComponent, whole)
        }
    }

    /// Rows from the `levels.csv` of the lottery runs in `folders` (each one seed of one setting;
    /// folders without a levels.csv are left out), in the order given.
    public static func collect(folders: [URL], probe: Int = 500) -> [Row] {
        var values: [String: [(Double, Double, Double, Double)]] = [:]   // "arm|level" → (remaining, es acc, es iteration, final acc)
        var probes: [String: [Double]] = [:]
        for directory in folders {
            let layout = LotteryLayout(directory: directory)
            guard let text = try? String(contentsOf: layout.levels, encoding: .utf8),
                  let rows = LotteryLevelResult.rows(csv: text) else { continue }
            for r in rows {
                values["\(r.arm)|\(r.level)", default: []].append((r.remaining, r.earlyStopTestAccuracy, Double(r.earlyStopIteration), r.finalTestAccuracy))
                let folder = layout.level(r.level, branch: LotteryBranch(rawValue: r.arm))
                if let l = validationLoss(in: folder, at: probe) { probes["\(r.arm)|\(r.level)", default: []].append(l) }
            }
        }
        let order = ["ticket": 0, "reinit": 1, "random": 2]
        return values.map { key, v in
            let parts = key.split(separator: "|")
            return Row(arm: String(parts[0]), level: Int(parts[1]) ?? 0, remaining: v.map(\.0).reduce(0, +) / Double(v.count),
                       accuracy: Summary(v.map(\.1)), iteration: Summary(v.map(\.2)), finalAccuracy: Summary(v.map(\.3)),
                       probeLoss: probes[key].map { Summary($0) })
        }.sorted { (order[$0.arm] ?? 9, $0.level) < (order[$1.arm] ?? 9, $1.level) }
    }

    /// The legend name of a lottery arm.
    static func armLabel(_ arm: String) -> String {
        switch arm {
        case "ticket": return "IMP ticket"
        case "reinit": return "random re-init"
        case "random": return "random pruning"
        default: return arm
        }
    }

    /// Writes `curve.csv` and `curve.svg` into `out`.
    public static func write(_ rows: [Row], to out: URL, title: String, probe: Int = 500) throws(RunError) {
        var csv = "arm,level,remaining_percent,seeds,early_stop_test_accuracy_mean,early_stop_test_accuracy_ci95,early_stop_iteration_mean,early_stop_iteration_ci95,final_test_accuracy_mean,final_test_accuracy_ci95,validation_loss_at_\(probe)_mean,validation_loss_at_\(probe)_ci95\n"
        for r in rows {
            csv += "\(r.arm),\(r.level),\(r.remaining),\(r.accuracy.count),\(r.accuracy.mean),\(r.accuracy.halfWidth),\(r.iteration.mean),\(r.iteration.halfWidth),\(r.finalAccuracy.mean),\(r.finalAccuracy.halfWidth),\(r.probeLoss?.mean ?? .nan),\(r.probeLoss?.halfWidth ?? .nan)\n"
        }
        let seeds = rows.map(\.accuracy.count).max() ?? 0
        func chart(_ name: String, yLabel: String, _ value: (Row) -> Summary) -> LinePlot {
            let series = ["ticket", "reinit", "random"].compactMap { arm -> LinePlot.Series? in
                let r = rows.filter { $0.arm == arm && $0.remaining > 0 }
                guard !r.isEmpty else { return nil }
                return LinePlot.Series(label: armLabel(arm), points: r.map { ($0.remaining, value($0).mean) },
                                       band: r.map { ($0.remaining, value($0).mean - value($0).halfWidth, value($0).mean + value($0).halfWidth) },
                                       bandStyle: .errorBars)
            }
            var plot = LinePlot(title: "\(title): \(name)", xLabel: "% of weights remaining (log scale)", yLabel: yLabel, series: series)
            plot.subtitle = "mean over \(seeds) seed\(seeds == 1 ? "" : "s"); error bars: 95% t-interval\(seeds == 1 ? " (n = 1, no interval)" : "")"
            plot.xScale = .log
            plot.xReversed = true
            return plot
        }
        let acc = chart("test accuracy at early stopping", yLabel: "test accuracy", \.accuracy)
        let it = chart("early-stopping iteration (min validation loss)", yLabel: "iteration", \.iteration)
        let speed = chart("validation loss after \(probe) iterations", yLabel: "cross-entropy") { $0.probeLoss ?? Summary([Double.nan]) }
        // No chain logged a validation loss at the probe (a budget below it, or no validation split): no empty panel.
        let svg = LinePlot.stacked(rows.contains { $0.probeLoss != nil } ? [acc, it, speed] : [acc, it])
        do {
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            try csv.write(to: out.appendingPathComponent("curve.csv"), atomically: true, encoding: .utf8)
            try svg.write(to: out.appendingPathComponent("curve.svg"), atomically: true, encoding: .utf8)
        } catch { throw .output(path: out.path, message: "cannot write the curve report: \(error.localizedDescription)") }
    }
}
