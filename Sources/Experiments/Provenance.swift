import Foundation
import TensorCore

/// Where a result came from: the commit, the machine, the BLAS, the time.
public struct Provenance: Codable, Sendable {
    public var commit: String
    public var dirty: Bool
    public var machine: String
    public var cpu: String
    public var cores: Int
    public var blas: String
    public var date: String

    /// Reads the current state: git in the clone the running binary was built in
    /// (`repository`), /proc/cpuinfo, OpenBLAS.
    public static func current() -> Provenance {
        let git = repository.map { ["git", "-C", $0.path] } ?? ["git"]
        let commit = shell(git + ["rev-parse", "--short=12", "HEAD"]) ?? "unknown"
        // Only code and configs count: result folders written by earlier runs are not "changes".
        let dirty = !(shell(git + ["status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)results"]) ?? "").isEmpty
        let uname = shell(["uname", "-srm"]) ?? "unknown"
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "unknown"
        let formatter = ISO8601DateFormatter()
        return Provenance(commit: commit, dirty: dirty, machine: uname, cpu: model,
                          cores: ProcessInfo.processInfo.activeProcessorCount, blas: BLASInfo.openBLASConfig,
                          date: formatter.string(from: Date()))
    }

    /// One line per fact, for `command.txt` and reports.
    public var text: String {
        """
        commit: \(commit)\(dirty ? " (with uncommitted changes)" : "")
        machine: \(machine), \(cpu), \(cores) cores
        blas: \(blas)
        date: \(date)
        """
    }

    /// The git clone the running binary belongs to: the first folder holding `.git` above the
    /// executable (`<clone>/.build/<configuration>/masklab`), else above the current folder; nil
    /// outside any clone. SwiftPM has no build step that could stamp the commit into the binary,
    /// so the commit is read from the clone at run time: wherever the command runs from, it
    /// names the code of the binary that ran (as long as the clone was not moved to another
    /// commit after the build).
    public static var repository: URL? {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let starts = (FileManager.default.fileExists(atPath: executable.path) ? [executable.deletingLastPathComponent()] : [])
            + [URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)]
        for start in starts {
            var folder = start.standardizedFileURL
            while true {
                if FileManager.default.fileExists(atPath: folder.appendingPathComponent(".git").path) { return folder }
                let parent = folder.deletingLastPathComponent()
                if parent.path == folder.path { break }
                folder = parent
            }
        }
        return nil
    }

    static func shell(_ args: [String]) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
