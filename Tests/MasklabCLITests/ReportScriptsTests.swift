import XCTest
import Foundation
import TestSupport

/// The Python report scripts under `experiments/` that turn committed run folders into committed
/// reports: run on the committed inputs (a copy of the files git tracks) they write the committed
/// outputs byte for byte, so every number in those reports comes from the committed code and
/// data; and a wrong folder or a damaged file stops them with exit status 2 and one line naming
/// the file (line, column) and what was expected, not a traceback, and writes nothing. The
/// expected outputs are git's `HEAD` (`CommittedFiles`). Needs `python3` (SciPy for
/// `sensitivity_machine.py`) and a git checkout; skips and says so without them.
final class ReportScriptsTests: XCTestCase {
    private static let root = CommittedFiles.root
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

    private func written(_ path: String, in directory: URL) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(path), encoding: .utf8)
    }

    /// Runs `arguments` (a report script and its flags) in a copy of the committed `folder` with
    /// the committed `outputs` (paths in `folder`) deleted from it, and requires each one written
    /// again byte for byte; `stdoutFile`, when given, must equal what the script printed.
    private func assertReport(_ arguments: [String], folder: String, outputs: [String], stdoutFile: String? = nil,
                              environment: [String: String] = [:], file: StaticString = #filePath, line: UInt = #line) throws {
        try requirePython()
        let dir = TemporaryDirectory("masklab-report")
        try CommittedFiles.copy(folder, to: dir.url, removing: outputs)
        let r = try python(arguments, in: dir.url, environment: environment)
        XCTAssertEqual(r.status, 0, "\(r)", file: file, line: line)
        XCTAssertFalse(outputs.isEmpty && stdoutFile == nil, "nothing to compare", file: file, line: line)
        for name in outputs {
            XCTAssertEqual(try written("\(folder)/\(name)", in: dir.url), try CommittedFiles.text("\(folder)/\(name)"),
                           "\(folder)/\(name)", file: file, line: line)
        }
        if let stdoutFile {
            XCTAssertEqual(r.stdout, try CommittedFiles.text("\(folder)/\(stdoutFile)"), "\(folder)/\(stdoutFile)", file: file, line: line)
        }
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
        let folder = "results/solver-movement"
        try assertReport([script(Self.study + "solver_movement_table.py"), folder], folder: folder, outputs: [], stdoutFile: "README.md")
    }

    func testSensitivityTableIsTheCommittedOne() throws {
        try requirePython(["numpy", "scipy"])
        let dir = TemporaryDirectory("masklab-report-sensitivity")
        let folder = "results/compare-study-cifar-final"
        try CommittedFiles.copy("\(folder)/paired.csv", to: dir.url)
        let r = try python([script(Self.study + "sensitivity_machine.py"), "\(folder)/paired.csv"], in: dir.url)
        XCTAssertEqual(r.status, 0, "\(r)")
        let expected = try CommittedFiles.text("\(folder)/sensitivity-machine.md")
        // The first line names the SciPy version that computed it; the table must match exactly.
        func table(_ text: String) -> [Substring] { Array(text.split(separator: "\n", omittingEmptySubsequences: false).dropFirst()) }
        XCTAssertEqual(table(r.stdout), table(expected))
        XCTAssertTrue(r.stdout.contains("| primary | impacts − dropconnect |"), r.stdout)
    }

    func testSeed1SameMachineSummaryIsTheCommittedOne() throws {
        try requirePython()
        let dir = TemporaryDirectory("masklab-report-seed1")
        let (f, out) = ("results/compare-study-cifar-final", "results/study-f-seed1-same-machine")
        try CommittedFiles.copy(f, to: dir.url)
        try CommittedFiles.copy(out, to: dir.url, removing: ["README.md"])
        let r = try python([script(Self.study + "seed1_same_machine_report.py"), f, out], in: dir.url)
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(r.stdout, try CommittedFiles.text("\(out)/README.md"))
    }

    func testLambdaReportWritesTheCommittedMarkdownAndFigure() throws {
        let folder = "results/compare-study-mnist-lambda"
        try assertReport([script(Self.study + "lambda_report.py"), folder], folder: folder, outputs: ["LAMBDA.md", "lambda.svg"])
    }

    func testLadderReportWritesTheCommittedReportAndCurves() throws {
        let folder = "results/ladder"
        try assertReport([script("experiments/ladder/ladder_report.py"), folder], folder: folder, outputs: ["REPORT.md", "curves.svg"],
                         environment: ["MASKLAB": CommandRunner.masklab.path])
    }

    func testConvTicketsReportAndEveryCurveAreTheCommittedOnes() throws {
        let folder = "results/lottery/conv-cifar10"
        let curves = try CommittedFiles.list("\(folder)/curves").map { String($0.dropFirst(folder.count + 1)) }
        XCTAssertGreaterThanOrEqual(curves.count, 10, "a curve.csv and curve.svg per setting: \(curves)")
        try assertReport([script("experiments/lottery/conv_tickets_report.py"), folder], folder: folder,
                         outputs: ["REPORT.md"] + curves, environment: ["MASKLAB": CommandRunner.masklab.path])
    }

    func testTransferReportsAreTheCommittedOnes() throws {
        let cifar = "results/lottery/transfer-cifar10"
        try assertReport([script("experiments/lottery/transfer_report.py"), cifar], folder: cifar, outputs: ["summary.csv"], stdoutFile: "REPORT.md")
        let mnist = "results/lottery/transfer-mnist"
        try assertReport([script("experiments/lottery/transfer_report.py"), mnist], folder: mnist, outputs: ["summary.csv"])
    }

    func testLongTicketsAndGridStatisticsAreTheCommittedOnes() throws {
        let long = "results/lottery/fc-long"
        try assertReport([script("experiments/lottery/fc_long_report.py"), long], folder: long, outputs: ["it20000/summary.csv"])
        let grid = "results/lottery/grid-2x2"
        try assertReport([script("experiments/lottery/grid_2x2_report.py"), grid], folder: grid, outputs: ["points.csv", "stats.csv"])
        try assertReport([script("experiments/lottery/grid_2x2_report.py"), grid, "--ratios", "0.2,0.6,0.85"], folder: grid,
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
        // The lottery reports, on a missing folder and on one of another kind (which they must not
        // write a report into).
        for name in ["conv_tickets_report", "transfer_report", "fc_long_report", "grid_2x2_report"] {
            assertInputError(try python([script("experiments/lottery/\(name).py"), missing]), mentions: [missing, "expected"])
            assertInputError(try python([script("experiments/lottery/\(name).py"), dir.path]), mentions: [dir.path])
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["runs"], "nothing written into the wrong folder")
        // The wrong number of arguments prints the usage on stderr; --help prints it on stdout.
        let usage = try python([script("experiments/ladder/ladder_report.py")])
        XCTAssertEqual(usage.status, 2, "\(usage)")
        XCTAssertTrue(usage.stderr.contains("Usage: python3 experiments/ladder/ladder_report.py results/ladder"), "\(usage)")
        let help = try python([script(Self.study + "lambda_report.py"), "--help"])
        XCTAssertEqual(help.status, 0, "\(help)")
        XCTAssertTrue(help.stdout.contains("Usage: python3 experiments/regularisation-study/lambda_report.py"), "\(help)")
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

        // A byte-order mark before the header is not part of the first column's name.
        try ("\u{FEFF}" + header + "\nconv1.weight,0.1,1,0.5,1,0.9,0.1,0.2,0\n").write(to: stats, atomically: true, encoding: .utf8)
        let bom = try python([script(Self.study + "solver_movement_table.py"), dir.path])
        XCTAssertEqual(bom.status, 0, "\(bom)")
        XCTAssertTrue(bom.stdout.contains("| final | default | 0.1 [0.1, 0.1] |"), bom.stdout)
        // Bytes that are not UTF-8.
        try Data([0x74, 0x65, 0xFF, 0xFE, 0x0A]).write(to: stats)
        assertInputError(try python([script(Self.study + "solver_movement_table.py"), dir.path]), mentions: ["\(stats.path), byte 2: not UTF-8"])

        // A seed's importance.csv with a header only would silently drop that seed from the means.
        let sweep = dir.file("lambda")
        let importance = sweep.appendingPathComponent("runs/lambda-0/seed-0/importance.csv")
        try FileManager.default.createDirectory(at: importance.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "refresh,tensor,entropy,entries\n".write(to: importance, atomically: true, encoding: .utf8)
        try "endpoint,first,second,mean_difference,ci95_low,ci95_high,verdict,n\n".write(to: sweep.appendingPathComponent("paired.csv"), atomically: true, encoding: .utf8)
        try "arm,metric,mean,ci95_halfwidth\n".write(to: sweep.appendingPathComponent("summary.csv"), atomically: true, encoding: .utf8)
        assertInputError(try python([script(Self.study + "lambda_report.py"), sweep.path]), mentions: ["\(importance.path): only a header"])

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
