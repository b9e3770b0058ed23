import Foundation

/// Slurm's command-line tools (`sbatch`, `squeue`, `scontrol`), found on PATH and run with the
/// caller's environment (so `SLURM_CONF` reaches them), their output captured.
public enum SlurmCommand {
    /// What a command printed and how it ended.
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// The executable `name` on PATH, or nil.
    public static func find(_ name: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) -> URL? {
        for dir in (path ?? "").split(separator: ":") where !dir.isEmpty {
            let url = URL(fileURLWithPath: String(dir)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }

    /// Throws unless `sbatch`, `squeue` and `scontrol` are on PATH.
    public static func checkAvailable() throws(SweepError) {
        for name in ["sbatch", "squeue", "scontrol"] where find(name) == nil {
            throw .slurm("\(name) not found on PATH (\(ProcessInfo.processInfo.environment["PATH"] ?? "unset")): the Slurm executor "
                + "submits with sbatch and follows with squeue, so run it where Slurm's commands are (a login node), or use --executor local")
        }
    }

    /// Runs `name` with `arguments` and waits for it.
    public static func run(_ name: String, _ arguments: [String]) throws(SweepError) -> Output {
        guard let url = find(name) else { throw .slurm("\(name) not found on PATH") }
        let p = Process()
        p.executableURL = url
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch { throw .slurm("cannot run \(url.path): \(error.localizedDescription)") }
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }
}
