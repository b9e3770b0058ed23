import XCTest
@testable import Experiments

/// `levels.csv` is read by column name: the lottery reports keep working when a column is added or moved.
final class LotteryLevelsCSVTests: XCTestCase {
    private let results = [
        LotteryLevelResult(level: 0, arm: "ticket", kept: 100, entries: 100, remaining: 100, finalTestLoss: 0.31, finalTestAccuracy: 0.91,
                           earlyStopIteration: 400, earlyStopValidationLoss: 0.3, earlyStopTestAccuracy: 0.915, iterations: 1000, seconds: 12.5),
        LotteryLevelResult(level: 1, arm: "reinit", kept: 80, entries: 100, remaining: 80, finalTestLoss: 0.4, finalTestAccuracy: 0.88,
                           earlyStopIteration: 300, earlyStopValidationLoss: 0.39, earlyStopTestAccuracy: 0.885, iterations: 1000, seconds: 11),
    ]

    func testTheWrittenFileReadsBackExactly() throws {
        let text = ([LotteryLevelResult.csvHeader] + results.map(\.csvRow)).joined(separator: "\n") + "\n"
        XCTAssertEqual(try XCTUnwrap(LotteryLevelResult.rows(csv: text)), results)
    }

    /// Columns moved and one added in the middle: the same rows. A row with an empty number is left
    /// out; a header without one of the columns is refused (nil), not read by position.
    func testColumnsAreFoundByNameNotPosition() throws {
        let names = LotteryLevelResult.csvHeader.split(separator: ",").map(String.init)
        let order = Array(names.reversed())
        func fields(_ r: LotteryLevelResult) -> [String: String] {
            Dictionary(uniqueKeysWithValues: zip(names, r.csvRow.split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
        }
        var lines = [(order.prefix(3) + ["note"] + order.dropFirst(3)).joined(separator: ",")]
        for r in results {
            let f = fields(r)
            lines.append((order.prefix(3).map { f[$0]! } + ["x"] + order.dropFirst(3).map { f[$0]! }).joined(separator: ","))
        }
        var broken = fields(results[1])
        broken["final_test_accuracy"] = ""
        lines.append((order.prefix(3).map { broken[$0]! } + ["y"] + order.dropFirst(3).map { broken[$0]! }).joined(separator: ","))
        XCTAssertEqual(try XCTUnwrap(LotteryLevelResult.rows(csv: lines.joined(separator: "\n"))), results)
        let withoutSeconds = names.dropLast().joined(separator: ",") + "\n" + results[0].csvRow
        XCTAssertNil(LotteryLevelResult.rows(csv: withoutSeconds))
    }
}
