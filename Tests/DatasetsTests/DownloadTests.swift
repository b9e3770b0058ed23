import XCTest
import Foundation
import Datasets
import TestSupport

/// The download path against a loopback HTTP server: MNIST and CIFAR-10 over a mirror URL,
/// checksum mismatches (refused, or accepted explicitly), 404s, local archives.
final class DownloadTests: XCTestCase {
    /// Collects events from the downloader's threads.
    final class EventLog: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [DownloadEvent] = []
        func add(_ e: DownloadEvent) { lock.withLock { items.append(e) } }
        var events: [DownloadEvent] { lock.withLock { items } }
        var mismatches: [String] {
            events.compactMap { if case let .checksumMismatchAccepted(file, _, _) = $0 { return file } else { return nil } }
        }
    }

    func testMismatchRefusedThenAcceptedExplicitly() throws {
        let dir = TemporaryDirectory()
        try DatasetFixtures.writeMNIST(to: dir.url, train: 5, test: 3, gzipped: true)
        var files: [String: [UInt8]] = [:]
        for name in ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"] {
            files["mirror/mnist/" + name] = try DatasetFixtures.read(dir.file(name))
        }
        let server = try LoopbackHTTPServer(files: files)
        defer { server.stop() }
        let root = TemporaryDirectory()
        let base = server.baseURL + "mirror/mnist/"

        // Our generated files are not the official ones: refused, nothing left behind.
        XCTAssertThrowsError(try DatasetDownloader(mirror: base).fetch("mnist", into: root.url)) { error in
            XCTAssertEqual(error as? DatasetError, .checksumMismatch(
                path: base + "train-images-idx3-ubyte.gz", expected: "f68b3c2dcbeaaa9fbdd348bbdeb94873",
                got: MD5.hex(files["mirror/mnist/train-images-idx3-ubyte.gz"]!)))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path), [])

        // Accepted explicitly: kept, and every file is reported as a mismatch.
        let log = EventLog()
        let fetched = try DatasetDownloader(mirror: base, acceptChecksumMismatch: true, events: log.add).fetch("mnist", into: root.url)
        XCTAssertEqual(fetched.count, 4)
        XCTAssertTrue(fetched.allSatisfy { !$0.matchesOfficial })
        XCTAssertEqual(log.mismatches.count, 4)
        XCTAssertTrue(log.events.contains { if case .progress = $0 { return true } else { return false } })
        let loaded = try DatasetRegistry.load("mnist", root: root.url, streams: .init(seed: 0))
        XCTAssertEqual(loaded.train.count, 5)
        XCTAssertEqual(loaded.test.count, 3)
        XCTAssertTrue(server.requests.contains("/mirror/mnist/t10k-labels-idx1-ubyte.gz"))
    }

    func testNotFoundIsADownloadError() throws {
        let server = try LoopbackHTTPServer(files: [:])
        defer { server.stop() }
        let root = TemporaryDirectory()
        XCTAssertThrowsError(try DatasetDownloader(mirror: server.baseURL + "nothing/").fetch("cifar10", into: root.url)) { error in
            guard case let .download(url, message)? = error as? DatasetError else { return XCTFail("got \(error)") }
            XCTAssertEqual(url, server.baseURL + "nothing/cifar-10-binary.tar.gz")
            XCTAssertTrue(message.contains("404"), message)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.path + "/cifar-10-binary.tar.gz"))
    }

    func testCIFARArchiveOverHTTPThenLoads() throws {
        let src = TemporaryDirectory()
        try DatasetFixtures.writeCIFAR(to: src.url, perBatch: 60, test: 2, archived: true)   // ≈ 1 MB: many reads
        let bytes = try DatasetFixtures.read(src.file("cifar-10-binary.tar.gz"))
        let server = try LoopbackHTTPServer(files: ["cifar-10-binary.tar.gz": bytes])
        defer { server.stop() }
        let root = TemporaryDirectory()
        let fetched = try DatasetDownloader(mirror: server.baseURL, acceptChecksumMismatch: true).fetch("cifar10", into: root.url)
        XCTAssertEqual(fetched.map(\.md5), [MD5.hex(bytes)])
        XCTAssertEqual(try DatasetRegistry.load("cifar10", root: root.url, streams: .init(seed: 0)).train.count, 300)
        // A second fetch finds the (accepted) file in place and does not download again.
        let before = server.requests.count
        _ = try DatasetDownloader(mirror: server.baseURL, acceptChecksumMismatch: true).fetch("cifar10", into: root.url)
        XCTAssertEqual(server.requests.count, before)
    }

    func testLocalArchiveInstall() throws {
        let src = TemporaryDirectory()
        try DatasetFixtures.writeCIFAR(to: src.url, perBatch: 2, test: 2, archived: true)
        let root = TemporaryDirectory()
        let archive = src.file("cifar-10-binary.tar.gz")
        XCTAssertThrowsError(try DatasetDownloader().install("cifar10", from: archive, into: root.url)) { error in
            guard case .checksumMismatch? = error as? DatasetError else { return XCTFail("got \(error)") }
            XCTAssertTrue("\(error)".contains("add --accept-checksum-mismatch to the fetch command"), "\(error)")
        }
        // A folder instead of the archive: an extracted CIFAR-10 folder is said to need no fetch, an unrelated one is not.
        let extracted = TemporaryDirectory()
        try DatasetFixtures.writeCIFAR(to: extracted.url, perBatch: 2, test: 2, archived: false)
        let folder = extracted.url.appendingPathComponent("cifar-10-batches-bin")
        XCTAssertThrowsError(try DatasetDownloader().install("cifar10", from: folder, into: root.url)) { error in
            XCTAssertTrue("\(error)".contains("The readers take this folder as it is, so it needs no fetch"), "\(error)")
        }
        let unrelated = TemporaryDirectory()
        XCTAssertThrowsError(try DatasetDownloader().install("cifar10", from: unrelated.url, into: root.url)) { error in
            XCTAssertFalse("\(error)".contains("needs no fetch"), "\(error)")
        }
        let log = EventLog()
        let got = try DatasetDownloader(acceptChecksumMismatch: true, events: log.add).install("cifar10", from: archive, into: root.url)
        XCTAssertEqual(got.count, 1)
        XCTAssertEqual(log.mismatches, ["cifar-10-binary.tar.gz"])
        XCTAssertEqual(try DatasetFixtures.read(root.file("cifar-10-binary.tar.gz")), try DatasetFixtures.read(archive))
    }
}
