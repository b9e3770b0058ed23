import XCTest
import Foundation
@testable import Datasets
import Stats
import TestSupport

/// Hostile and damaged archives (issue 12, items 4, 5 and 10): sizes read from a file are checked
/// before anything is allocated, decompression stops at the size the header gives, the tarball
/// is read by exact member path, and a refused archive leaves nothing behind.
final class ArchiveSafetyTests: XCTestCase {
    private let testMember = "cifar-10-batches-bin/test_batch.bin"

    private func load(_ dir: TemporaryDirectory) throws(DatasetError) -> DataSplits {
        try DatasetRegistry.load("cifar10", root: dir.url, streams: RandomStreams(seed: 1))
    }

    /// A tarball of the generated CIFAR-10 members with the test batch's size field replaced.
    private func tarballWithTestSize(_ edit: (inout [UInt8], Int) -> Void, in dir: TemporaryDirectory) throws -> (url: URL, header: Int) {
        var tar = DatasetFixtures.tar(DatasetFixtures.cifarMembers(perBatch: 2, test: 2))
        let header = ArchiveFixtures.headerOffsets(tar)[5]
        XCTAssertEqual(String(decoding: tar[header..<(header + 35)], as: UTF8.self), testMember)
        edit(&tar, header)
        let url = dir.file(CIFAR10.archive)
        try DatasetFixtures.write(DatasetFixtures.gzip(tar), to: url)
        return (url, header)
    }

    func testTarSizeFieldOf2To56IsRefusedWithOffsetBeforeAllocating() throws {
        let dir = TemporaryDirectory()
        let (url, header) = try tarballWithTestSize({ ArchiveFixtures.setBase256Size(&$0, header: $1, value: 1 << 56) }, in: dir)
        let expected = DatasetError.sizeOutOfRange(path: url.path, offset: header + 124, field: "size of tar member '\(testMember)'",
                                                    limit: CIFAR10.maxBatchRecords * 3073, got: 1 << 56)
        XCTAssertThrowsError(try load(dir)) { XCTAssertEqual($0 as? DatasetError, expected) }
        XCTAssertThrowsError(try DatasetVerifier.extract("cifar10", root: dir.url)) { XCTAssertEqual($0 as? DatasetError, expected) }
        XCTAssertTrue(expected.description.contains("expected at most 61460000, got 72057594037927936"), expected.description)
        // The octal form of a huge size (8¹¹ − 1 bytes) is refused the same way.
        let octal = TemporaryDirectory()
        let (url2, header2) = try tarballWithTestSize({ ArchiveFixtures.setOctalSize(&$0, header: $1, digits: "77777777777") }, in: octal)
        XCTAssertThrowsError(try load(octal)) { error in
            XCTAssertEqual(error as? DatasetError, .sizeOutOfRange(path: url2.path, offset: header2 + 124,
                                                                   field: "size of tar member '\(testMember)'",
                                                                   limit: CIFAR10.maxBatchRecords * 3073, got: 8_589_934_591))
        }
    }

    func testTarSizeLargerThanTheArchiveIsTruncationWithExpectedAndGot() throws {
        let dir = TemporaryDirectory()
        // 20 000 records claimed (within the limit), 2 present: the archive ends inside the member.
        let claimed = 20_000 * 3073
        let (url, header) = try tarballWithTestSize({ ArchiveFixtures.setBase256Size(&$0, header: $1, value: UInt64(claimed)) }, in: dir)
        let tarSize = DatasetFixtures.tar(DatasetFixtures.cifarMembers(perBatch: 2, test: 2)).count
        let end = header + 512 + (claimed + 511) / 512 * 512
        XCTAssertThrowsError(try load(dir)) { error in
            XCTAssertEqual(error as? DatasetError, .truncated(path: url.path, offset: tarSize, expected: end, got: tarSize))
        }
    }

    func testGzipBombStopsAtTheSizeTheIDXHeaderGives() throws {
        let dir = TemporaryDirectory()
        try DatasetFixtures.writeMNIST(to: dir.url, train: 3, test: 2, gzipped: true)
        // The header says 100 images (78 416 bytes); the stream goes on for 8 MB.
        let header = Array(DatasetFixtures.idxImages(count: 100).prefix(16))
        let bomb = ArchiveFixtures.gzipWithZeros(prefix: header, zeros: 8 << 20)
        XCTAssertLessThan(bomb.count, 80_000)
        let url = dir.file("train-images-idx3-ubyte.gz")
        try DatasetFixtures.write(bomb, to: url)
        let size = 16 + 100 * 784
        XCTAssertThrowsError(try DatasetRegistry.load("mnist", root: dir.url, streams: RandomStreams(seed: 1))) { error in
            XCTAssertEqual(error as? DatasetError, .tooLong(
                path: url.path, offset: size, what: "decompressed data (the header at offset 4 gives 100 images, \(size) bytes in all)",
                limit: size))
        }
        XCTAssertTrue(DatasetError.tooLong(path: url.path, offset: size, what: "decompressed data", limit: size).description
                        .contains("goes on past byte offset \(size): expected at most \(size) bytes, got more"))
        // The generic cap: zlib is never asked for more than limit + 1 bytes, the reader sees at most `limit`.
        var seen = 0
        XCTAssertThrowsError(try Gzip.inflate(path: url.path, limit: 1 << 20) { piece throws(DatasetError) in seen += piece.count }) { error in
            XCTAssertEqual(error as? DatasetError, .tooLong(path: url.path, offset: 1 << 20, what: "decompressed data", limit: 1 << 20))
        }
        XCTAssertEqual(seen, 1 << 20)
        // The bomb is a valid gzip stream: without a cap it would decompress whole.
        var all = 0
        try Gzip.inflate(path: url.path, limit: 16 << 20) { piece throws(DatasetError) in all += piece.count }
        XCTAssertEqual(all, 16 + 8 << 20)
    }

    func testHugeIDXCountIsRefusedBeforeReading() throws {
        let dir = TemporaryDirectory()
        try DatasetFixtures.writeMNIST(to: dir.url, train: 3, test: 2, gzipped: false)
        var labels = DatasetFixtures.idxLabels([1, 2, 3])
        labels[4] = 0xff; labels[5] = 0xff; labels[6] = 0xff; labels[7] = 0xff
        try DatasetFixtures.write(labels, to: dir.file("train-labels-idx1-ubyte"))
        XCTAssertThrowsError(try DatasetRegistry.load("mnist", root: dir.url, streams: RandomStreams(seed: 1))) { error in
            XCTAssertEqual(error as? DatasetError, .sizeOutOfRange(path: dir.path + "/train-labels-idx1-ubyte", offset: 4,
                                                                   field: "number of labels", limit: MNIST.maxSamples, got: 0xffff_ffff))
        }
    }

    func testTarballIsReadByExactMemberPathNotBasename() throws {
        let archived = TemporaryDirectory(), extracted = TemporaryDirectory()
        let members = DatasetFixtures.cifarMembers(perBatch: 2, test: 3)
        // A decoy with the test batch's basename, placed first, holding other data.
        let decoy = (name: "decoy/test_batch.bin", data: DatasetFixtures.cifarRecords(labels: [9, 9, 9, 9], offset: 500))
        try DatasetFixtures.write(DatasetFixtures.gzip(DatasetFixtures.tar([decoy] + members)), to: archived.file(CIFAR10.archive))
        let fromArchive = try load(archived)
        XCTAssertEqual(fromArchive.test.count, 3)
        XCTAssertEqual(fromArchive.test.labels, [0, 1, 2])
        _ = try DatasetVerifier.extract("cifar10", root: archived.url, to: extracted.url)
        let fromFolder = try load(extracted)
        XCTAssertEqual(fromFolder.test.pixels, fromArchive.test.pixels)
        XCTAssertEqual(fromFolder.train.pixels, fromArchive.train.pixels)
        XCTAssertFalse(FileManager.default.fileExists(atPath: extracted.path + "/decoy"))
    }

    func testDuplicateAndEscapingMembersAreRefused() throws {
        let dir = TemporaryDirectory()
        var members = DatasetFixtures.cifarMembers(perBatch: 2, test: 2)
        members.append(members[5])
        try DatasetFixtures.write(DatasetFixtures.gzip(DatasetFixtures.tar(members)), to: dir.file(CIFAR10.archive))
        XCTAssertThrowsError(try load(dir)) { error in
            guard case let .corruptArchive(_, message)? = error as? DatasetError else { return XCTFail("got \(error)") }
            XCTAssertTrue(message.contains("expected one member cifar-10-batches-bin/test_batch.bin, got a second one"), message)
        }
        members.removeLast()
        members.append((name: "../escape.bin", data: [1, 2, 3]))
        try DatasetFixtures.write(DatasetFixtures.gzip(DatasetFixtures.tar(members)), to: dir.file(CIFAR10.archive))
        XCTAssertThrowsError(try DatasetVerifier.extract("cifar10", root: dir.url)) { error in
            guard case let .corruptArchive(_, message)? = error as? DatasetError else { return XCTFail("got \(error)") }
            XCTAssertTrue(message.contains("got '../escape.bin'"), message)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path + "/cifar-10-batches-bin"))
    }

    func testRefusedArchiveLeavesNothingExtracted() throws {
        let dir = TemporaryDirectory()
        var members = DatasetFixtures.cifarMembers(perBatch: 2, test: 2)
        members[5].data[3073] = 10   // a label out of range in the test batch, after five good members
        try DatasetFixtures.write(DatasetFixtures.gzip(DatasetFixtures.tar(members)), to: dir.file(CIFAR10.archive))
        XCTAssertThrowsError(try load(dir))
        XCTAssertThrowsError(try DatasetVerifier.extract("cifar10", root: dir.url)) { error in
            XCTAssertEqual(error as? DatasetError, .labelOutOfRange(path: dir.path + "/" + CIFAR10.archive + ":" + self.testMember,
                                                                    offset: 3073, label: 10, classes: 10))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [CIFAR10.archive])
        // MNIST: a bad test-labels file refuses the whole extraction; no raw file appears.
        let mnist = TemporaryDirectory()
        try DatasetFixtures.writeMNIST(to: mnist.url, train: 3, test: 2, gzipped: true)
        try DatasetFixtures.write(DatasetFixtures.gzip(DatasetFixtures.idxLabels([0, 11])), to: mnist.file("t10k-labels-idx1-ubyte.gz"))
        XCTAssertThrowsError(try DatasetVerifier.extract("mnist", root: mnist.url))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: mnist.path).sorted(), MNIST.files.sorted())
    }

    func testExtractExitsNonZeroForArchivesTheLoaderRejects() throws {
        let dir = TemporaryDirectory()
        var members = DatasetFixtures.cifarMembers(perBatch: 2, test: 2)
        members[2].data.removeLast(7)   // data_batch_3.bin: not a whole number of records
        try DatasetFixtures.write(DatasetFixtures.gzip(DatasetFixtures.tar(members)), to: dir.file(CIFAR10.archive))
        let result = try CommandRunner.run(["data", "extract", "cifar10", "--root", dir.path], timeout: 60)
        XCTAssertNotEqual(result.status, 0, "\(result)")
        XCTAssertTrue(result.stderr.contains("data_batch_3.bin") && result.stderr.contains("offset 3073: expected 6146 bytes, got 6139"), result.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [CIFAR10.archive])
    }

    func testPlantedPartSymlinksAreNeverFollowed() throws {
        let outside = TemporaryDirectory(), dir = TemporaryDirectory()
        let victim = outside.file("victim")
        try DatasetFixtures.write(Array("precious".utf8), to: victim)
        try DatasetFixtures.writeMNIST(to: dir.url, train: 3, test: 2, gzipped: true)
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/train-images-idx3-ubyte.part", withDestinationPath: victim.path)
        try DatasetFixtures.writeCIFAR(to: dir.url, perBatch: 2, test: 2, archived: true)
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/.cifar-10-batches-bin.extracting", withDestinationPath: outside.path)
        _ = try DatasetVerifier.extract("mnist", root: dir.url)
        _ = try DatasetVerifier.extract("cifar10", root: dir.url)
        XCTAssertEqual(try DatasetFixtures.read(victim), Array("precious".utf8))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outside.path), ["victim"])
        XCTAssertEqual(try DatasetFixtures.read(dir.file("train-images-idx3-ubyte")), DatasetFixtures.idxImages(count: 3))
        XCTAssertEqual(try load(dir).test.count, 2)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        XCTAssertFalse(names.contains { $0.hasSuffix(".part") || $0.hasPrefix(".") }, "\(names)")
    }
}
