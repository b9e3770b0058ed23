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

    func testEveryCommittedStudyIsAnalysedAgainToTheSameNumbers() throws {
        let dir = TemporaryDirectory("masklab-committed-studies")
        for (folder, out) in Self.studies {
            let files = try trackedFiles(folder)
            for file in files {
                let target = dir.url.appendingPathComponent(file)
                try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                try FileManager.default.copyItem(at: Self.root.appendingPathComponent(file), to: target)
            }
            let r = try CommandRunner.run(["compare", dir.url.appendingPathComponent("\(folder)/compare.json").path, "--report-only",
                                           "--out", dir.url.appendingPathComponent(out).path], timeout: 240)
            XCTAssertEqual(r.status, 0, "\(folder): \(r)")
            for name in ["summary.csv", "epochs.csv", "welch.csv", "paired.csv"] where files.contains("\(folder)/\(name)") {
                let committed = try String(contentsOf: Self.root.appendingPathComponent("\(folder)/\(name)"), encoding: .utf8)
                let again = try String(contentsOf: dir.url.appendingPathComponent("\(folder)/\(name)"), encoding: .utf8)
                XCTAssertEqual(again, committed, "\(folder)/\(name) is not what the committed runs give")
            }
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
}
