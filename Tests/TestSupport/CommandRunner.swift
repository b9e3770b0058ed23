import Foundation

/// Runs the real `masklab` binary (built by `swift test` next to the test bundle) and captures
/// what it prints.
public enum CommandRunner {
    public struct Result: CustomStringConvertible {
        public let status: Int32
        public let stdout: String
        public let stderr: String
        public var description: String { "exit \(status)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }
    }

    /// The folder holding the build products (the `.xctest` bundle's parent on Linux).
    public static var productsDirectory: URL {
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return bundle.bundleURL.deletingLastPathComponent()
        }
        return Bundle.main.bundleURL
    }

    /// The built `masklab` executable.
    public static var masklab: URL { productsDirectory.appendingPathComponent("masklab") }

    /// Runs `executable` with `arguments` in `directory`, with extra `environment` entries, and
    /// waits (at most `timeout` seconds, then the process is killed and the result says so).
    public static func run(_ arguments: [String], executable: URL = masklab, directory: URL? = nil,
                           environment: [String: String] = [:], timeout: TimeInterval = 300) throws -> Result {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        if let directory { p.currentDirectoryURL = directory }
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        // Drain both pipes while the process runs so a chatty process never blocks on a full pipe.
        nonisolated(unsafe) var outData = Data(), errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        var timedOut = false
        if p.isRunning { p.terminate(); timedOut = true }
        p.waitUntilExit()
        group.wait()
        let stderr = String(decoding: errData, as: UTF8.self) + (timedOut ? "\n[killed after \(timeout) s]" : "")
        return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: stderr)
    }
}
