import XCTest
import Datasets
import Stats
import TensorCore
import TestSupport

/// Class selection (`--classes`): which samples survive, their new labels, the errors, and the
/// registry's definitions that every dataset site now reads.
final class ClassSelectionTests: XCTestCase {
    func testKeepsSelectedSamplesInOrderAndRelabelsByPosition() throws {
        // Six 1×1×1 samples, labels 0 1 2 3 1 3, pixel = index.
        let d = Dataset(name: "t/train", sampleShape: Shape(1, 1, 1), classes: 4, pixels: [0, 1, 2, 3, 4, 5],
                        labels: [0, 1, 2, 3, 1, 3], mean: [0], std: [1])
        let s = try ClassSelection([3, 1], available: 4, name: "t")
        let out = s.apply(to: d)
        XCTAssertEqual(out.classes, 2)
        XCTAssertEqual(out.pixels, [1, 3, 4, 5])
        XCTAssertEqual(out.labels, [1, 0, 1, 0])
        XCTAssertEqual(out.name, "t/train")
        XCTAssertEqual(out.classCounts, [2, 2])
    }

    func testRefusesOutOfRangeRepeatedAndSingleClass() {
        func problem(_ classes: [Int]) -> String? {
            do { _ = try ClassSelection(classes, available: 10, name: "cifar10"); return nil } catch {
                guard case let .invalidClasses(name, got, available, problem) = error else { return "wrong case \(error)" }
                XCTAssertEqual(name, "cifar10"); XCTAssertEqual(got, classes); XCTAssertEqual(available, 10)
                XCTAssertTrue(error.description.contains("0…9"), error.description)
                return problem
            }
        }
        XCTAssertEqual(problem([0, 10]), "label 10 is outside 0…9")
        XCTAssertEqual(problem([-1, 2]), "label -1 is outside 0…9")
        XCTAssertEqual(problem([2, 5, 2]), "a label is named twice")
        XCTAssertEqual(problem([4]), "fewer than two classes leave nothing to classify")
        XCTAssertNil(problem([0, 1, 8, 9]))
    }

    func testRegistryLoadAppliesSelectionToBothSplitsBeforeTheValidationHoldOut() throws {
        let dir = TemporaryDirectory()
        try DatasetFixtures.writeMNIST(to: dir.url, train: 40, test: 20, gzipped: true)  // label = index % 10
        let all = try DatasetRegistry.load("mnist", root: dir.url, streams: RandomStreams(seed: 0))
        let s = try DatasetRegistry.load("mnist", root: dir.url, classes: [7, 2], validation: 3, streams: RandomStreams(seed: 0))
        guard let v = s.validation else { return XCTFail("no validation split") }
        XCTAssertEqual(s.train.classes, 2)
        XCTAssertEqual(s.test.classes, 2)
        XCTAssertEqual(s.train.count + v.count, 8)  // indices 2,7,12,…,37 of the 40
        XCTAssertEqual(v.count, 3)
        XCTAssertEqual(s.test.count, 4)
        XCTAssertEqual(s.test.labels, [1, 0, 1, 0])
        // The test images are the original ones with labels 2 and 7, in order.
        let expected = (0..<all.test.count).filter { [2, 7].contains(Int(all.test.labels[$0])) }
        XCTAssertEqual(s.test.pixels, expected.flatMap { i in Array(all.test.pixels[i * 784 ..< (i + 1) * 784]) })
        XCTAssertThrowsError(try DatasetRegistry.load("mnist", root: dir.url, classes: [3, 3], streams: RandomStreams(seed: 0))) { e in
            XCTAssertEqual((e as? DatasetError).map { if case .invalidClasses = $0 { true } else { false } }, true)
        }
    }

    func testDefinitionsAreTheOnlySourceOfEachDatasetsFacts() throws {
        XCTAssertEqual(DatasetRegistry.names, DatasetRegistry.definitions.map { $0.name })
        for d in DatasetRegistry.definitions {
            XCTAssertEqual(d.classNames.count, d.classes, d.name)
            XCTAssertEqual(try DatasetSource.official(d.name), d.source)
            XCTAssertEqual(DatasetVerifier.officialCounts(d.name)?.train, d.officialCounts.train)
            XCTAssertFalse(d.source.files.isEmpty, d.name)
        }
        XCTAssertEqual(try DatasetRegistry.definition("cifar10").classNames[8], "ship")
        XCTAssertThrowsError(try DatasetRegistry.definition("svhn")) { e in
            XCTAssertEqual(e as? DatasetError, .unknown(name: "svhn", valid: ["mnist", "cifar10"]))
        }
        XCTAssertNil(DatasetRegistry.defaultAugmentation("svhn"))
    }
}
