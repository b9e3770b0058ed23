import Foundation
import Options
import TestSupport
import XCTest

@testable import Experiments

/// The record of a comparison's declared analysis (`analysis-declared.json`): the first
/// declaration with the runs ended then, refusal of a changed analysis, re-declaration that keeps
/// the earlier one, late records of studies begun without one, and the report heading each gives.
final class AnalysisDeclarationTests: XCTestCase {
    private func config(margin: Double = 0.01, analysis: Bool = true, seeds: [Int] = [0, 1]) throws -> CompareConfig {
        var dict: [String: Any] = [
            "name": "d", "seeds": seeds, "base": ["model": "mlp", "dataset": "mnist", "budget": ["epochs": 3]],
            "arms": [["name": "a", "masks": NSNull()], ["name": "c", "masks": ["name": "dropconnect"]]],
        ]
        if analysis {
            dict["analysis"] = ["endpoints": [["metric": "testAccuracy", "epoch": 2], ["metric": "testLoss", "epoch": "final", "margin": 0.05]],
                                "contrasts": [["c", "a"]], "reference": "a", "margin": margin,
                                "extension": ["afterSeeds": 2, "plannedSeeds": 2, "contrast": 1, "endpoint": 2, "targetEffect": 0.02, "maxSeeds": 4]]
        }
        return try CompareConfig.parse(dict, path: "d.json")
    }

    /// A run folder of `layout` that ended (or only started, `status` nil).
    private func makeRun(_ layout: CompareLayout, _ arm: String, _ seed: UInt64, status: String?) throws {
        let run = layout.run(arm: arm, seed: seed)
        try FileManager.default.createDirectory(at: run.directory, withIntermediateDirectories: true)
        if let status { try #"{"status": "\#(status)"}"#.write(to: run.summary, atomically: true, encoding: .utf8) }
    }

    /// Temporary folders kept for the test's lifetime.
    private var folders: [TemporaryDirectory] = []

    /// An empty comparison folder.
    private func folder(_ name: String) throws -> CompareLayout {
        let dir = TemporaryDirectory(name)
        folders.append(dir)
        let layout = CompareLayout(directory: dir.file("compare-d"))
        try FileManager.default.createDirectory(at: layout.directory, withIntermediateDirectories: true)
        return layout
    }

    func testConfigValueReadsBackAsTheSameAnalysis() throws {
        let analysis = try XCTUnwrap(try config().analysis)
        let again = try CompareAnalysis.parse(analysis.configValue, arms: ["a", "c"], epochs: 3, path: "x")
        XCTAssertEqual(again, analysis)
        XCTAssertEqual(again.seedExtension?.endpoint, 1, "1-based in the file, 0-based in the type")
    }

    func testFirstDeclarationBeforeAnyRunThenAChangeIsRefusedUntilRedeclared() throws {
        let layout = try folder("masklab-declare-first")
        let first = try XCTUnwrap(try AnalysisDeclaration.record(try config(), layout: layout, redeclare: false))
        XCTAssertTrue(first.contains("declared before any run"), first)
        let record = try XCTUnwrap(try AnalysisDeclaration.read(layout))
        XCTAssertEqual(record.count, 1)
        XCTAssertEqual(record[0].kind, .declared)
        XCTAssertEqual(record[0].runsEnded, 0)
        XCTAssertEqual(record[0].runs, 4)
        XCTAssertEqual(AnalysisDeclaration.reportText(record, smoke: false).heading, "Primary analysis (declared in the config before any run)")
        XCTAssertNil(try AnalysisDeclaration.record(try config(), layout: layout, redeclare: false), "the same analysis: nothing to record")
        XCTAssertNil(try AnalysisDeclaration.record(try config(seeds: [0, 1, 2]), layout: layout, redeclare: false), "seeds are not part of the analysis")

        // Three runs end; the margin is widened: refused, naming both values; nothing written.
        try makeRun(layout, "a", 0, status: "completed")
        try makeRun(layout, "c", 0, status: "nonFinite")
        try makeRun(layout, "a", 1, status: "completed")
        try makeRun(layout, "c", 1, status: nil)
        let before = try Data(contentsOf: layout.declarations)
        XCTAssertThrowsError(try AnalysisDeclaration.record(try config(margin: 0.05), layout: layout, redeclare: false)) { error in
            let message = (error as? CompareError)?.description ?? "\(error)"
            XCTAssertTrue(message.contains("margin: declared 0.01, this config 0.05"), message)
            XCTAssertTrue(message.contains("--redeclare-analysis") && message.contains("3 of 4 runs have ended"), message)
            XCTAssertFalse(message.contains("endpoints:"), "only what differs is named: \(message)")
        }
        XCTAssertEqual(try Data(contentsOf: layout.declarations), before)

        // Re-declared: appended, the first kept; the heading says so and shows the earlier one.
        let line = try XCTUnwrap(try AnalysisDeclaration.record(try config(margin: 0.05), layout: layout, redeclare: true))
        XCTAssertTrue(line.contains("re-declared after 3 of 4 runs had ended"), line)
        let both = try XCTUnwrap(try AnalysisDeclaration.read(layout))
        XCTAssertEqual(both.map(\.kind), [.declared, .redeclared])
        XCTAssertEqual(both[0], record[0])
        XCTAssertEqual(both[1].runsEnded, 3)
        let text = AnalysisDeclaration.reportText(both, smoke: false)
        XCTAssertTrue(text.heading.hasPrefix("Primary analysis (re-declared on \(both[1].date) after 3 of 4 runs had ended; first declaration: before any run)"),
                      text.heading)
        XCTAssertTrue(text.note.contains("margin: then 0.01, used here 0.05") && text.note.contains("\"margin\":0.01"), text.note)
        XCTAssertFalse(text.heading.contains("declared in the config before any run"))
        XCTAssertNil(try AnalysisDeclaration.record(try config(margin: 0.05), layout: layout, redeclare: false), "the re-declared one is current")
        XCTAssertThrowsError(try AnalysisDeclaration.record(try config(margin: 0.01), layout: layout, redeclare: false),
                             "going back is a change too")
    }

    func testAnAnalysisCannotBeWithdrawn() throws {
        let layout = try folder("masklab-declare-withdraw")
        _ = try AnalysisDeclaration.record(try config(), layout: layout, redeclare: false)
        for redeclare in [false, true] {
            XCTAssertThrowsError(try AnalysisDeclaration.record(try config(analysis: false), layout: layout, redeclare: redeclare)) { error in
                let message = (error as? CompareError)?.description ?? "\(error)"
                XCTAssertTrue(message.contains("cannot be withdrawn") && message.contains("this config nothing"), message)
            }
        }
    }

    func testAnalysisAddedAfterRunsEndedSaysSo() throws {
        let layout = try folder("masklab-declare-added")
        try makeRun(layout, "a", 0, status: "completed")
        try makeRun(layout, "c", 0, status: "completed")
        try "{\"name\": \"d\"}".write(to: layout.config, atomically: true, encoding: .utf8)
        XCTAssertNil(try AnalysisDeclaration.record(try config(analysis: false), layout: layout, redeclare: false), "no analysis, nothing recorded")
        _ = try AnalysisDeclaration.record(try config(), layout: layout, redeclare: false)
        let record = try XCTUnwrap(try AnalysisDeclaration.read(layout))
        XCTAssertEqual(record[0].kind, .declared)
        let text = AnalysisDeclaration.reportText(record, smoke: false)
        XCTAssertEqual(text.heading, "Primary analysis (declared after 2 of 4 runs had ended)")
        XCTAssertTrue(text.note.contains("Not a declaration before any run"), text.note)
    }

    /// A study begun by an older binary (its compare.json holds an analysis, no record): the
    /// first invocation records the analysis as it sees it, with the runs ended then.
    func testStudyWithoutRecordIsRecordedLate() throws {
        let layout = try folder("masklab-declare-late")
        try makeRun(layout, "a", 0, status: "completed")
        try makeRun(layout, "c", 0, status: nil)
        try ConfigText.json(.object(["name": .string("d"), "analysis": try config().analysis!.configValue]))
            .write(to: layout.config, atomically: true, encoding: .utf8)
        let line = try XCTUnwrap(try AnalysisDeclaration.record(try config(), layout: layout, redeclare: false))
        XCTAssertTrue(line.contains("recorded") && line.contains("after 1 of 4 runs had ended"), line)
        let record = try XCTUnwrap(try AnalysisDeclaration.read(layout))
        XCTAssertEqual(record[0].kind, .recordedLate)
        XCTAssertEqual(record[0].runsStarted, 2)
        let text = AnalysisDeclaration.reportText(record, smoke: false)
        XCTAssertEqual(text.heading, "Primary analysis (recorded on \(record[0].date) after 1 of 4 runs had ended)")

        // Run folders that started but none ended: still not "before any run".
        let started = try folder("masklab-declare-started")
        try makeRun(started, "a", 0, status: "stopped")
        _ = try AnalysisDeclaration.record(try config(), layout: started, redeclare: false)
        let heading = AnalysisDeclaration.reportText(try AnalysisDeclaration.read(started), smoke: false).heading
        XCTAssertEqual(heading, "Primary analysis (declared when 1 of 4 runs had started and none had ended)")
    }

    func testSmokeRunsAndMissingFoldersRecordNothing() throws {
        let layout = try folder("masklab-declare-smoke")
        XCTAssertNil(try AnalysisDeclaration.record(try config().smoke(), layout: layout, redeclare: false))
        XCTAssertFalse(FileManager.default.fileExists(atPath: layout.declarations.path))
        let missing = CompareLayout(directory: layout.directory.appendingPathComponent("absent"))
        XCTAssertNil(try AnalysisDeclaration.record(try config(), layout: missing, redeclare: false))
        XCTAssertFalse(FileManager.default.fileExists(atPath: missing.directory.path))
        XCTAssertTrue(AnalysisDeclaration.reportText(nil, smoke: false).heading.contains("not on record"))
    }
}
