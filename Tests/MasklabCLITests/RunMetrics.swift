import XCTest
import Foundation
import TestSupport

/// What the CLI tests compare between runs: `metrics.csv` without the timing columns, and the
/// interrupt-and-resume check (a run stopped by Ctrl-C and resumed ends with the metrics of the
/// same run uninterrupted).
enum RunMetrics {
    /// Columns of `metrics.csv` that depend on timing, not on the computation.
    static let timingColumns: Set<String> = ["images_per_second", "train_seconds", "wall_seconds"]

    /// The rows of a CSV file, split at commas (empty cells kept).
    static func csvRows(_ url: URL) throws -> [[String]] {
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    /// `rows` (header first) without the timing columns.
    static func deterministicColumns(_ rows: [[String]]) -> [[String]] {
        guard let header = rows.first else { return [] }
        let keep = header.indices.filter { !timingColumns.contains(header[$0]) }
        return rows.map { row in keep.map { row[$0] } }
    }

    /// The file's rows without the timing columns.
    static func withoutTimes(_ url: URL) throws -> [[String]] { deterministicColumns(try csvRows(url)) }

    /// Trains `args` into `<out>/full`, then the same run into `<out>/cut`, interrupted (SIGINT)
    /// once its first checkpoint exists, and resumed there with `--resume`; checks that the
    /// interrupt stopped the run (exit 130; skips the test when the run ended first) and that the
    /// resumed run started from the checkpoint and succeeded. Returns the metrics (timing aside) of the uninterrupted and the resumed run.
    static func interruptAndResume(_ args: [String], out: TemporaryDirectory, timeout: TimeInterval = 240,
                                   file: StaticString = #filePath, line: UInt = #line) throws -> (full: [[String]], resumed: [[String]]) {
        let full = try CommandRunner.run(args + ["--out", out.file("full").path], timeout: timeout)
        XCTAssertEqual(full.status, 0, "\(full)", file: file, line: line)

        let p = Process()
        p.executableURL = CommandRunner.masklab
        p.arguments = args + ["--out", out.file("cut").path]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let checkpoint = out.file("cut/last.safetensors").path
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: checkpoint) && p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        p.interrupt()
        p.waitUntilExit()
        if p.terminationReason == .exit && p.terminationStatus == 0 {
            throw XCTSkip("the run ended before the interrupt reached it (no checkpoint within 60 s, or the machine is slow): "
                          + "nothing was resumed, so this is no resume test")
        }
        XCTAssertTrue(p.terminationReason == .exit && p.terminationStatus == 130,
                      "an interrupted run stops after its step with a checkpoint and exit 130, got \(p.terminationReason == .exit ? "exit" : "signal") \(p.terminationStatus)",
                      file: file, line: line)
        let resumed = try CommandRunner.run(args + ["--out", out.file("cut").path, "--resume"], timeout: timeout)
        XCTAssertEqual(resumed.status, 0, "\(resumed)", file: file, line: line)
        XCTAssertTrue(resumed.stdout.contains("resumed at"), "the interrupted run resumes from its checkpoint:\n\(resumed.stdout)", file: file, line: line)
        return (try withoutTimes(out.file("full/metrics.csv")), try withoutTimes(out.file("cut/metrics.csv")))
    }
}
