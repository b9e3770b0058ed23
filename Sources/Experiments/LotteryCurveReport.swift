import Foundation
import Stats

/// Frankle & Carbin's figure over several seeds of one lottery setting: per arm (ticket, reinit,
/// random) and level, the mean and 95% t-interval over seeds of the test accuracy at the
/// early-stopping point, of that iteration, of the final test accuracy, and of the validation
/// loss after `probe` iterations (a measure of learning speed that the budget does not censor).
///
/// Writes `curve.csv` and `curve.svg` (accuracy and early-stopping iteration against the level;
/// each level keeps 1 − p of the survivors, so the level axis is a reversed log scale of the
/// weights remaining, as the paper draws it).
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

    /// Rows from the `levels.csv` of every lottery folder under `root`.
    public static func collect(_ root: URL, probe: Int = 500) throws(RunError) -> [Row] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: root.path) else {
            throw .config(path: root.path, message: "not a folder")
        }
        var values: [String: [(Double, Double, Double, Double)]] = [:]   // "arm|level" → (remaining, es acc, es iteration, final acc)
        var probes: [String: [Double]] = [:]
        for name in names.sorted() {
            let layout = LotteryLayout(directory: root.appendingPathComponent(name, isDirectory: true))
            guard let text = try? String(contentsOf: layout.levels, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let f = line.split(separator: ",").map(String.init)
                guard f.count == 12, let remaining = Double(f[4]), let fin = Double(f[6]), let it = Double(f[7]), let es = Double(f[9]) else { continue }
                values["\(f[1])|\(f[0])", default: []].append((remaining, es, it, fin))
                let folder = layout.level(Int(f[0]) ?? 0, branch: LotteryBranch(rawValue: f[1]))
                if let l = validationLoss(in: folder, at: probe) { probes["\(f[1])|\(f[0])", default: []].append(l) }
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

    /// Writes `curve.csv` and `curve.svg` into `out`.
    public static func write(_ rows: [Row], to out: URL, title: String, probe: Int = 500) throws(RunError) {
        var csv = "arm,level,remaining_percent,seeds,early_stop_test_accuracy_mean,early_stop_test_accuracy_ci95,early_stop_iteration_mean,early_stop_iteration_ci95,final_test_accuracy_mean,final_test_accuracy_ci95,validation_loss_at_\(probe)_mean,validation_loss_at_\(probe)_ci95\n"
        for r in rows {
            csv += "\(r.arm),\(r.level),\(r.remaining),\(r.accuracy.count),\(r.accuracy.mean),\(r.accuracy.halfWidth),\(r.iteration.mean),\(r.iteration.halfWidth),\(r.finalAccuracy.mean),\(r.finalAccuracy.halfWidth),\(r.probeLoss?.mean ?? .nan),\(r.probeLoss?.halfWidth ?? .nan)\n"
        }
        func series(_ value: (Row) -> Summary) -> [LinePlot.Series] {
            ["ticket", "reinit", "random"].compactMap { arm in
                let r = rows.filter { $0.arm == arm }
                guard !r.isEmpty else { return nil }
                let label = arm == "ticket" ? "IMP ticket (θ0)" : arm == "reinit" ? "random re-init" : "random pruning"
                return LinePlot.Series(label: label, points: r.map { (Double($0.level), value($0).mean) },
                                       band: r.map { (Double($0.level), value($0).mean - value($0).halfWidth, value($0).mean + value($0).halfWidth) })
            }
        }
        let marks = rows.filter { $0.arm == "ticket" }.filter { [0, 3, 7, 12, 15, 18].contains($0.level) }
            .map { String(format: "%d→%.1f%%", $0.level, $0.remaining) }.joined(separator: ", ")
        let xLabel = "pruning level (% of weights remaining: \(marks))"
        let acc = LinePlot(title: "\(title): test accuracy at early stopping (mean, 95% CI)", xLabel: xLabel, yLabel: "test accuracy", series: series(\.accuracy))
        let it = LinePlot(title: "\(title): early-stopping iteration (min validation loss)", xLabel: xLabel, yLabel: "iteration", series: series(\.iteration))
        let speed = LinePlot(title: "\(title): validation loss after \(probe) iterations", xLabel: xLabel, yLabel: "cross-entropy",
                             series: series { $0.probeLoss ?? Summary([Double.nan]) })
        let svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(acc.width))" height="\(Int(acc.height + it.height + speed.height))">
        <g>\(acc.svg())</g>
        <g transform="translate(0 \(Int(acc.height)))">\(it.svg())</g>
        <g transform="translate(0 \(Int(acc.height + it.height)))">\(speed.svg())</g>
        </svg>

        """
        do {
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            try csv.write(to: out.appendingPathComponent("curve.csv"), atomically: true, encoding: .utf8)
            try svg.write(to: out.appendingPathComponent("curve.svg"), atomically: true, encoding: .utf8)
        } catch { throw .output(path: out.path, message: "cannot write the curve report: \(error.localizedDescription)") }
    }
}
