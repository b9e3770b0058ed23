/// A user-facing error: ArgumentParser prints "Error: <message>" and exits with status 1.
struct CommandFailure: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// Bad input on the command line found only once the command runs (an option table's value, a
/// `--filter` expression): "Error: <message>" and exit status 64 (EX_USAGE), the status
/// ArgumentParser gives the errors it finds itself, so that every subcommand answers a bad
/// option the same way. Failures of the work itself stay `CommandFailure` (status 1).
struct UsageFailure: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
    /// EX_USAGE from sysexits.h, ArgumentParser's `ExitCode.validationFailure`.
    static let status: Int32 = 64
}
