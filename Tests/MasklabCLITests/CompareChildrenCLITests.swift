import XCTest
import Foundation
import TestSupport

/// `compare`'s child processes through the real binary (issue 12): they share compare's process
/// group and die with it (kill -9 included); a second `compare` on the same folder, and a rerun
/// that finds a run folder written by a live stray process, are refused with the holder's pid;
/// duplicate and malformed log rows do not stop the report.
final class CompareChildrenCLITests: XCTestCase {
    private let background = BackgroundProcesses()

    override func tearDown() {
        background.killAll()
        super.tearDown()
    }

    private func masklab(_ args: [String]) throws -> CommandRunner.Result {
        try CommandRunner.run(args, directory: nil, environment: [:], timeout: 300)
    }

    private func writeConfig(_ url: URL, name: String, epochs: Int) throws {
        let config: [String: Any] = [
            "name": name, "seeds": [1], "targetAccuracy": 0.2, "jobs": 1, "threadsPerJob": 1,
            "base": ["model": "mlp", "modelOptions": ["hidden": [16]], "dataset": "mnist", "batchSize": 10, "budget": ["epochs": epochs],
                     "optimizer": ["name": "sgd", "learningRate": 0.05],
                     "masks": ["keep": 0.4, "target": "gradients", "scaling": "none",
                               "importance": ["steps": 3, "eta": 0.5, "refreshIterations": 4]]],
        ]
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted]).write(to: url)
    }

    /// Field `index` (0 = state) after the command name of /proc/<pid>/stat.
    static func stat(_ pid: Int32, _ index: Int) -> String? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        return index < fields.count ? String(fields[index]) : nil
    }

    /// Gone, or a zombie nobody has reaped yet (it runs no more either way).
    static func isGone(_ pid: Int32) -> Bool {
        guard let state = stat(pid, 0) else { return true }
        return state == "Z" || state == "X"
    }

    func testChildrenDieWithAKilledCompareAndARerunRefusesALiveStrayWriter() throws {
        let data = TemporaryDirectory("masklab-compare-children-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 2000, test: 60, gzipped: true)
        let out = TemporaryDirectory("masklab-compare-children-out")
        let config = out.file("long.json")
        try writeConfig(config, name: "long", epochs: 1000)
        let compareArgs = ["compare", config.path, "--data", data.path, "--out", out.path]
        let parent = try background.start(compareArgs)
        // The first run to start: within a seed the arm that solves for importance goes first.
        let run = out.file("compare-long/runs/impacts/seed-1")
        let child = try XCTUnwrap(BackgroundProcesses.lockPid(run, other: parent.processIdentifier), "the first run never started")
        XCTAssertEqual(Self.stat(child, 2), Self.stat(parent.processIdentifier, 2), "the run is in compare's process group")
        XCTAssertEqual(Self.stat(child, 1), String(parent.processIdentifier), "the run is compare's child")

        // A second compare on the same folder fails at once, naming the running one.
        let second = try masklab(compareArgs)
        XCTAssertNotEqual(second.status, 0, "\(second)")
        XCTAssertTrue(second.stderr.contains("process \(parent.processIdentifier)"), second.stderr)

        // kill -9 of compare: the kernel's parent-death signal stops the run within seconds.
        kill(parent.processIdentifier, SIGKILL)
        parent.waitUntilExit()
        let deadline = Date().addingTimeInterval(20)
        while !Self.isGone(child) && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        XCTAssertTrue(Self.isGone(child), "run \(child) outlived its killed compare")

        // A stray writer on one of the run folders (here started by hand): the rerun refuses, naming it.
        let stray = try background.start(["train", "--data", data.path, "--out", run.path, "--epochs", "1000", "--batch-size", "10", "--hidden", "16",
                               "--threads", "1", "--overwrite"])
        XCTAssertEqual(BackgroundProcesses.lockPid(run, other: child), stray.processIdentifier)
        let rerun = try masklab(compareArgs)
        XCTAssertNotEqual(rerun.status, 0, "\(rerun)")
        XCTAssertTrue(rerun.stderr.contains("being written by process \(stray.processIdentifier)"), rerun.stderr)
        XCTAssertFalse(rerun.stdout.contains("start "), "nothing was started: \(rerun.stdout)")
        XCTAssertTrue(stray.isRunning)
    }

    /// The children's --config files live in `$TMPDIR/masklab-jobs-PID`; a second Ctrl-C, which
    /// makes compare exit at once, removes that folder too. Steps of ≈ 1 s (batch 2000 through
    /// 2000-wide layers) keep the first stop going while the second signal is sent.
    func testASecondCtrlCLeavesNoTemporaryConfigs() throws {
        let data = TemporaryDirectory("masklab-compare-int-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 2000, test: 60, gzipped: true)
        let out = TemporaryDirectory("masklab-compare-int-out")
        let config = out.file("slow.json")
        let json: [String: Any] = [
            "name": "slow", "seeds": [1], "jobs": 1, "threadsPerJob": 1,
            "base": ["model": "mlp", "modelOptions": ["hidden": [2000, 2000]], "dataset": "mnist", "batchSize": 2000, "budget": ["epochs": 1000]],
            "arms": [["name": "baseline", "masks": NSNull()]],
        ]
        try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted]).write(to: config)
        let tmp = TemporaryDirectory("masklab-compare-int-tmp")
        let stdout = out.file("stdout.txt"), stderr = out.file("stderr.txt")
        for file in [stdout, stderr] { FileManager.default.createFile(atPath: file.path, contents: nil) }
        let p = Process()
        p.executableURL = CommandRunner.masklab
        p.arguments = ["compare", config.path, "--data", data.path, "--out", out.path]
        p.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": tmp.path]) { $1 }
        p.standardOutput = try FileHandle(forWritingTo: stdout)
        p.standardError = try FileHandle(forWritingTo: stderr)
        try p.run()
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        func scratch() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: tmp.path).filter { $0.hasPrefix("masklab-jobs-") } }
        XCTAssertNotNil(BackgroundProcesses.lockPid(out.file("compare-slow/runs/baseline/seed-1"), other: p.processIdentifier), "the run started")
        XCTAssertEqual(try scratch(), ["masklab-jobs-\(p.processIdentifier)"], "the children's configs are in TMPDIR")
        kill(p.processIdentifier, SIGINT)
        let deadline = Date().addingTimeInterval(60)
        while try !String(contentsOf: stderr, encoding: .utf8).contains("received") && Date() < deadline && p.isRunning {
            Thread.sleep(forTimeInterval: 0.01)
        }
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 130)
        XCTAssertFalse(try String(contentsOf: stdout, encoding: .utf8).contains("stopped; run the same command"), "the second Ctrl-C exited at once")
        XCTAssertEqual(try scratch(), [], "no temporary configs are left behind")
    }

    func testDuplicateAndMalformedLogRowsDoNotStopTheReport() throws {
        let data = TemporaryDirectory("masklab-compare-dup-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
        let out = TemporaryDirectory("masklab-compare-dup-out")
        let config = out.file("tiny.json")
        try writeConfig(config, name: "dup", epochs: 1)
        let first = try masklab(["compare", config.path, "--data", data.path, "--out", out.path])
        XCTAssertEqual(first.status, 0, "\(first)")
        let root = out.file("compare-dup")

        // What two writers on one folder used to leave (SIGILL at HistogramPlot.swift:104): rows twice, with other counts, plus junk.
        for arm in ["impacts", "impacts+reg", "dropconnect"] {
            for name in ["importance_histograms.csv", "importance.csv", "masks.csv"] {
                let url = root.appendingPathComponent("runs/\(arm)/seed-1/\(name)")
                guard let text = try? String(contentsOf: url, encoding: .utf8) else { continue }
                // The later half again (a second writer that joined late), so refreshes differ in row counts.
                let rows = text.split(separator: "\n").dropFirst()
                let again = rows.suffix(rows.count / 2).map { row -> String in
                    var f = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                    if let n = Int(f[f.count - 1]) { f[f.count - 1] = String(n + 1) }
                    return f.joined(separator: ",")
                }
                try (text + again.joined(separator: "\n") + "\n,,,\nnot,a,row\n0,0,0,fc1.weight,x,y,z\n0,0").write(to: url, atomically: true, encoding: .utf8)
            }
        }
        try FileManager.default.removeItem(at: root.appendingPathComponent("REPORT.md"))
        let report = try masklab(["compare", config.path, "--out", out.path, "--report-only"])
        XCTAssertEqual(report.status, 0, "\(report)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: root.appendingPathComponent("REPORT.md").path))
        let svg = try String(contentsOf: root.appendingPathComponent("histograms-impacts.svg"), encoding: .utf8)
        XCTAssertTrue(svg.contains("fc1.weight") && svg.hasSuffix("</svg>\n"), svg)
    }
}
