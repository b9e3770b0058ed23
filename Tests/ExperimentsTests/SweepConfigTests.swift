import XCTest
import Options
@testable import Experiments

final class SweepConfigTests: XCTestCase {
    private func parse(_ json: String) throws -> SweepConfig {
        try SweepConfig.parse(ConfigText.json(json, path: "t.json"), path: "t.json")
    }

    /// `threadsPerJob` sets every run's threads: a base that says otherwise is refused, not
    /// silently replaced (a lottery base's run.threads too); the same number is accepted.
    func testABaseThreadsOtherThanThreadsPerJobIsRefused() throws {
        XCTAssertThrowsError(try parse(#"{"name": "s", "base": {"model": "mlp", "threads": 2}, "grid": {"seed": [0, 1]}}"#)) { error in
            XCTAssertTrue("\(error)".contains("\"base.threads\" is 2, but \"threadsPerJob\" (1) sets every run's threads"), "\(error)")
        }
        XCTAssertThrowsError(try parse(#"{"name": "l", "command": "lottery", "base": {"run": {"threads": 2}}, "threadsPerJob": 1, "grid": {"run.seed": [0]}}"#)) { error in
            XCTAssertTrue("\(error)".contains("\"base.run.threads\" is 2"), "\(error)")
        }
        XCTAssertEqual(try parse(#"{"name": "s", "base": {"model": "mlp", "threads": 2}, "threadsPerJob": 2, "grid": {"seed": [0, 1]}}"#).threadsPerJob, 2)
    }

    /// An axis over a setting the optimiser or schedule ignores would train one run several
    /// times under different names: refused, naming the point and the setting. An axis the
    /// optimiser reads (and a base file that records an ignored key) are accepted.
    func testAnAxisOverAnIgnoredSettingIsRefused() throws {
        let adam = #"{"name": "s", "base": {"model": "mlp", "optimizer": {"name": "adam", "momentum": 0}}, "#
        XCTAssertThrowsError(try parse(adam + #""grid": {"optimizer.momentum": [0.5, 0.9]}}"#)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("point optimizer.momentum=0.5") && message.contains("is not read by the adam optimiser"), message)
        }
        XCTAssertThrowsError(try parse(adam + #""points": [{"schedule.gamma": 0.5}]}"#)) { error in
            XCTAssertTrue("\(error)".contains("--gamma (schedule.gamma) is not read by the cosine schedule"), "\(error)")
        }
        let ok = try parse(adam + #""grid": {"optimizer.beta2": [0.99, 0.999]}}"#)
        XCTAssertEqual(ok.points.count, 2)
        // A one-value axis over an ignored setting varies nothing: sgd reads it, adam's points
        // record it without effect, and no run repeats.
        let mixed = try parse(#"{"name": "m", "base": {"model": "mlp"}, "grid": {"optimizer.name": ["sgd", "adam"], "optimizer.momentum": [0.5]}}"#)
        XCTAssertEqual(mixed.points.count, 2)
        let lottery = try parse(#"{"name": "l", "command": "lottery", "base": {"run": {"optimizer": {"name": "sgd"}}}, "grid": {"run.optimizer.momentum": [0, 0.9]}}"#)
        XCTAssertEqual(lottery.points.count, 2, "SGD reads momentum")
    }

    /// Numbers read alike whatever their spelling, so one value is one cell label; an empty
    /// grid says it has no axes (it said "must be an object" of an object).
    func testCellLabelsSpellEachNumberOnceAndAnEmptyGridIsNamed() throws {
        let sweep = try parse(#"{"name": "s", "base": {"model": "mlp"}, "grid": {"optimizer.learningRate": [1e-1, 0.050], "budget.iterations": [2e1]}}"#)
        XCTAssertEqual(Set(sweep.points.map(\.cell)), ["budget.iterations=20, optimizer.learningRate=0.1", "budget.iterations=20, optimizer.learningRate=0.05"])
        XCTAssertEqual(SweepPoint.canonical(.number("1e-1")), .number("0.1"))
        XCTAssertEqual(SweepPoint.canonical(.number("1000.0")), .number("1000"))
        XCTAssertEqual(SweepPoint.canonical(.string("1e-1")), .string("1e-1"))
        XCTAssertThrowsError(try parse(#"{"name": "s", "base": {"model": "mlp"}, "grid": {}, "points": [{"seed": 1}]}"#)) { error in
            XCTAssertTrue("\(error)".contains("\"grid\" has no axes: give at least one"), "\(error)")
        }
    }
}
