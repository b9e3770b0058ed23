import XCTest
import Foundation
import TestSupport

/// Every committed `masklab compare` study, analysed again by the binary under test from its
/// committed run folders (`compare --report-only` on a copy of the files git tracks): the
/// per-arm summary, the per-epoch table, the Welch tests and the paired analysis come out byte
/// for byte as committed, so a change to the statistics or to how runs are read that would alter
/// a published number fails here. Study F, the headline comparison, is checked whole: its
/// REPORT.md but for the line naming the commit that wrote it. Needs a git checkout; skips and
/// says so without one.
final class CommittedStudyReportsTests: XCTestCase {
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    private static let env = URL(fileURLWithPath: "/usr/bin/env")

    /// The studies (folder, the `--out` its config writes under). `results/compare-seed-protocol-smoke`
    /// is a smoke check of a config (its runs are not committed) and the bench's study-throughput
    /// folder a timing, so neither has numbers to reproduce.
    static let studies: [(folder: String, out: String)] = [
        ("results/compare-cifar10-resnet18-w16", "results"),
        ("results/compare-mnist-mlp", "results"),
        ("results/compare-study-cifar-early", "results"),
        ("results/compare-study-cifar-final", "results"),
        ("results/compare-study-mnist", "results"),
        ("results/compare-study-mnist-lambda", "results"),
        ("results/sparse-training/compare-dst-cifar10-resnet18-w16", "results/sparse-training"),
    ]
    static let compareTables = ["summary.csv", "epochs.csv", "welch.csv", "paired.csv"]
    static let notStudies: Set<String> = ["results/compare-seed-protocol-smoke", "results/bench/session8/study-throughput"]

    private func trackedFiles(_ pathspec: String) throws -> [String] {
        let list = try CommandRunner.run(["git", "-C", Self.root.path, "ls-files", "-z", "--", pathspec], executable: Self.env)
        guard list.status == 0 else { throw XCTSkip("not a git checkout (\(list.stderr.prefix(200))): the committed studies are unknown") }
        return list.stdout.split(separator: "\0").map(String.init)
    }

    /// Adding a study to `results/` without adding it here fails, so none is left unchecked.
    func testTheListCoversEveryCommittedStudy() throws {
        let configs = try trackedFiles("results/**/compare.json").map { ($0 as NSString).deletingLastPathComponent }
        XCTAssertFalse(configs.isEmpty)
        XCTAssertEqual(Set(configs).subtracting(Self.notStudies), Set(Self.studies.map(\.folder)))
    }

    /// Copies the tracked files of `folder` into `dir` (same relative paths), leaving out the
    /// outputs `removing` (file names in `folder`) so that the command must write them again;
    /// returns the tracked paths.
    private func copyCommitted(_ folder: String, to dir: URL, removing outputs: [String]) throws -> [String] {
        let files = try trackedFiles(folder)
        XCTAssertFalse(files.isEmpty, "git tracks nothing under \(folder)")
        let left = Set(outputs.map { "\(folder)/\($0)" })
        for file in files where !left.contains(file) {
            let target = dir.appendingPathComponent(file)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: Self.root.appendingPathComponent(file), to: target)
        }
        return files
    }

    /// Each of `names` that git tracks in `folder` equals the file of the same name in `dir`'s copy.
    private func assertSameFiles(_ names: [String], in folder: String, tracked files: [String], copy dir: URL,
                                 file: StaticString = #filePath, line: UInt = #line) throws {
        var compared = 0
        for name in names where files.contains("\(folder)/\(name)") {
            let committed = try String(contentsOf: Self.root.appendingPathComponent("\(folder)/\(name)"), encoding: .utf8)
            let again = try String(contentsOf: dir.appendingPathComponent("\(folder)/\(name)"), encoding: .utf8)
            XCTAssertEqual(again, committed, "\(folder)/\(name) is not what the committed runs give", file: file, line: line)
            compared += 1
        }
        XCTAssertGreaterThan(compared, 0, "nothing compared in \(folder)", file: file, line: line)
    }

    func testEveryCommittedStudyIsAnalysedAgainToTheSameNumbers() throws {
        let dir = TemporaryDirectory("masklab-committed-studies")
        for (folder, out) in Self.studies {
            let files = try copyCommitted(folder, to: dir.url, removing: Self.compareTables)
            let r = try CommandRunner.run(["compare", dir.url.appendingPathComponent("\(folder)/compare.json").path, "--report-only",
                                           "--out", dir.url.appendingPathComponent(out).path], timeout: 240)
            XCTAssertEqual(r.status, 0, "\(folder): \(r)")
            try assertSameFiles(Self.compareTables, in: folder, tracked: files, copy: dir.url)
        }
        let f = "results/compare-study-cifar-final/REPORT.md"
        func body(_ url: URL) throws -> [Substring] {
            try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.hasPrefix("Report written by commit:") }
        }
        let committed = try body(Self.root.appendingPathComponent(f)), again = try body(dir.url.appendingPathComponent(f))
        XCTAssertEqual(again.count, committed.count, "study F's REPORT.md")
        for (k, (a, c)) in zip(again, committed).enumerated() where a != c {
            XCTFail("study F's REPORT.md line \(k + 1) differs:\n committed: \(c)\n     again: \(a)")
            break
        }
    }

    /// The pruning sweeps (`prune-sweep --report-only` from each folder's own `prune-sweep.json`)
    /// and the lottery grid and curve (`lottery-report`) give their committed tables again.
    func testEveryCommittedPruningSweepAndLotteryGridIsAnalysedAgain() throws {
        let dir = TemporaryDirectory("masklab-committed-sweeps")
        let sweeps = try trackedFiles("results/pruning-sweep/*/prune-sweep.json").map { ($0 as NSString).deletingLastPathComponent }
        XCTAssertEqual(sweeps.count, 3, "the three committed pruning sweeps: \(sweeps)")
        for folder in sweeps {
            let tables = ["results.csv", "summary.csv", "paired.csv"]
            let files = try copyCommitted(folder, to: dir.url, removing: tables)
            let r = try CommandRunner.run(["prune-sweep", dir.url.appendingPathComponent("\(folder)/prune-sweep.json").path, "--report-only",
                                           "--out", dir.url.appendingPathComponent("results/pruning-sweep").path], timeout: 240)
            XCTAssertEqual(r.status, 0, "\(folder): \(r)")
            try assertSameFiles(tables, in: folder, tracked: files, copy: dir.url)
        }
        let grid = "results/lottery/grid-mnist"
        let gridOutputs = ["grid.csv", "correlations.csv", "grid-magnitude-reinit.svg"]
        let gridFiles = try copyCommitted(grid, to: dir.url, removing: gridOutputs)
        let g = try CommandRunner.run(["lottery-report", "grid", dir.url.appendingPathComponent(grid).path], timeout: 240)
        XCTAssertEqual(g.status, 0, "\(g)")
        try assertSameFiles(gridOutputs, in: grid, tracked: gridFiles, copy: dir.url)
        let curve = "results/lottery/fc-lenet300"
        let curveFiles = try copyCommitted(curve, to: dir.url, removing: ["curve.csv"])
        let c = try CommandRunner.run(["lottery-report", "curve", dir.url.appendingPathComponent(curve).path], timeout: 240)
        XCTAssertEqual(c.status, 0, "\(c)")
        try assertSameFiles(["curve.csv"], in: curve, tracked: curveFiles, copy: dir.url)
    }
}
