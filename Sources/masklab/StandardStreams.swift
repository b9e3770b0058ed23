import Foundation

/// Writes to standard output and error that fail quietly. SIGPIPE is ignored (`MaskLab.main`),
/// so once a reader has gone away (`masklab train … | head -n 2`) a write fails with EPIPE
/// instead of killing the process; that error is dropped here (and by `print`) and the command
/// goes on to its normal end, its results in its folder. (`FileHandle.write(_:)` would trap on it.)
enum StandardStreams {
    /// Writes `text` to standard output as is.
    static func out(_ text: String) { try? FileHandle.standardOutput.write(contentsOf: Data(text.utf8)) }
    /// Writes `text` to standard error as is.
    static func error(_ text: String) { try? FileHandle.standardError.write(contentsOf: Data(text.utf8)) }
}
