import XCTest
import Foundation
import TestSupport

/// The Python report scripts under `experiments/` that turn committed run folders into committed
/// reports: run on the committed inputs (a copy of the files git tracks) they write the committed
/// outputs byte for byte, so every number in those reports comes from the committed code and
/// data; and a wrong folder or a damaged file stops them with exit status 2 and one line naming
/// the file (line, column) and what was expected, not a traceback. Needs `python3` (SciPy for
/// `sensitivity_machine.py`) and a git checkout; skips and says so without them.
final class ReportScriptsTests: XCTestCase {
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    private static let env = URL(fileURLWithPath: "/usr/bin/env")
    private static let study = "experiments/regularisation-study/"

    private func python(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) throws -> CommandRunner.Result {
        try CommandRunner.run(["python3"] + arguments, executable: Self.env, directory: directory, environment: environment, timeout: 120)
    }

    private func requirePython(_ modules: [String] = []) throws {
        let check = try python(["-c", (["import sys"] + modules.map { "import \($0)" }).joined(separator: "; ")])
        guard check.status == 0 else {
            throw XCTSkip("python3 cannot import \(modules.isEmpty ? "sys" : modules.joined(separator: ", ")): \(check.stderr.suffix(200))")
        }
    }

    private func script(_ path: String) -> String { Self.root.appendingPathComponent(path).path }

    /// Copies the files git tracks under `folder` (repository-relative) into `destination`,
    /// keeping their relative paths; skips the test outside a git checkout.
    private func copyCommitted(_ folder: String, to destination: URL) throws {
        let list = try CommandRunner.run(["git", "-C", Self.root.path, "ls-files", "-z", "--", folder], executable: Self.env)
        guard list.status == 0 else { throw XCTSkip("not a git checkout (\(list.stderr.prefix(200))): the committed inputs are unknown") }
        let files = list.stdout.split(separator: "\0").map(String.init)
        XCTAssertFalse(files.isEmpty, "git tracks nothing under \(folder)")
        for file in files {
            let target = destination.appendingPathComponent(file)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: Self.root.appendingPathComponent(file), to: target)
        }
    }

    private func committed(_ path: String) throws -> String {
        try String(contentsOf: Self.root.appendingPathComponent(path), encoding: .utf8)
    }

    private func written(_ path: String, in directory: URL) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(path), encoding: .utf8)
    }

    /// Exit 2, one `error:` line naming `mentions`, and no traceback.
    private func assertInputError(_ result: CommandRunner.Result, mentions: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(result.status, 2, "\(result)", file: file, line: line)
        XCTAssertFalse(result.stderr.contains("Traceback"), "\(result)", file: file, line: line)
        XCTAssertTrue(result.stderr.contains("error:"), "\(result)", file: file, line: line)
        for m in mentions {
            XCTAssertTrue(result.stderr.contains(m), "stderr should mention \(m): \(result)", file: file, line: line)
        }
    }

    // MARK: the committed reports, written again from the committed inputs

    func testSolverMovementTableIsTheCommittedREADME() throws {
        try requirePython()
        let dir = TemporaryDirectory("masklab-report-solver")
        try copyCommitted("results/solver-movement", to: dir.url)
        let r = try python([script(Self.study + "solver_movement_table.py"), "results/solver-movement"], in: dir.url)
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(r.stdout, try committed("results/solver-movement/README.md"))
    }

    func testSensitivityTableIsTheCommittedOne() throws {
        try requirePython(["numpy", "scipy"])
        let dir = TemporaryDirectory("masklab-report-sensitivity")
        try copyCommitted("results/compare-study-cifar-final/paired.csv", to: dir.url)
        let r = try python([script(Self.study + "sensitivity_machine.py"), "results/compare-study-cifar-final/paired.csv"], in: dir.url)
        XCTAssertEqual(r.status, 0, "\(r)")
        let expected = try committed("results/compare-study-cifar-final/sensitivity-machine.md")
        // The first line names the SciPy version that computed it; the table must match exactly.
        XCTAssertEqual(r.stdout.split(separator: "\n").dropFirst(), expected.split(separator: "\n").dropFirst())
        XCTAssertTrue(r.stdout.contains("| primary | impacts − dropconnect |"), r.stdout)
    }

    func testLambdaReportWritesTheCommittedMarkdownAndFigure() throws {
        try requirePython()
        let dir = TemporaryDirectory("masklab-report-lambda")
        let folder = "results/compare-study-mnist-lambda"
        try copyCommitted(folder, to: dir.url)
        for name in ["LAMBDA.md", "lambda.svg"] { try FileManager.default.removeItem(at: dir.url.appendingPathComponent("\(folder)/\(name)")) }
        let r = try python([script(Self.study + "lambda_report.py"), folder], in: dir.url)
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(try written("\(folder)/LAMBDA.md", in: dir.url), try committed("\(folder)/LAMBDA.md"))
        XCTAssertEqual(try written("\(folder)/lambda.svg", in: dir.url), try committed("\(folder)/lambda.svg"))
    }

    func testLadderReportWritesTheCommittedReportAndCurves() throws {
        try requirePython()
        let dir = TemporaryDirectory("masklab-report-ladder")
        try copyCommitted("results/ladder", to: dir.url)
        for name in ["REPORT.md", "curves.svg"] { try FileManager.default.removeItem(at: dir.url.appendingPathComponent("results/ladder/\(name)")) }
        let r = try python([script("experiments/ladder/ladder_report.py"), "results/ladder"], in: dir.url,
                           environment: ["MASKLAB": CommandRunner.masklab.path])
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(try written("results/ladder/REPORT.md", in: dir.url), try committed("results/ladder/REPORT.md"))
        XCTAssertEqual(try written("results/ladder/curves.svg", in: dir.url), try committed("results/ladder/curves.svg"))
    }

    /// Runs `arguments` (a lottery report script and its flags) in a copy of the committed
    /// `folder`, with the committed `outputs` removed first, and compares each one written with the
    /// committed file; `stdoutFile`, when given, is compared with what the script printed.
    private func assertLotteryReport(_ arguments: [String], folder: String, outputs: [String], stdoutFile: String? = nil,
                                     file: StaticString = #filePath, line: UInt = #line) throws {
        try requirePython()
        let dir = TemporaryDirectory("masklab-report-lottery")
        try copyCommitted(folder, to: dir.url)
        for name in outputs { try FileManager.default.removeItem(at: dir.url.appendingPathComponent("\(folder)/\(name)")) }
        let r = try python(arguments, in: dir.url, environment: ["MASKLAB": CommandRunner.masklab.path])
        XCTAssertEqual(r.status, 0, "\(r)", file: file, line: line)
        for name in outputs {
            XCTAssertEqual(try written("\(folder)/\(name)", in: dir.url), try committed("\(folder)/\(name)"), "\(folder)/\(name)", file: file, line: line)
        }
        if let stdoutFile {
            XCTAssertEqual(r.stdout, try committed("\(folder)/\(stdoutFile)"), "\(folder)/\(stdoutFile)", file: file, line: line)
        }
    }

    func testConvTicketsReportIsTheCommittedOne() throws {
        let folder = "results/lottery/conv-cifar10"
        try assertLotteryReport([script("experiments/lottery/conv_tickets_report.py"), folder], folder: folder,
                                outputs: ["REPORT.md", "curves/conv2/curve.csv", "curves/conv6-global/curve.svg"])
    }

    func testTransferReportsAreTheCommittedOnes() throws {
        let cifar = "results/lottery/transfer-cifar10"
        try assertLotteryReport([script("experiments/lottery/transfer_report.py"), cifar], folder: cifar,
                                outputs: ["summary.csv"], stdoutFile: "REPORT.md")
        let mnist = "results/lottery/transfer-mnist"
        try assertLotteryReport([script("experiments/lottery/transfer_report.py"), mnist], folder: mnist, outputs: ["summary.csv"])
    }

    func testLongTicketsAndGridStatisticsAreTheCommittedOnes() throws {
        let long = "results/lottery/fc-long"
        try assertLotteryReport([script("experiments/lottery/fc_long_report.py"), long], folder: long, outputs: ["it20000/summary.csv"])
        let grid = "results/lottery/grid-2x2"
        try assertLotteryReport([script("experiments/lottery/grid_2x2_report.py"), grid], folder: grid, outputs: ["points.csv", "stats.csv"])
        try assertLotteryReport([script("experiments/lottery/grid_2x2_report.py"), grid, "--ratios", "0.2,0.6,0.85"], folder: grid,
                                outputs: ["points-P0.2-0.6-0.85.csv", "stats-P0.2-0.6-0.85.csv"])
    }

    // MARK: wrong inputs

    func testAWrongFolderIsOneLineNamingIt() throws {
        try requirePython()
        let dir = TemporaryDirectory("masklab-report-wrong")
        let missing = dir.file("no-such-folder").path
        assertInputError(try python([script(Self.study + "solver_movement_table.py"), missing]), mentions: [missing, "expected"])
        assertInputError(try python([script(Self.study + "lambda_report.py"), missing]), mentions: [missing, "expected"])
        assertInputError(try python([script("experiments/ladder/ladder_report.py"), missing]), mentions: [missing, "expected"])
        // A folder that exists but is another kind of results folder.
        try FileManager.default.createDirectory(at: dir.file("runs/baseline"), withIntermediateDirectories: true)
        assertInputError(try python([script(Self.study + "lambda_report.py"), dir.path]), mentions: ["no arm named lambda-"])
        assertInputError(try python([script(Self.study + "solver_movement_table.py"), dir.path]), mentions: ["final-default"])
        assertInputError(try python([script("experiments/ladder/ladder_report.py"), dir.path]), mentions: ["<model>-s<seed>"])
        // The wrong number of arguments prints the usage.
        let usage = try python([script("experiments/ladder/ladder_report.py")])
        XCTAssertEqual(usage.status, 2, "\(usage)")
        XCTAssertTrue(usage.stderr.contains("Usage: python3 experiments/ladder/ladder_report.py results/ladder"), "\(usage)")
    }

    func testADamagedFileNamesItsLineAndColumn() throws {
        try requirePython()
        let dir = TemporaryDirectory("masklab-report-damaged")
        let stats = dir.file("final-default/stats.csv")
        try FileManager.default.createDirectory(at: stats.deletingLastPathComponent(), withIntermediateDirectories: true)
        let header = "tensor,kl_from_start,phi_solve_before,phi_solve_after,phi_heldout_before,phi_heldout_after,share_p1,share_pmin,rejected_steps"
        try (header + "\nconv1.weight,0.1,1,0.5,1,0.9,0.1,0.2,0\nfc.weight,abc,1,0.5,1,0.9,0.1,0.2,0\n").write(to: stats, atomically: true, encoding: .utf8)
        assertInputError(try python([script(Self.study + "solver_movement_table.py"), dir.path]),
                         mentions: ["\(stats.path), line 3, column 'kl_from_start': 'abc' is not a number"])

        // A paired.csv without the columns the λ report reads.
        let lambda = dir.file("sweep")
        try FileManager.default.createDirectory(at: lambda.appendingPathComponent("runs/lambda-0"), withIntermediateDirectories: true)
        try "endpoint,first,second\n".write(to: lambda.appendingPathComponent("paired.csv"), atomically: true, encoding: .utf8)
        assertInputError(try python([script(Self.study + "lambda_report.py"), lambda.path]),
                         mentions: ["paired.csv, line 1: no column 'mean_difference'"])

        // A ladder run whose summary says completed but has no accuracy.
        let ladder = dir.file("ladder/mlp-2x64-s0")
        try FileManager.default.createDirectory(at: ladder, withIntermediateDirectories: true)
        try #"{"status": "completed"}"#.write(to: ladder.appendingPathComponent("summary.json"), atomically: true, encoding: .utf8)
        assertInputError(try python([script("experiments/ladder/ladder_report.py"), dir.file("ladder").path]),
                         mentions: ["summary.json: no number 'finalTestAccuracy'"])
    }
}
