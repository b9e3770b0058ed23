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
