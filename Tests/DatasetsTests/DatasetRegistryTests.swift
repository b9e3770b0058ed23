import XCTest
import Datasets
import Stats
import TensorCore
import TestSupport

/// Names, the validation split and the data locator.
final class DatasetRegistryTests: XCTestCase {
    func testNamesAndUnknown() {
        XCTAssertEqual(DatasetRegistry.names, ["mnist", "cifar10"])
        let dir = TemporaryDirectory()
        XCTAssertThrowsError(try DatasetRegistry.load("svhn", root: dir.url, streams: RandomStreams(seed: 0))) { error in
            XCTAssertEqual(error as? DatasetError, .unknown(name: "svhn", valid: ["mnist", "cifar10"]))
        }
    }

    func testValidationSplitIsDisjointCompleteAndSeeded() throws {
        let dir = TemporaryDirectory()
        try DatasetFixtures.writeMNIST(to: dir.url, train: 40, test: 5, gzipped: false)
        let a = try DatasetRegistry.load("mnist", root: dir.url, validation: 12, streams: RandomStreams(seed: 9))
        let b = try DatasetRegistry.load("mnist", root: dir.url, validation: 12, streams: RandomStreams(seed: 9))
        let c = try DatasetRegistry.load("mnist", root: dir.url, validation: 12, streams: RandomStreams(seed: 10))
        guard let va = a.validation, let vb = b.validation, let vc = c.validation else { return XCTFail("no validation split") }
        XCTAssertEqual(va.count, 12)
        XCTAssertEqual(a.train.count, 28)
        XCTAssertEqual(va.name, "mnist/validation")
        XCTAssertEqual(a.train.name, "mnist/train")
        // Sample i has pixel(i, 0) as its first byte: recover the ids.
        func ids(_ d: Dataset) -> [Int] {
            (0..<d.count).map { k in (0..<40).first { DatasetFixtures.pixel($0, 0) == d.pixels[k * 784] && DatasetFixtures.pixel($0, 1) == d.pixels[k * 784 + 1] }! }
        }
        let trainIds = ids(a.train), valIds = ids(va)
        XCTAssertTrue(Set(trainIds).isDisjoint(with: valIds))
        XCTAssertEqual(Set(trainIds).union(valIds), Set(0..<40))
        XCTAssertEqual(valIds, valIds.sorted())
        XCTAssertEqual(va.labels, valIds.map { Int32($0 % 10) })
        XCTAssertEqual(vb.pixels, va.pixels)
        XCTAssertNotEqual(vc.pixels, va.pixels)
        XCTAssertEqual(a.test.count, 5)
        XCTAssertThrowsError(try DatasetRegistry.load("mnist", root: dir.url, validation: 40, streams: RandomStreams(seed: 9)))
    }

    func testSubset() {
        let d = Dataset(name: "t/train", sampleShape: Shape(1, 1, 2), classes: 3, pixels: [0, 1, 2, 3, 4, 5],
                        labels: [0, 1, 2], mean: [0], std: [1])
        let s = d.subset([2, 0], name: "t/x")
        XCTAssertEqual(s.pixels, [4, 5, 0, 1])
        XCTAssertEqual(s.labels, [2, 0])
        XCTAssertEqual(s.count, 2)
        XCTAssertEqual(d.classCounts, [1, 1, 1])
    }

    func testLocatorOrder() throws {
        let cwd = TemporaryDirectory(), env = TemporaryDirectory()
        // Nothing exists: missing, listing where it looked and how to fetch.
        XCTAssertThrowsError(try DataLocator.resolve(explicit: nil, environment: [:], currentDirectory: cwd.path)) { error in
            guard case let .missing(_, hint)? = error as? DatasetError else { return XCTFail("got \(error)") }
            XCTAssertTrue(hint.contains(cwd.path + "/data"), hint)
            XCTAssertTrue(hint.contains(cwd.path + "/../shared/data"), hint)
            XCTAssertTrue(hint.contains("masklab data fetch"), hint)
        }
        try FileManager.default.createDirectory(at: cwd.file("data"), withIntermediateDirectories: true)
        XCTAssertEqual(try DataLocator.resolve(explicit: nil, environment: [:], currentDirectory: cwd.path).path, cwd.path + "/data")
        XCTAssertEqual(try DataLocator.resolve(explicit: nil, environment: ["MASKLAB_DATA": env.path], currentDirectory: cwd.path).path, env.path)
        XCTAssertEqual(try DataLocator.resolve(explicit: env.path, environment: [:], currentDirectory: cwd.path).path, env.path)
        XCTAssertThrowsError(try DataLocator.resolve(explicit: "nope", environment: ["MASKLAB_DATA": env.path], currentDirectory: cwd.path))
    }
}
