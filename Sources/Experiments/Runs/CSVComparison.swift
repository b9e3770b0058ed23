import Foundation
import Training

/// Two CSV files a run wrote, compared value by value as text. `metrics.csv`, `validation.csv`
/// and `level.json` print every float with full precision, so there equal text is equal bits; the
/// mask and importance logs print rounded values (`%.6g`, `%.2f`, `%.6f`), equal to that precision.
///
/// Used by `masklab reproduce`: `original` is the committed file, `reproduced` the one a new run
/// of the same config wrote. Columns that time the run (`timingColumns`) are left out; with
/// `throughEpoch` only rows whose `epoch` column is at most that are compared (a reproduction of
/// the first epochs only).
public struct CSVComparison: Sendable, Equatable {
    /// One value that differs.
    public struct Difference: Sendable, Equatable {
        /// 1-based data row of the original file (the header is row 0).
        public var row: Int
        /// The row's `epoch` value (counted from 1), when the file has that column.
        public var epoch: String?
        /// The column's name.
        public var column: String
        /// The value as the original and the reproduction wrote it.
        public var original: String
        public var reproduced: String
    }

    /// The file's name, e.g. "metrics.csv".
    public var file: String
    /// Rows and values compared.
    public var rows = 0, values = 0
    /// Columns compared (shared by both files, timings left out).
    public var columns = 0
    /// Columns left out because they time the run.
    public var skippedColumns: [String] = []
    /// Columns only one of the files has (another version of the writer), left out.
    public var onlyInOriginal: [String] = [], onlyInReproduction: [String] = []
    /// Values that differ, and the first of them in file order.
    public var differences = 0
    public var first: Difference?
    /// The largest |original − reproduced| / max(|original|, |reproduced|) over numeric
    /// differences, and its column.
    public var largestRelative: Double?
    public var largestRelativeColumn: String?
    /// A difference of structure (columns, row counts, a missing file), which makes the file differ
    /// whatever the values; or, with `compared` false, why the file was not compared.
    public var problem: String?
    /// False when the file was left out (`problem` says why); a left-out file does not count as a difference.
    public var compared = true

    /// Columns that measure time, not computation: never compared.
    public static let timingColumns: Set<String> = ["images_per_second", "train_seconds", "wall_seconds", "seconds"]

    /// Whether everything compared is equal.
    public var identical: Bool { !compared || (problem == nil && differences == 0) }

    /// Compares the two texts (header + rows, comma-separated, no quoting: the files MaskLab
    /// writes). An original whose first row has epoch 0 counts epochs from 0, as files written
    /// before 2026-11-29 did (`MaskLogRow.epochShift`; each file is judged on its own, since they
    /// changed at different commits): its epochs are shifted by 1 before they are filtered or
    /// compared. A file without an `epoch` column but with an `iteration` column (a lottery level's
    /// `validation.csv`) is cut at `throughIteration` instead: the iterations the reproduced
    /// epochs ended at.
    public static func compare(file: String, original: String, reproduced: String, throughEpoch: Int?,
                               throughIteration: Int? = nil) -> CSVComparison {
        var result = CSVComparison(file: file)
        let a = table(original), b = table(reproduced)
        guard let headerA = a.first, let headerB = b.first else {
            result.problem = a.isEmpty ? "the original file is empty" : "the reproduction wrote an empty file"
            return result
        }
        // Columns one version writes and the other does not (files gain diagnostics over time)
        // are named, not compared; the shared ones are compared by name.
        result.onlyInOriginal = headerA.filter { !headerB.contains($0) }
        result.onlyInReproduction = headerB.filter { !headerA.contains($0) }
        var keyA = headerA.firstIndex(of: "epoch"), keyB = headerB.firstIndex(of: "epoch")
        var limit = throughEpoch
        var shift = keyA.flatMap { k in a.dropFirst().first.map { k < $0.count && $0[k] == "0" ? 1 : 0 } } ?? 0
        if throughEpoch != nil && (keyA == nil || keyB == nil) {
            // Cut at the iteration the reproduced epochs ended at, when the file counts iterations.
            guard let iterations = throughIteration, let i = headerA.firstIndex(of: "iteration"), let j = headerB.firstIndex(of: "iteration") else {
                result.compared = false
                result.problem = "not compared: it has no epoch column and the reproduction ran only the first epochs"
                return result
            }
            (keyA, keyB, limit, shift) = (i, j, iterations, 0)
        }
        let byEpoch = keyA.map { headerA[$0] == "epoch" } ?? false
        func key(_ row: [String], _ column: Int?, shift: Int) -> Int? {
            guard let c = column, c < row.count, let e = Int(row[c]) else { return nil }
            return e + shift
        }
        func keep(_ row: [String], _ column: Int?, shift: Int) -> Bool {
            guard let limit else { return true }
            return key(row, column, shift: shift).map { $0 <= limit } ?? false
        }
        let rowsA = a.dropFirst().enumerated().filter { keep($0.element, keyA, shift: shift) }
        let rowsB = b.dropFirst().filter { keep($0, keyB, shift: 0) }
        let shared = headerA.enumerated().compactMap { (i, name) -> (a: Int, b: Int, name: String)? in
            guard !timingColumns.contains(name), let j = headerB.firstIndex(of: name) else { return nil }
            return (i, j, name)
        }
        result.skippedColumns = headerA.filter { timingColumns.contains($0) }
        result.columns = shared.count
        if !shared.contains(where: { $0.name != "epoch" && $0.name != "iteration" }) {
            result.problem = "no value column in common"
            return result
        }
        // A column the original recorded that the reproduction does not write cannot be confirmed:
        // the file is not "identical" (a renamed column, test_acc for test_accuracy, would
        // otherwise pass with the column unchecked). Columns only the reproduction writes are
        // diagnostics added since, and are only named.
        let unchecked = result.onlyInOriginal.filter { !timingColumns.contains($0) }
        if !unchecked.isEmpty {
            result.problem = "the original's column\(unchecked.count == 1 ? "" : "s") \(unchecked.joined(separator: ", ")) \(unchecked.count == 1 ? "is" : "are") "
                + "not written by the reproduction, so \(unchecked.count == 1 ? "it" : "they") cannot be confirmed"
        }
        if rowsA.count != rowsB.count {
            result.problem = (result.problem.map { $0 + "; " } ?? "") + "the original has \(rowsA.count) rows\(limit.map { byEpoch ? " through epoch \($0)" : " through iteration \($0)" } ?? ""), the reproduction \(rowsB.count)"
        }
        for ((index, rowA), rowB) in zip(rowsA, rowsB) {
            result.rows += 1
            for c in shared {
                var x = c.a < rowA.count ? rowA[c.a] : "", y = c.b < rowB.count ? rowB[c.b] : ""
                if c.name == "epoch", shift != 0, let e = Int(x) { x = String(e + shift) }
                result.values += 1
                guard x != y else { continue }
                result.differences += 1
                if result.first == nil {
                    result.first = Difference(row: index + 1, epoch: byEpoch ? key(rowA, keyA, shift: shift).map(String.init) : nil,
                                              column: c.name, original: x, reproduced: y)
                }
                if let u = Double(x), let v = Double(y), u.isFinite, v.isFinite {
                    let r = abs(u - v) / max(abs(u), abs(v), Double.leastNormalMagnitude)
                    if r > (result.largestRelative ?? -1) { (result.largestRelative, result.largestRelativeColumn) = (r, c.name) }
                }
            }
        }
        return result
    }

    /// Whether the original text's header has an `epoch` or `iteration` column, by which a
    /// partial reproduction can cut it.
    static func hasProgressColumn(_ text: String) -> Bool {
        table(text).first.map { $0.contains("epoch") || $0.contains("iteration") } ?? false
    }

    /// Rows of fields; blank lines are left out.
    static func table(_ text: String) -> [[String]] {
        text.split(whereSeparator: \.isNewline).filter { !$0.allSatisfy(\.isWhitespace) }
            .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    /// One line for the terminal, e.g. "metrics.csv: 2 rows × 11 columns, identical (timings left out: …)".
    public var line: String {
        guard compared else { return "\(file): \(problem ?? "not compared")" }
        var s = "\(file): \(counted(rows, "row")) × \(counted(columns, "column"))"
        if let problem { s += ", DIFFERENT: \(problem)" }
        if differences > 0 {
            s += problem == nil ? ", DIFFERENT: " : "; "
            s += "\(differences) of \(values) values differ"
            if let f = first {
                s += "; first at row \(f.row)\(f.epoch.map { " (epoch \($0))" } ?? ""), \(f.column): \(f.original) → \(f.reproduced)"
            }
            if let r = largestRelative { s += String(format: "; largest relative difference %.3g", r) + (largestRelativeColumn.map { " (\($0))" } ?? "") }
        } else if problem == nil {
            s += ", identical"
        }
        if !skippedColumns.isEmpty { s += " (timings left out: \(skippedColumns.joined(separator: ", ")))" }
        if !onlyInOriginal.isEmpty { s += " (only in the original, not compared: \(onlyInOriginal.joined(separator: ", ")))" }
        if !onlyInReproduction.isEmpty { s += " (only in the reproduction, not compared: \(onlyInReproduction.joined(separator: ", ")))" }
        return s
    }
}
