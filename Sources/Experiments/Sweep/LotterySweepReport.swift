import Foundation
import Stats

/// The table across a sweep's grid of lottery runs: per cell (the settings other than the seed),
/// arm (ticket, reinit, random) and level, the % of weights remaining and the test accuracy at
/// early stopping (the iteration of minimum validation loss), at the end of the level's training,
/// and the early-stopping iteration, each as mean ± 95% interval over the cell's completed runs
/// (`LotteryCurveReport.collect`, what `masklab lottery-report curve` summarises). Written as
/// `sweep.csv` and `SWEEP.md`; the levels' timings are left out, so any executor writes the same bytes.
public struct LotterySweepReport: SweepTable {
    /// One cell: its runs and the rows of its completed ones.
    public struct Cell: Sendable {
        public var cell: String
        /// Runs planned in the cell.
        public var planned: Int
        /// Completed runs (every level finished) of the cell, in the order of the points.
        public var completed: [URL]
        /// Per arm and level (empty when no run completed).
        public var rows: [LotteryCurveReport.Row]
    }

    public var name: String
    public var cells: [Cell]
    /// Every run: its label, folder name and status ("completed", "3 of 6 levels done", "not run", …).
    public var runs: [(label: String, folder: String, status: String)]

    /// Reads the lottery folders of `sweep` under `layout`.
    public static func read(_ sweep: SweepConfig, layout: SweepLayout) -> LotterySweepReport {
        var cells: [Cell] = []
        var runs: [(label: String, folder: String, status: String)] = []
        for p in sweep.points {
            let name = p.work.runName, folder = layout.folder(name)
            if !cells.contains(where: { $0.cell == p.cell }) { cells.append(Cell(cell: p.cell, planned: 0, completed: [], rows: [])) }
            let i = cells.firstIndex { $0.cell == p.cell }!
            cells[i].planned += 1
            if p.work.isCompleted(in: folder) { cells[i].completed.append(folder) }
            runs.append((p.label, name, p.work.status(in: folder)))
        }
        for i in cells.indices { cells[i].rows = LotteryCurveReport.collect(folders: cells[i].completed) }
        return LotterySweepReport(name: sweep.name, cells: cells, runs: runs)
    }

    /// `sweep.csv`: one line per cell, arm and level (a cell without a completed run: one line
    /// with n = 0), then n (completed runs), planned, and mean and 95% half-width of the
    /// early-stopping and the final test accuracy and of the early-stopping iteration.
    public func csv() -> String {
        var out = "cell,arm,level,remaining_percent,n,planned,early_stop_test_accuracy_mean,early_stop_test_accuracy_ci95,"
            + "final_test_accuracy_mean,final_test_accuracy_ci95,early_stop_iteration_mean,early_stop_iteration_ci95\n"
        for c in cells {
            let cell = SweepReport.csvField(c.cell)
            if c.rows.isEmpty { out += "\(cell),,,,0,\(c.planned),,,,,,\n" }
            for r in c.rows {
                out += "\(cell),\(r.arm),\(r.level),\(String(format: "%.4f", r.remaining)),\(r.accuracy.count),\(c.planned),"
                    + "\(SweepReport.csvCells(r.accuracy)),\(SweepReport.csvCells(r.finalAccuracy)),\(SweepReport.csvCells(r.iteration))\n"
            }
        }
        return out
    }

    /// `SWEEP.md`: the table, then every run with its folder and status.
    public func markdown() -> String {
        var out = "# Lottery sweep \(name)\n\nPer cell, arm and level: test accuracy at early stopping (minimum validation loss) and at the end "
            + "of the level's training, and the early-stopping iteration; mean ± 95% interval over seeds (Student t).\n\n"
        out += "| cell | arm | level | weights remaining | n | early-stop test accuracy | final test accuracy | early-stop iteration |\n"
        out += "|---|---|---|---|---|---|---|---|\n"
        for c in cells {
            if c.rows.isEmpty { out += "| \(c.cell) | | | | 0 of \(c.planned) | no completed run | | |\n" }
            for r in c.rows {
                let n = r.accuracy.count == c.planned ? "\(c.planned)" : "\(r.accuracy.count) of \(c.planned)"
                let iteration = r.accuracy.count == 1 ? String(format: "%.0f", r.iteration.mean) : String(format: "%.0f ± %.0f", r.iteration.mean, r.iteration.halfWidth)
                out += "| \(c.cell) | \(r.arm) | \(r.level) | \(String(format: "%.2f%%", r.remaining)) | \(n) | \(SweepReport.text(r.accuracy)) | "
                    + "\(SweepReport.text(r.finalAccuracy)) | \(iteration) |\n"
            }
        }
        return out + SweepReport.runList(runs)
    }
}
