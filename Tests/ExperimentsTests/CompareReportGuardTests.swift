import XCTest
import Foundation
@testable import Experiments
import TestSupport

/// `compare`'s own report files go through `RunFolder.writeAtomically`: a study folder deleted
/// and recreated under a running compare is not written into.
final class CompareReportGuardTests: XCTestCase {
    func testAReplacedStudyFolderIsNotWritten() throws {
        let dir = TemporaryDirectory("masklab-compare-guard")
        let study = dir.file("compare-x")
        try FileManager.default.createDirectory(at: study, withIntermediateDirectories: true)
        let lock = try FolderLock.acquire(study, holder: "test")
        defer { lock.release() }
        try CompareReport.save("first\n", study.appendingPathComponent("REPORT.md"))
        XCTAssertEqual(try String(contentsOf: study.appendingPathComponent("REPORT.md"), encoding: .utf8), "first\n")
        try FileManager.default.removeItem(at: study)
        try FileManager.default.createDirectory(at: study, withIntermediateDirectories: true)
        XCTAssertThrowsError(try CompareReport.save("second\n", study.appendingPathComponent("REPORT.md"))) {
            XCTAssertTrue("\($0)".contains("deleted or replaced"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: study.appendingPathComponent("REPORT.md").path))
    }
}
