import XCTest
import Foundation
import Datasets
import Stats

/// Loads the real datasets when $MASKLAB_DATA points at them; skipped (visibly) otherwise.
final class RealDataTests: XCTestCase {
    private func root() throws -> URL {
        guard let path = ProcessInfo.processInfo.environment["MASKLAB_DATA"], !path.isEmpty else {
            throw XCTSkip("MASKLAB_DATA is not set: skipping the real-data checks (set it to the folder holding MNIST and CIFAR-10)")
        }
        return URL(fileURLWithPath: path)
    }

    func testRealMNIST() throws {
        let s = try DatasetRegistry.load("mnist", root: try root(), streams: RandomStreams(seed: 0))
        XCTAssertEqual(s.train.count, 60_000)
        XCTAssertEqual(s.test.count, 10_000)
        XCTAssertEqual(s.test.classCounts, [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
    }

    func testRealCIFAR10() throws {
        let s = try DatasetRegistry.load("cifar10", root: try root(), streams: RandomStreams(seed: 0))
        XCTAssertEqual(s.train.count, 50_000)
        XCTAssertEqual(s.test.count, 10_000)
        XCTAssertEqual(s.train.classCounts, [Int](repeating: 5000, count: 10))
        XCTAssertEqual(s.test.classCounts, [Int](repeating: 1000, count: 10))
    }
}
