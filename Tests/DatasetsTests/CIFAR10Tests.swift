import XCTest
@testable import Datasets
import TensorCore
import Stats
import TestSupport

/// The CIFAR-10 binary reader: extracted folder and tar.gz, corrupt cases, extraction.
final class CIFAR10Tests: XCTestCase {
    private func load(_ dir: TemporaryDirectory) throws(DatasetError) -> DataSplits {
        try DatasetRegistry.load("cifar10", root: dir.url, streams: RandomStreams(seed: 1))
    }

    private func check(_ s: DataSplits, perBatch: Int, test: Int, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(s.train.count, 5 * perBatch, file: file, line: line)
        XCTAssertEqual(s.test.count, test, file: file, line: line)
        XCTAssertEqual(s.train.sampleShape.dims, [3, 32, 32], file: file, line: line)
        XCTAssertEqual(s.train.mean, [0.4914, 0.4822, 0.4465], file: file, line: line)
        // Batches in order 1…5: sample i of the training set is pattern sample i.
        for i in [0, perBatch, 5 * perBatch - 1] {
            XCTAssertEqual(s.train.labels[i], Int32((i % perBatch) % 10), file: file, line: line)
            XCTAssertEqual(s.train.pixels[i * 3072 + 2000], DatasetFixtures.pixel(i, 2000), file: file, line: line)
        }
        XCTAssertEqual(s.test.pixels[3072 + 17], DatasetFixtures.pixel(1001, 17), file: file, line: line)
    }

    func testLoadsFolderAndArchiveAlike() throws {
        let folder = TemporaryDirectory(), archive = TemporaryDirectory()
        try DatasetFixtures.writeCIFAR(to: folder.url, perBatch: 7, test: 4, archived: false)
        try DatasetFixtures.writeCIFAR(to: archive.url, perBatch: 7, test: 4, archived: true)
        let a = try load(folder), b = try load(archive)
        check(a, perBatch: 7, test: 4)
        check(b, perBatch: 7, test: 4)
        XCTAssertEqual(a.train.pixels, b.train.pixels)
        XCTAssertEqual(a.test.labels, b.test.labels)
    }

    func testTruncatedBatchGivesRecordOffset() throws {
        let dir = TemporaryDirectory()
        try DatasetFixtures.writeCIFAR(to: dir.url, perBatch: 3, test: 2, archived: false)
        let url = dir.file("cifar-10-batches-bin/data_batch_2.bin")
        let bytes = try DatasetFixtures.read(url)
        try DatasetFixtures.write(Array(bytes.prefix(2 * 3073 + 100)), to: url)
        XCTAssertThrowsError(try load(dir)) { error in
            XCTAssertEqual(error as? DatasetError, .truncated(path: url.path, offset: 2 * 3073, expected: 3 * 3073, got: 2 * 3073 + 100))
        }
    }

    func testLabelOutOfRangeInArchiveNamesMemberAndOffset() throws {
        let dir = TemporaryDirectory()
        var members = DatasetFixtures.cifarMembers(perBatch: 3, test: 2)
        members[5].data[3073] = 10   // second record of test_batch.bin
        try DatasetFixtures.write(DatasetFixtures.gzip(DatasetFixtures.tar(members)), to: dir.file("cifar-10-binary.tar.gz"))
        XCTAssertThrowsError(try load(dir)) { error in
            XCTAssertEqual(error as? DatasetError, .labelOutOfRange(
                path: dir.path + "/cifar-10-binary.tar.gz:cifar-10-batches-bin/test_batch.bin", offset: 3073, label: 10, classes: 10))
        }
    }

    func testArchiveMissingMemberAndCorruptTarHeader() throws {
        let dir = TemporaryDirectory()
        var members = DatasetFixtures.cifarMembers(perBatch: 2, test: 2)
        members.remove(at: 3)   // data_batch_4.bin
        let url = dir.file("cifar-10-binary.tar.gz")
        try DatasetFixtures.write(DatasetFixtures.gzip(DatasetFixtures.tar(members)), to: url)
        XCTAssertThrowsError(try load(dir)) { error in
            guard case let .missing(path, _)? = error as? DatasetError else { return XCTFail("got \(error)") }
            XCTAssertTrue(path.hasSuffix("cifar-10-binary.tar.gz:cifar-10-batches-bin/data_batch_4.bin"), path)
        }
        var tar = DatasetFixtures.tar(DatasetFixtures.cifarMembers(perBatch: 2, test: 2))
        tar[130] ^= 0x01   // a digit of the first header's size field: the header checksum no longer matches
        try DatasetFixtures.write(DatasetFixtures.gzip(tar), to: url)
        XCTAssertThrowsError(try load(dir)) { error in
            guard case let .corruptArchive(_, message)? = error as? DatasetError else { return XCTFail("got \(error)") }
            XCTAssertTrue(message.contains("checksum"), message)
        }
    }

    func testMissingEverythingSaysHowToFetch() {
        let dir = TemporaryDirectory()
        XCTAssertThrowsError(try load(dir)) { error in
            guard case let .missing(_, hint)? = error as? DatasetError else { return XCTFail("got \(error)") }
            XCTAssertTrue(hint.contains("masklab data fetch cifar10"), hint)
        }
    }

    func testExtractWritesTheFolderThatThenLoads() throws {
        let src = TemporaryDirectory(), out = TemporaryDirectory()
        try DatasetFixtures.writeCIFAR(to: src.url, perBatch: 2, test: 3, archived: true)
        let written = try DatasetVerifier.extract("cifar10", root: src.url, to: out.url)
        XCTAssertEqual(written.count, 7)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.path + "/cifar-10-batches-bin/batches.meta.txt"))
        let s = try load(out)
        check(s, perBatch: 2, test: 3)
        let report = try DatasetVerifier.verify("cifar10", root: out.url)
        XCTAssertEqual(report.splits.map(\.count), [10, 3])
        XCTAssertEqual(report.splits[0].classCounts, [5, 5, 0, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertFalse(report.isOfficial)   // counts differ from 50 000 / 10 000
    }

    /// "OK" without a checksum says so: extracted files have no official MD5 (it said a bare "OK").
    func testOKWithoutChecksumsSaysNoneWasCompared() {
        let split = DatasetReport.Split(name: "cifar10/train", count: 50_000, sampleShape: Shape(3, 32, 32), classCounts: [Int](repeating: 5000, count: 10))
        let bare = DatasetReport(dataset: "cifar10", root: "/d", splits: [split], files: [], warnings: [])
        XCTAssertTrue(bare.isOfficial)
        XCTAssertTrue(bare.description.hasSuffix("OK: loaded and counted (no checksum compared: no official archive here, or --no-checksums)"), bare.description)
        let checked = DatasetReport(dataset: "cifar10", root: "/d", splits: [split],
                                    files: [.init(path: "/d/cifar-10-binary.tar.gz", md5: "a", expectedMD5: "a")], warnings: [])
        XCTAssertTrue(checked.description.hasSuffix("\n  OK"), checked.description)
    }

    /// The test split alone is read from its own file: a folder without the training batches (or
    /// MNIST's train files) still evaluates, with the same samples as the full load's test split.
    func testTestSplitLoadsWithoutTheTrainingFiles() throws {
        let full = TemporaryDirectory()
        try DatasetFixtures.writeCIFAR(to: full.url, perBatch: 2, test: 3, archived: false)
        let whole = try DatasetRegistry.load("cifar10", root: full.url, streams: RandomStreams(seed: 0))
        try FileManager.default.removeItem(at: full.url.appendingPathComponent("cifar-10-batches-bin/data_batch_1.bin"))
        XCTAssertThrowsError(try DatasetRegistry.load("cifar10", root: full.url, streams: RandomStreams(seed: 0)))
        let alone = try DatasetRegistry.loadTest("cifar10", root: full.url, classes: [2, 0])
        let selected = try ClassSelection([2, 0], of: CIFAR10.self).apply(to: whole.test)
        XCTAssertEqual(alone.labels, selected.labels)
        XCTAssertEqual(alone.pixels, selected.pixels)
        let mnist = TemporaryDirectory()
        try DatasetFixtures.writeMNIST(to: mnist.url, train: 4, test: 2, gzipped: true)
        let mnistWhole = try DatasetRegistry.load("mnist", root: mnist.url, streams: RandomStreams(seed: 0))
        try FileManager.default.removeItem(at: mnist.file("train-images-idx3-ubyte.gz"))
        let mnistTest = try DatasetRegistry.loadTest("mnist", root: mnist.url)
        XCTAssertEqual(mnistTest.labels, mnistWhole.test.labels)
        XCTAssertEqual(mnistTest.name, "mnist/test")
    }

    func testMNISTExtractAndVerifyChecksums() throws {
        let dir = TemporaryDirectory()
        try DatasetFixtures.writeMNIST(to: dir.url, train: 4, test: 2, gzipped: true)
        let written = try DatasetVerifier.extract("mnist", root: dir.url)
        XCTAssertEqual(written.map { ($0 as NSString).lastPathComponent },
                       ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"])
        XCTAssertEqual(try DatasetFixtures.read(dir.file("t10k-labels-idx1-ubyte")), DatasetFixtures.idxLabels([0, 1]))
        // Extracting a folder that holds only the extracted files says so, not "fetch MNIST".
        let raw = TemporaryDirectory()
        try DatasetFixtures.writeMNIST(to: raw.url, train: 4, test: 2, gzipped: false)
        XCTAssertThrowsError(try DatasetVerifier.extract("mnist", root: raw.url)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("holds the four extracted IDX files already: there is nothing to extract"), text)
        }
        // With one extracted file and the rest missing, the hint is to fetch, not "nothing to extract".
        try FileManager.default.removeItem(at: raw.file("t10k-labels-idx1-ubyte"))
        XCTAssertThrowsError(try DatasetVerifier.extract("mnist", root: raw.url)) { error in
            XCTAssertTrue("\(error)".contains("Fetch MNIST with"), "\(error)")
        }
        let report = try DatasetVerifier.verify("mnist", root: dir.url)
        XCTAssertEqual(report.files.count, 4)
        XCTAssertTrue(report.files.allSatisfy { !$0.matchesOfficial })
        XCTAssertTrue(report.description.contains("NOT the official"))
    }
}
