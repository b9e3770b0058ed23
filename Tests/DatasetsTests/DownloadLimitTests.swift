import XCTest
import Foundation
import Datasets
import TestSupport

/// Misbehaving download servers on 127.0.0.1 (issue 12, item 8): a trickle or a stall fails
/// within the configured window and says so in words, a huge size is refused before or while
/// writing, a refused file leaves nothing anywhere (not in the data folder, not in the system's
/// temporary folder), and accepting a checksum mismatch still runs the format check.
final class DownloadLimitTests: XCTestCase {
    /// One-second windows, for the tests of the time limits: each fails its download within
    /// about two seconds (the assertions allow eight, for a loaded machine).
    private let fast = DownloadLimits(window: 1, minimumRate: 1000, deadline: 20)
    /// Loose time limits for the other tests, so that a busy machine never trips them.
    private let relaxed = DownloadLimits(window: 30, minimumRate: 1, deadline: 60)

    private func fetchError(_ responses: [String: LoopbackHTTPServer.Response], dataset: String = "mnist",
                            accept: Bool = false, limits: DownloadLimits? = nil, root: TemporaryDirectory) throws -> (DatasetError, Double) {
        let server = try LoopbackHTTPServer(responses: responses, lifetime: 30)
        defer { server.stop() }
        let start = Date()
        do {
            _ = try DatasetDownloader(mirror: server.baseURL, acceptChecksumMismatch: accept, limits: limits ?? relaxed)
                .fetch(dataset, into: root.url)
        } catch {
            return (error, Date().timeIntervalSince(start))
        }
        XCTFail("the fetch succeeded")
        return (.io(path: "", message: ""), 0)
    }

    private func assertEmpty(_ root: TemporaryDirectory, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path), [], file: file, line: line)
    }

    func testTrickleIsTooSlowWithinTheWindow() throws {
        let root = TemporaryDirectory()
        let (error, elapsed) = try fetchError(["train-images-idx3-ubyte.gz": .trickle([UInt8](repeating: 7, count: 500), interval: 0.2)],
                                              limits: fast, root: root)
        guard case let .download(url, message) = error else { return XCTFail("got \(error)") }
        XCTAssertTrue(url.hasSuffix("/train-images-idx3-ubyte.gz"), url)
        XCTAssertTrue(message.hasPrefix("too slow: ") && message.contains("bytes in 1") && message.contains("1000 bytes/s"), message)
        XCTAssertLessThan(elapsed, 8)
        try assertEmpty(root)
    }

    func testStallSaysNoDataForNSeconds() throws {
        let root = TemporaryDirectory()
        let (error, elapsed) = try fetchError(["train-images-idx3-ubyte.gz": .stall(claimedLength: 1000)], limits: fast, root: root)
        guard case let .download(_, message) = error else { return XCTFail("got \(error)") }
        XCTAssertEqual(message, "no data for 1 s from the server")
        XCTAssertFalse(error.description.contains("NSURLErrorDomain"), error.description)
        XCTAssertLessThan(elapsed, 8)
        try assertEmpty(root)
    }

    /// Valid MNIST fixtures for the first three files and `last` for the test labels, whose cap
    /// (twice the official 4 542 bytes) is small enough to reach at once.
    private func mnistEndingWith(_ last: LoopbackHTTPServer.Response) -> [String: LoopbackHTTPServer.Response] {
        ["train-images-idx3-ubyte.gz": .file(DatasetFixtures.gzip(DatasetFixtures.idxImages(count: 4))),
         "train-labels-idx1-ubyte.gz": .file(DatasetFixtures.gzip(DatasetFixtures.idxLabels(DatasetFixtures.labels(4)))),
         "t10k-images-idx3-ubyte.gz": .file(DatasetFixtures.gzip(DatasetFixtures.idxImages(count: 2))),
         "t10k-labels-idx1-ubyte.gz": last]
    }

    private func assertOnlyTheFirstThree(_ root: TemporaryDirectory, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path).sorted(),
                       ["t10k-images-idx3-ubyte.gz", "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"], file: file, line: line)
    }

    func testHugeAnnouncedSizeIsRefusedBeforeWriting() throws {
        let root = TemporaryDirectory()
        let (error, _) = try fetchError(mnistEndingWith(.endless(claimedLength: 100_000_000_000)), accept: true, root: root)
        XCTAssertEqual(error, .download(url: "", message: "").withURL(of: error,
            message: "the server announces 100000000000 bytes, more than the 9084 bytes accepted for this file"))
        try assertOnlyTheFirstThree(root)
    }

    func testEndlessBodyIsCutAtTheCap() throws {
        let root = TemporaryDirectory()
        let (error, _) = try fetchError(mnistEndingWith(.endless(claimedLength: nil)), accept: true, root: root)
        XCTAssertEqual(error, .download(url: "", message: "").withURL(of: error,
            message: "more than 9084 bytes received, the most accepted for this file"))
        try assertOnlyTheFirstThree(root)
    }

    func testAcceptedMismatchStillRefusesAnHTMLPageOrACutArchive() throws {
        let root = TemporaryDirectory()
        let html = Array("<!DOCTYPE html><html><body>Service unavailable</body></html>\n".utf8)
        let (error, _) = try fetchError(["train-images-idx3-ubyte.gz": .file(html)], accept: true, root: root)
        guard case let .badMagic(path, offset, expected, _) = error else { return XCTFail("got \(error)") }
        XCTAssertTrue(path.hasSuffix("train-images-idx3-ubyte.gz.part"), path)
        XCTAssertEqual([offset, Int(expected)], [0, 0x803])
        try assertEmpty(root)

        let src = TemporaryDirectory()
        try DatasetFixtures.writeCIFAR(to: src.url, perBatch: 3, test: 2, archived: true)
        let archive = try DatasetFixtures.read(src.file("cifar-10-binary.tar.gz"))
        let (cut, _) = try fetchError(["cifar-10-binary.tar.gz": .file(Array(archive.prefix(archive.count - 5000)))],
                                      dataset: "cifar10", accept: true, root: root)
        guard case let .corruptArchive(_, message) = cut else { return XCTFail("got \(cut)") }
        XCTAssertTrue(message.contains("unexpected end of gzip stream"), message)
        try assertEmpty(root)
    }

    func testPlantedPartSymlinkIsReplacedNotFollowed() throws {
        let outside = TemporaryDirectory(), root = TemporaryDirectory()
        let victim = outside.file("victim")
        try DatasetFixtures.write(Array("precious".utf8), to: victim)
        try FileManager.default.createSymbolicLink(atPath: root.path + "/t10k-labels-idx1-ubyte.gz.part", withDestinationPath: victim.path)
        var files: [String: [UInt8]] = [:]
        files["train-images-idx3-ubyte.gz"] = DatasetFixtures.gzip(DatasetFixtures.idxImages(count: 4))
        files["train-labels-idx1-ubyte.gz"] = DatasetFixtures.gzip(DatasetFixtures.idxLabels(DatasetFixtures.labels(4)))
        files["t10k-images-idx3-ubyte.gz"] = DatasetFixtures.gzip(DatasetFixtures.idxImages(count: 2))
        files["t10k-labels-idx1-ubyte.gz"] = DatasetFixtures.gzip(DatasetFixtures.idxLabels(DatasetFixtures.labels(2)))
        let server = try LoopbackHTTPServer(files: files)
        defer { server.stop() }
        _ = try DatasetDownloader(mirror: server.baseURL, acceptChecksumMismatch: true, limits: relaxed).fetch("mnist", into: root.url)
        XCTAssertEqual(try DatasetFixtures.read(victim), Array("precious".utf8))
        XCTAssertEqual(try DatasetFixtures.read(root.file("t10k-labels-idx1-ubyte.gz")), files["t10k-labels-idx1-ubyte.gz"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path).sorted(), files.keys.sorted())
    }

    /// The real command: a stalled server gives a message in words and exit ≠ 0, and nothing is
    /// left in the data folder or in the (private) system temporary folder.
    func testCommandStallLeavesNoTemporaryFiles() throws {
        let server = try LoopbackHTTPServer(responses: ["train-images-idx3-ubyte.gz": .stall(claimedLength: 5000)], lifetime: 30)
        defer { server.stop() }
        let root = TemporaryDirectory(), tmp = TemporaryDirectory()
        let result = try CommandRunner.run(["data", "fetch", "mnist", "--root", root.path, "--mirror", server.baseURL, "--timeout", "1"],
                                           environment: ["TMPDIR": tmp.path], timeout: 60)
        XCTAssertNotEqual(result.status, 0, "\(result)")
        XCTAssertTrue(result.stderr.contains("no data for 1 s from the server"), result.stderr)
        XCTAssertFalse(result.stderr.contains("NSURLErrorDomain"), result.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp.path), [])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path), [])
        let bad = try CommandRunner.run(["data", "fetch", "mnist", "--root", root.path, "--min-rate", "0"], timeout: 60)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--min-rate must be a positive number of bytes per second, got 0.0"), bad.stderr)
    }
}

private extension DatasetError {
    /// A `.download` error with the URL of `other` (for comparing messages only).
    func withURL(of other: DatasetError, message: String) -> DatasetError {
        guard case let .download(url, _) = other else { return self }
        return .download(url: url, message: message)
    }
}
