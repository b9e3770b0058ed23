import XCTest
import Foundation
import Models
import Masks
@testable import Experiments

/// The README's hand-written lists of names agree with the registries they describe (the
/// `--help` texts are generated from the registries, so only the README can go stale): every
/// registered mask sampler, model and pruning criterion appears, and no name that is not
/// registered does.
final class ReadmeRegistryTests: XCTestCase {
    private static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("README.md")

    /// The backticked names in the first cell of each row of the first table after `heading`.
    private func firstColumnNames(after heading: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
        let text = try String(contentsOf: Self.readme, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0.hasPrefix(heading) }) else {
            XCTFail("README has no heading starting '\(heading)'", file: file, line: line)
            return []
        }
        let table = lines[start...].drop { !$0.hasPrefix("|") }.prefix { $0.hasPrefix("|") }.dropFirst(2)   // header and |---|
        return table.flatMap { row -> [String] in
            let cell = row.split(separator: "|", omittingEmptySubsequences: false)[1]
            return cell.split(separator: "`").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
        }
    }

    func testMaskTableListsExactlyTheRegisteredSamplers() throws {
        let names = try firstColumnNames(after: "### Masks and importance")
        XCTAssertEqual(names.sorted(), MaskRegistry.names.sorted(), "README's --mask table vs MaskRegistry")
    }

    func testModelTableListsExactlyTheRegisteredModels() throws {
        let names = try firstColumnNames(after: "### Models and their PyTorch names")
        XCTAssertEqual(names.sorted(), ModelRegistry.names.sorted(), "README's model table vs ModelRegistry")
    }

    func testCriteriaTableListsExactlyTheRegisteredCriteria() throws {
        let names = try firstColumnNames(after: "### Pruning criteria")
        XCTAssertEqual(names.sorted(), CriterionRegistry.names.sorted(), "README's --criterion table vs CriterionRegistry")
    }
}
