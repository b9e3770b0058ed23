/// How a training run ended, as `summary.json` spells it (`"status": "completed"`); the
/// spellings are part of the file format, so folders written by older versions still read.
public enum RunStatus: String, Codable, Sendable, CustomStringConvertible {
    /// The budget was trained to the end.
    case completed
    /// A stop was requested (Ctrl-C, SIGTERM); the checkpoint continues it with `--resume`.
    case stopped
    /// The loss became NaN or infinite; the run cannot continue.
    case nonFinite

    public var description: String { rawValue }
}
