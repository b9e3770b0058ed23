import Foundation
import Stats

/// The table across a sweep's grid of training runs: per cell (the settings other than the
/// seed), the final and the best test accuracy of its completed runs as mean ± 95% interval over
/// seeds (`Summary`). Written as `sweep.csv` and `SWEEP.md`; it holds no timings, so any executor
/// writes the same bytes.
public struct SweepReport: SweepTable {
    /// One row: a cell and its completed runs.
    public struct Row: Sendable {
        public var cell: String
        /// Runs planned in the cell.
        public var planned: Int
        /// Final and best test accuracy of the completed runs (empty when none completed).
        public var final: [Double]
        public var best: [Double]
    }

    public var name: String
    public var rows: [Row]
    /// Every run: its label, folder name and status ("completed", "stopped", "not run", …).
    public var runs: [(label: String, folder: String, status: String)]
    /// Folders under `runs/` that belong to no point of the grid (an earlier grid's), sorted.
    public var outside: [String] = []

    /// Reads the run folders of `sweep` under `layout`.
    public static func read(_ sweep: SweepConfig, layout: SweepLayout) -> SweepReport {
        var rows: [Row] = []
        var runs: [(label: String, folder: String, status: String)] = []
        for p in sweep.points {
            let folder = p.work.runName
            if !rows.contains(where: { $0.cell == p.cell }) { rows.append(Row(cell: p.cell, planned: 0, final: [], best: [])) }
            let i = rows.firstIndex { $0.cell == p.cell }!
            rows[i].planned += 1
            var status = "not run"
            if let data = try? Data(contentsOf: layout.run(folder).summary),
               let o = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let s = o["status"] as? String {
                status = s
                if s == "completed", let f = o["finalTestAccuracy"] as? Double, let b = o["bestTestAccuracy"] as? Double {
                    rows[i].final.append(f)
                    rows[i].best.append(b)
                }
            } else if FileManager.default.fileExists(atPath: layout.run(folder).config.path) {
                status = "started"
            }
            runs.append((p.label, folder, status))
        }
        let planned = Set(runs.map(\.folder))
        let present = (try? FileManager.default.contentsOfDirectory(atPath: layout.runs.path)) ?? []
        let outside = present.filter { !$0.hasPrefix(".") && !planned.contains($0) }.sorted()
        return SweepReport(name: sweep.name, rows: rows, runs: runs, outside: outside)
    }

    /// `sweep.csv`: cell, n (completed), planned, then mean and 95% half-width of the final and
    /// the best test accuracy (half-width empty for n = 1, both empty for n = 0).
    public func csv() -> String {
        var out = "cell,n,planned,final_test_accuracy_mean,final_test_accuracy_ci95,best_test_accuracy_mean,best_test_accuracy_ci95\n"
        for r in rows {
            out += "\(Self.csvField(r.cell)),\(r.final.count),\(r.planned),\(Self.csvCells(r.final)),\(Self.csvCells(r.best))\n"
        }
        return out
    }

    /// `SWEEP.md`: the table, then every run with its folder and status, then the run folders that
    /// belong to no point of the grid (say, after the grid was edited), by name.
    public func markdown() -> String {
        var out = "# Sweep \(name)\n\nFinal and best test accuracy per cell: mean ± 95% interval over seeds (Student t).\n\n"
        out += "| cell | n | final test accuracy | best test accuracy |\n|---|---|---|---|\n"
        for r in rows {
            let n = r.final.count == r.planned ? "\(r.planned)" : "\(r.final.count) of \(r.planned)"
            out += "| \(r.cell) | \(n) | \(Self.text(r.final)) | \(Self.text(r.best)) |\n"
        }
        out += Self.runList(runs)
        if !outside.isEmpty {
            out += "\n## Run folders outside this grid\n\n\(outside.count) folder(s) under `runs/` belong to no point of this grid (an "
                + "earlier grid's, or changed settings); they are not in the table above: "
                + outside.map { "`runs/\($0)`" }.joined(separator: ", ") + ". `masklab runs` lists their settings.\n"
        }
        return out
    }

    /// `text` as one CSV field (quoted when it holds a comma or a quote).
    static func csvField(_ text: String) -> String {
        text.contains(",") || text.contains("\"") ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    static func csvCells(_ values: [Double]) -> String { csvCells(values.isEmpty ? nil : Summary(values)) }

    /// The mean and the 95% half-width as two CSV cells (half-width empty for n = 1, both for none).
    static func csvCells(_ s: Summary?) -> String {
        guard let s else { return "," }
        return String(format: "%.6f", s.mean) + "," + (s.count > 1 ? String(format: "%.6f", s.halfWidth) : "")
    }

    static func text(_ values: [Double]) -> String { text(values.isEmpty ? nil : Summary(values)) }

    /// "mean ± half-width" with four decimals, "(n = 1, no interval)" for one value.
    static func text(_ s: Summary?) -> String {
        guard let s else { return "no completed run" }
        if s.count == 1 { return String(format: "%.4f (n = 1, no interval)", s.mean) }
        return String(format: "%.4f ± %.4f", s.mean, s.halfWidth)
    }

    /// The "Runs" section of SWEEP.md: every run with its folder and status.
    static func runList(_ runs: [(label: String, folder: String, status: String)]) -> String {
        "\n## Runs\n\n| run | folder | status |\n|---|---|---|\n" + runs.map { "| \($0.label) | runs/\($0.folder) | \($0.status) |\n" }.joined()
    }
}
