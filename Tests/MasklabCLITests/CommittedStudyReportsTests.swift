import XCTest
import Foundation
import TestSupport

/// The committed study folders analysed again by the binary under test from their committed run
/// folders (a copy of git's `HEAD`, `CommittedFiles`, with the outputs deleted first so that the
/// command must write them again):
/// - every `masklab compare` study (`compare --report-only`): the per-arm summary, the per-epoch
///   table, the Welch tests and the paired analysis byte for byte, and study F's (the headline
///   comparison's) whole REPORT.md but for the line naming the commit that wrote it;
/// - the pruning sweeps (`prune-sweep --report-only`): results, summary and paired tables;
/// - the MNIST lottery grid and curve (`lottery-report grid|curve`): tables and figures.
/// A change to the statistics or to how runs are read that would alter a published number fails
/// here. Needs a git checkout; skips and says so without one.
final class CommittedStudyReportsTests: XCTestCase {
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

    /// Each of `names` committed in `folder` equals the file of the same name in `dir`'s copy;
    /// at least one is compared.
    private func assertSameFiles(_ names: [String], in folder: String, committed files: [String], copy dir: URL,
                                 file: StaticString = #filePath, line: UInt = #line) throws {
        var compared = 0
        for name in names where files.contains("\(folder)/\(name)") {
            let again = try String(contentsOf: dir.appendingPathComponent("\(folder)/\(name)"), encoding: .utf8)
            XCTAssertEqual(again, try CommittedFiles.text("\(folder)/\(name)"), "\(folder)/\(name) is not what the committed runs give",
                           file: file, line: line)
            compared += 1
        }
        XCTAssertGreaterThan(compared, 0, "nothing compared in \(folder)", file: file, line: line)
    }

    /// Adding a study to `results/` without adding it here fails, so none is left unchecked.
    func testTheListCoversEveryCommittedStudy() throws {
        let configs = try CommittedFiles.list("results").filter { $0.hasSuffix("/compare.json") }.map { ($0 as NSString).deletingLastPathComponent }
        XCTAssertFalse(configs.isEmpty)
        XCTAssertEqual(Set(configs).subtracting(Self.notStudies), Set(Self.studies.map(\.folder)))
    }

    func testEveryCommittedStudyIsAnalysedAgainToTheSameNumbers() throws {
        let dir = TemporaryDirectory("masklab-committed-studies")
        for (folder, out) in Self.studies {
            let files = try CommittedFiles.copy(folder, to: dir.url, removing: Self.compareTables + ["REPORT.md"])
            let r = try CommandRunner.run(["compare", dir.url.appendingPathComponent("\(folder)/compare.json").path, "--report-only",
                                           "--out", dir.url.appendingPathComponent(out).path], timeout: 240)
            XCTAssertEqual(r.status, 0, "\(folder): \(r)")
            try assertSameFiles(Self.compareTables, in: folder, committed: files, copy: dir.url)
        }
        let f = "results/compare-study-cifar-final/REPORT.md"
        func body(_ text: String) -> [Substring] {
            text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("Report written by commit:") }
        }
        let committed = body(try CommittedFiles.text(f))
        let again = body(try String(contentsOf: dir.url.appendingPathComponent(f), encoding: .utf8))
        XCTAssertEqual(again.count, committed.count, "study F's REPORT.md")
        for (k, (a, c)) in zip(again, committed).enumerated() where a != c {
            XCTFail("study F's REPORT.md line \(k + 1) differs:\n committed: \(c)\n     again: \(a)")
            break
        }
    }

    /// Study F with `baseline` and `dropconnect` seed 1 trained again on the other machine
    /// (`experiments/regularisation-study/seed1-same-machine.md`): F's committed runs with those two
    /// replaced by the committed new ones give the committed substituted analysis again.
    func testStudyFWithSeed1OnOneMachineIsAnalysedAgain() throws {
        let dir = TemporaryDirectory("masklab-committed-seed1")
        let (f, out) = ("results/compare-study-cifar-final", "results/study-f-seed1-same-machine")
        try CommittedFiles.copy(f, to: dir.url, removing: Self.compareTables + ["REPORT.md"])
        let replacements = try CommittedFiles.copy("\(out)/runs", to: dir.url)
        for arm in ["baseline", "dropconnect"] {
            let run = "\(out)/runs/\(arm)/seed-1"
            XCTAssertTrue(replacements.contains("\(run)/summary.json"), "\(run) is committed")
            let target = dir.url.appendingPathComponent("\(f)/runs/\(arm)/seed-1")
            try FileManager.default.removeItem(at: target)
            try FileManager.default.moveItem(at: dir.url.appendingPathComponent(run), to: target)
        }
        let r = try CommandRunner.run(["compare", dir.url.appendingPathComponent("\(f)/compare.json").path, "--report-only",
                                       "--out", dir.url.appendingPathComponent("results").path], timeout: 240)
        XCTAssertEqual(r.status, 0, "\(r)")
        for name in Self.compareTables {
            let again = try String(contentsOf: dir.url.appendingPathComponent("\(f)/\(name)"), encoding: .utf8)
            XCTAssertEqual(again, try CommittedFiles.text("\(out)/\(name)"), "\(out)/\(name) is not what the substituted runs give")
        }
    }

    /// The pruning sweeps (`prune-sweep --report-only` from each folder's own `prune-sweep.json`)
    /// and the lottery grid and curve (`lottery-report`) give their committed tables and figures again.
    func testEveryCommittedPruningSweepAndLotteryGridIsAnalysedAgain() throws {
        let dir = TemporaryDirectory("masklab-committed-sweeps")
        let sweeps = try CommittedFiles.list("results/pruning-sweep").filter { $0.hasSuffix("/prune-sweep.json") }
            .map { ($0 as NSString).deletingLastPathComponent }
        XCTAssertEqual(sweeps.count, 3, "the three committed pruning sweeps: \(sweeps)")
        let tables = ["results.csv", "summary.csv", "paired.csv"]
        for folder in sweeps {
            let files = try CommittedFiles.copy(folder, to: dir.url, removing: tables)
            let r = try CommandRunner.run(["prune-sweep", dir.url.appendingPathComponent("\(folder)/prune-sweep.json").path, "--report-only",
                                           "--out", dir.url.appendingPathComponent("results/pruning-sweep").path], timeout: 240)
            XCTAssertEqual(r.status, 0, "\(folder): \(r)")
            try assertSameFiles(tables, in: folder, committed: files, copy: dir.url)
        }
        let grid = "results/lottery/grid-mnist"
        let gridOutputs = ["grid.csv", "correlations.csv", "grid-magnitude-reinit.svg", "grid-magnitude-no-reinit.svg",
                           "grid-random-reinit.svg", "grid-random-no-reinit.svg"]
        let gridFiles = try CommittedFiles.copy(grid, to: dir.url, removing: gridOutputs)
        let g = try CommandRunner.run(["lottery-report", "grid", dir.url.appendingPathComponent(grid).path], timeout: 240)
        XCTAssertEqual(g.status, 0, "\(g)")
        try assertSameFiles(gridOutputs, in: grid, committed: gridFiles, copy: dir.url)
        let curve = "results/lottery/fc-lenet300"
        let curveFiles = try CommittedFiles.copy(curve, to: dir.url, removing: ["curve.csv", "curve.svg"])
        let c = try CommandRunner.run(["lottery-report", "curve", dir.url.appendingPathComponent(curve).path], timeout: 240)
        XCTAssertEqual(c.status, 0, "\(c)")
        try assertSameFiles(["curve.csv", "curve.svg"], in: curve, committed: curveFiles, copy: dir.url)
    }
}
