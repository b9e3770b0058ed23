import Foundation
import TestSupport

/// A `masklab` command (`CommandRunner.run`) run to its end on a background queue while the
/// test watches its folders, signals its children or cancels Slurm tasks.
final class CommandInBackground: @unchecked Sendable {
    private let lock = NSLock()
    private var result: CommandRunner.Result?
    private var ended = false
    private let done = DispatchSemaphore(value: 0)

    /// Starts `masklab args` (`CommandRunner.run` with `environment` and `timeout`).
    init(_ args: [String], environment: [String: String] = [:], timeout: TimeInterval) {
        DispatchQueue.global().async {
            let r = try? CommandRunner.run(args, environment: environment, timeout: timeout)
            self.lock.withLock {
                self.result = r
                self.ended = true
            }
            self.done.signal()
        }
    }

    /// Whether the command has ended (or could not be started).
    var hasEnded: Bool { lock.withLock { ended } }

    /// Waits at most `seconds` for the end: the command's result, nil when it has not ended by
    /// then or could not be started.
    func wait(seconds: TimeInterval) -> CommandRunner.Result? {
        guard done.wait(timeout: .now() + seconds) == .success else { return nil }
        done.signal()   // later waits return at once
        return lock.withLock { result }
    }
}
