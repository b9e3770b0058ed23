import Foundation
import TestSupport

/// `masklab` processes a test starts without waiting for them (long runs to hold a lock);
/// `killAll()`, called from `tearDown`, ends those still running so no test leaves one behind.
final class BackgroundProcesses {
    private var processes: [Process] = []

    /// Starts `masklab args` with no input and its output discarded.
    func start(_ args: [String]) throws -> Process {
        let p = Process()
        p.executableURL = CommandRunner.masklab
        p.arguments = args
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        processes.append(p)
        return p
    }

    func killAll() {
        for p in processes where p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
        processes.removeAll()
    }

    /// The pid written in `folder/.lock` (other than `other`) once it is there; nil after `timeout` seconds.
    static func lockPid(_ folder: URL, other: Int32? = nil, timeout: TimeInterval = 60) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let text = try? String(contentsOf: folder.appendingPathComponent(".lock"), encoding: .utf8),
               let line = text.split(separator: "\n").first(where: { $0.hasPrefix("pid ") }), let pid = Int32(line.dropFirst(4)),
               pid != other {
                return pid
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return nil
    }
}
