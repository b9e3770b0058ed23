import XCTest
import Datasets
import Stats
import TestSupport

/// The IDX reader on generated files: raw and gzipped, and every corrupt-input case.
final class MNISTTests: XCTestCase {
    private func load(_ dir: TemporaryDirectory) throws(DatasetError) -> DataSplits {
        try DatasetRegistry.load("mnist", root: dir.url, streams: RandomStreams(seed: 1))
    }

    /// Expects `body` to throw exactly `expected`.
    private func assertThrows(_ expected: DatasetError, file: StaticString = #filePath, line: UInt = #line,
                              _ body: () throws -> Void) {
        do {
            try body()
            XCTFail("expected \(expected), nothing thrown", file: file, line: line)
        } catch {
            XCTAssertEqual(error as? DatasetError, expected, file: file, line: line)
        }
    }

    func testLoadsRawAndGzippedAlike() throws {
        for gzipped in [false, true] {
            let dir = TemporaryDirectory()
            try DatasetFixtures.writeMNIST(to: dir.url, train: 30, test: 10, gzipped: gzipped)
            let s = try load(dir)
            XCTAssertEqual(s.train.count, 30)
            XCTAssertEqual(s.test.count, 10)
            XCTAssertNil(s.validation)
            XCTAssertEqual(s.train.name, "mnist/train")
            XCTAssertEqual(s.train.sampleShape.dims, [1, 28, 28])
            XCTAssertEqual(s.train.labels, (0..<30).map { Int32($0 % 10) })
            XCTAssertEqual(s.train.pixels[784 * 3 + 5], DatasetFixtures.pixel(3, 5))
            XCTAssertEqual(s.test.pixels[784 * 2 + 700], DatasetFixtures.pixel(1002, 700))
            XCTAssertEqual(s.train.mean, [0.1307])
            XCTAssertEqual(s.train.std, [0.3081])
        }
    }

    func testMissingFileNamesItAndHowToFetch() throws {
        let dir = TemporaryDirectory()
        try DatasetFixtures.writeMNIST(to: dir.url, train: 3, test: 2, gzipped: true)
        try FileManager.default.removeItem(at: dir.file("t10k-labels-idx1-ubyte.gz"))
        do {
            _ = try load(dir)
            XCTFail("expected missing")
        } catch {
            guard case let .missing(path, hint) = error else { return XCTFail("got \(error)") }
            XCTAssertTrue(path.hasSuffix("t10k-labels-idx1-ubyte.gz"), path)
            // The hint fetches into the folder the reader looked in.
            XCTAssertTrue(hint.contains("masklab data fetch mnist --root \(dir.path)"), hint)
        }
    }

    func testFetchHintNamesTheRootUnlessItIsTheDefault() {
        XCTAssertEqual(DataFetchHint.command("cifar10", root: "/x/my data"), "masklab data fetch cifar10 --root '/x/my data'")
        XCTAssertEqual(DataFetchHint.command("mnist", root: "/x/d"), "masklab data fetch mnist --root /x/d")
        // `data fetch` writes to ./data without --root, whatever $MASKLAB_DATA says or ../shared/data holds.
        XCTAssertEqual(DataFetchHint.command("mnist", root: "/w/data", currentDirectory: "/w"), "masklab data fetch mnist")
        XCTAssertEqual(DataFetchHint.command("mnist", root: "data/", currentDirectory: "/w"), "masklab data fetch mnist")
        XCTAssertEqual(DataFetchHint.command("mnist", root: "/shared/data", currentDirectory: "/w"), "masklab data fetch mnist --root /shared/data")
    }

    func testWrongMagic() throws {
        let dir = TemporaryDirectory()
        try DatasetFixtures.writeMNIST(to: dir.url, train: 3, test: 2, gzipped: false)
        // Images where labels belong: the labels reader sees the images magic.
        try DatasetFixtures.write(DatasetFixtures.idxImages(count: 2), to: dir.file("t10k-labels-idx1-ubyte"))
        assertThrows(.badMagic(path: dir.path + "/t10k-labels-idx1-ubyte", offset: 0, expected: 0x801, got: 0x803)) {
            _ = try load(dir)
        }
    }

    func testTruncatedImagesGiveOffsetExpectedAndGot() throws {
        let dir = TemporaryDirectory()
        try DatasetFixtures.writeMNIST(to: dir.url, train: 3, test: 2, gzipped: true)
        let full = DatasetFixtures.idxImages(count: 3)
        let cut = Array(full.prefix(16 + 784 + 100))
        try DatasetFixtures.write(DatasetFixtures.gzip(cut), to: dir.file("train-images-idx3-ubyte.gz"))
        assertThrows(.truncated(path: dir.path + "/train-images-idx3-ubyte.gz", offset: cut.count,
                                expected: 16 + 3 * 784, got: cut.count)) { _ = try load(dir) }
        // A header cut short.
        try DatasetFixtures.write(Array(full.prefix(10)), to: dir.file("train-images-idx3-ubyte.gz"))
        assertThrows(.truncated(path: dir.path + "/train-images-idx3-ubyte.gz", offset: 10, expected: 16, got: 10)) {
            _ = try load(dir)
        }
    }

    func testCountMismatchAndLabelOutOfRange() throws {
        let dir = TemporaryDirectory()
        try DatasetFixtures.writeMNIST(to: dir.url, train: 4, test: 2, gzipped: false)
        try DatasetFixtures.write(DatasetFixtures.idxLabels([0, 1, 2]), to: dir.file("train-labels-idx1-ubyte"))
        assertThrows(.countMismatch(path: dir.path + "/train-labels-idx1-ubyte",
                                    what: "number of labels (header offset 4) vs images (header offset 4) in \(dir.path)/train-images-idx3-ubyte",
                                    expected: 4, got: 3)) { _ = try load(dir) }
        try DatasetFixtures.write(DatasetFixtures.idxLabels([0, 1, 12, 3]), to: dir.file("train-labels-idx1-ubyte"))
        assertThrows(.labelOutOfRange(path: dir.path + "/train-labels-idx1-ubyte", offset: 10, label: 12, classes: 10)) {
            _ = try load(dir)
        }
    }

    func testWrongImageSizeAndExtraBytes() throws {
        let dir = TemporaryDirectory()
        try DatasetFixtures.writeMNIST(to: dir.url, train: 2, test: 2, gzipped: false)
        try DatasetFixtures.write(DatasetFixtures.idxImages(count: 2, rows: 27), to: dir.file("train-images-idx3-ubyte"))
        assertThrows(.badHeader(path: dir.path + "/train-images-idx3-ubyte", offset: 8, field: "rows", expected: 28, got: 27)) {
            _ = try load(dir)
        }
        try DatasetFixtures.write(DatasetFixtures.idxImages(count: 2) + [1, 2, 3], to: dir.file("train-images-idx3-ubyte"))
        do {
            _ = try load(dir)
            XCTFail("expected countMismatch")
        } catch {
            guard case let .countMismatch(_, _, expected, got) = error else { return XCTFail("got \(error)") }
            XCTAssertEqual(expected, 16 + 2 * 784)
            XCTAssertEqual(got, 16 + 2 * 784 + 3)
        }
    }

    func testCorruptGzipReportsZlibMessage() throws {
        let dir = TemporaryDirectory()
        try DatasetFixtures.writeMNIST(to: dir.url, train: 2, test: 2, gzipped: true)
        let url = dir.file("train-labels-idx1-ubyte.gz")
        var bytes = try DatasetFixtures.read(url)
        bytes[bytes.count - 6] ^= 0xff   // inside the CRC-32 of the trailer
        try DatasetFixtures.write(bytes, to: url)
        do {
            _ = try load(dir)
            XCTFail("expected corruptArchive")
        } catch {
            guard case let .corruptArchive(path, message) = error else { return XCTFail("got \(error)") }
            XCTAssertEqual(path, url.path)
            XCTAssertTrue(message.contains("incorrect data check"), message)
        }
        // Cut short inside the compressed data.
        try DatasetFixtures.write(Array(bytes.prefix(20)), to: url)
        do {
            _ = try load(dir)
            XCTFail("expected corruptArchive")
        } catch {
            guard case let .corruptArchive(_, message) = error else { return XCTFail("got \(error)") }
            XCTAssertTrue(message.contains("unexpected end"), message)
        }
    }

    func testErrorDescriptionsNameFileOffsetAndHint() {
        let e = DatasetError.truncated(path: "/d/x.gz", offset: 812, expected: 2368, got: 812)
        XCTAssertTrue(e.description.contains("/d/x.gz"))
        XCTAssertTrue(e.description.contains("truncated at decompressed byte offset 812"), "a .gz is read decompressed: \(e)")
        XCTAssertTrue(DatasetError.truncated(path: "/d/x", offset: 8, expected: 16, got: 8).description.contains("truncated at byte offset 8"))
        XCTAssertTrue(e.description.contains("2368"))
        XCTAssertTrue(e.description.contains("Hint"))
        XCTAssertTrue(DatasetError.badMagic(path: "f", offset: 0, expected: 0x801, got: 0x803).description.contains("0x00000803"))
    }
}
