import Foundation
import TestSupport

/// A `masklab` command (`CommandRunner.run`) run to its end on a background queue while the
/// test watches its folders, signals its children or cancels Slurm tasks.
final class CommandInBackground: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<CommandRunner.Result, any Error>?
    private let done = DispatchSemaphore(value: 0)

    /// Starts `executable args` (`CommandRunner.run` with `environment` and `timeout`).
    init(_ args: [String], executable: URL = CommandRunner.masklab, environment: [String: String] = [:], timeout: TimeInterval) {
        DispatchQueue.global().async {
            let r = Result<CommandRunner.Result, any Error> { try CommandRunner.run(args, executable: executable, environment: environment, timeout: timeout) }
            self.lock.withLock { self.result = r }
            self.done.signal()
        }
    }

    /// Whether the command has ended (or could not be started).
    var hasEnded: Bool { lock.withLock { result != nil } }

    /// Waits at most `seconds` for the end: the command's result, nil when it has not ended by
    /// then; throws the error that kept it from starting.
    func wait(seconds: TimeInterval) throws -> CommandRunner.Result? {
        guard done.wait(timeout: .now() + seconds) == .success else { return nil }
        done.signal()   // later waits return at once
        return try lock.withLock { result }?.get()
    }
}
