/// One line for a CSV log in the run folder.
///
/// `key` is the iteration whose replay would produce the row again: when a run resumes at
/// iteration P, rows with key ≥ P are dropped before training continues, so a resumed run's
/// logs equal an uninterrupted run's. The first column of every such file is this key.
public struct MaskLogRow: Sendable, Equatable {
    public let file: String
    public let header: String
    public let key: Int
    public let line: String

    public init(file: String, header: String, key: Int, line: String) {
        self.file = file
        self.header = header
        self.key = key
        self.line = line
    }
}

extension MaskLogRow {
    /// The column of every mask log that holds the epoch (`iteration,epoch,…`). Epochs count
    /// from 1, as in `metrics.csv`, `summary.json` and on the terminal: a row's epoch is the one
    /// in progress at its iteration.
    public static let epochColumn = 1

    /// What to add to a log's epoch column to count from 1: 1 for a file written before
    /// 2026-11-29, which counted from 0 (its first row always belongs to the first epoch, so
    /// there it says 0), else 0. `firstRow` is the first line after the header, split at commas.
    public static func epochShift<S: StringProtocol>(firstRow: [S]) -> Int {
        firstRow.count > epochColumn && firstRow[epochColumn] == "0" ? 1 : 0
    }
}
