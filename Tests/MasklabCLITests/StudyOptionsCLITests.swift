import XCTest
import Foundation
import TestSupport

/// The options `compare`, `sweep` and `prune-sweep` share (`StudyRunOptions`, declared once): each
/// command lists them, and refuses a bad `--jobs` or `--threads-per-job` with the same message
/// before reading its file.
final class StudyOptionsCLITests: XCTestCase {
    func testEveryStudyCommandTakesTheSharedOptionsAndRefusesBadValues() throws {
        for command in ["compare", "sweep", "prune-sweep"] {
            let help = try CommandRunner.run([command, "--help"], timeout: 60)
            XCTAssertEqual(help.status, 0, "\(help)")
            for flag in ["--data <data>", "--jobs <jobs>", "--threads-per-job <threads-per-job>", "--out <out>", "--executor"] {
                XCTAssertTrue(help.stdout.contains(flag), "\(command) --help lacks \(flag)")
            }
            let jobs = try CommandRunner.run([command, "/nonexistent/study.json", "--jobs", "0"], timeout: 60)
            XCTAssertNotEqual(jobs.status, 0)
            XCTAssertTrue(jobs.stderr.contains("--jobs must be ≥ 1, got 0"), "\(command): \(jobs.stderr)")
            let threads = try CommandRunner.run([command, "/nonexistent/study.json", "--threads-per-job", "0"], timeout: 60)
            XCTAssertNotEqual(threads.status, 0)
            XCTAssertTrue(threads.stderr.contains("--threads-per-job must be in [1, "), "\(command): \(threads.stderr)")
        }
    }
}
