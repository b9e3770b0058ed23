import XCTest
import Foundation
import Datasets
import Stats
import TestSupport

/// The fuzz suite for data files (issue 12): seeded mutations of valid MNIST IDX files (raw and
/// gzipped), CIFAR-10 batch files, CIFAR-10 tarballs (tar headers included) and gzip streams,
/// each fed to the reader in process and, every few cases, to `masklab data verify|extract`.
///
/// Each test is one corpus; `FuzzCase` does the rest (see there how to add a corpus, and
/// `scripts/fuzz` for long runs). By default every corpus runs at most 100 cases or 6 s with seed
/// 12, so CI sees the same few hundred cases each time.
final class DataFuzzTests: XCTestCase {
    override class func setUp() {
        super.setUp()
        print("fuzz: the case in progress is named in \(FuzzCase.breadcrumb.path) (if the test process dies, it says which)")
    }

    // MARK: - Corpora

    func testMNISTGzipped() {
        FuzzCase.check(FuzzCorpus(name: "mnist-idx-gz", seeds: Self.mnistSeeds(gzipped: true),
                                  encode: { bytes, _ in DatasetFixtures.gzip(bytes) },
                                  load: Self.loadMNIST, commands: [Self.verify("mnist"), Self.extract("mnist")])) { XCTFail($0) }
    }

    func testMNISTRaw() {
        FuzzCase.check(FuzzCorpus(name: "mnist-idx-raw", seeds: Self.mnistSeeds(gzipped: false),
                                  load: Self.loadMNIST, commands: [Self.verify("mnist")])) { XCTFail($0) }
    }

    func testCIFARBatchFiles() {
        let members = DatasetFixtures.cifarMembers(perBatch: 2, test: 2)
        var files: [String: [UInt8]] = [:]
        for m in members { files[m.name] = m.data }
        let seeds = [members[0], members[5]].map { m in
            FuzzSeed(file: m.name, bytes: m.data, fields: [FuzzField(offset: 0, width: 4), FuzzField(offset: 3073, width: 4)],
                     companions: files.filter { $0.key != m.name })
        }
        FuzzCase.check(FuzzCorpus(name: "cifar-batch", seeds: seeds, load: Self.loadCIFAR,
                                  commands: [Self.verify("cifar10")])) { XCTFail($0) }
    }

    func testCIFARTarball() {
        let tar = DatasetFixtures.tar(DatasetFixtures.cifarMembers(perBatch: 2, test: 2))
        let headers = ArchiveFixtures.headerOffsets(tar)
        let fields = headers.flatMap { h in [FuzzField(offset: h + 124, width: 12), FuzzField(offset: h + 148, width: 8),
                                             FuzzField(offset: h, width: 8)] }
        let seed = FuzzSeed(file: CIFAR10.archive, bytes: tar, fields: fields)
        // Most cases get their header checksums repaired, so that the size, name and type fields
        // are reached instead of stopping at the checksum.
        let encode: ([UInt8], inout FuzzRandom) -> [UInt8] = { bytes, rng in
            var bytes = bytes
            if rng.chance(0.7) { for h in headers { ArchiveFixtures.fixChecksum(&bytes, header: h) } }
            return DatasetFixtures.gzip(bytes)
        }
        FuzzCase.check(FuzzCorpus(name: "cifar-tarball", seeds: [seed], encode: encode, load: Self.loadCIFAR,
                                  commands: [Self.verify("cifar10"), Self.extract("cifar10")])) { XCTFail($0) }
    }

    func testGzipStreams() {
        let tar = DatasetFixtures.tar(DatasetFixtures.cifarMembers(perBatch: 2, test: 2))
        let mnist = Self.mnistFiles()
        func gzipSeed(_ file: String, _ gz: [UInt8], companions: [String: [UInt8]] = [:]) -> FuzzSeed {
            FuzzSeed(file: file, bytes: gz, fields: [FuzzField(offset: 0, width: 4), FuzzField(offset: 4, width: 4),
                                                     FuzzField(offset: gz.count - 8, width: 4), FuzzField(offset: gz.count - 4, width: 4)],
                     companions: companions)
        }
        func others(_ name: String) -> [String: [UInt8]] {
            mnist.filter { $0.key != name }.mapValues { DatasetFixtures.gzip($0) }.reduce(into: [:]) { $0[$1.key + ".gz"] = $1.value }
        }
        let imagesHeader = Array(DatasetFixtures.idxImages(count: 3).prefix(16))
        let seeds = [
            gzipSeed(CIFAR10.archive, Self.deflated(tar)),                                                  // dynamic Huffman (gzip -9)
            gzipSeed("t10k-labels-idx1-ubyte.gz", Self.deflated(mnist["t10k-labels-idx1-ubyte"]!), companions: others("t10k-labels-idx1-ubyte")),
            gzipSeed("train-images-idx3-ubyte.gz", ArchiveFixtures.gzipWithZeros(prefix: imagesHeader, zeros: 3 * 784),   // fixed Huffman
                     companions: others("train-images-idx3-ubyte")),
            gzipSeed("t10k-images-idx3-ubyte.gz", DatasetFixtures.gzip(mnist["t10k-images-idx3-ubyte"]!),              // stored blocks
                     companions: others("t10k-images-idx3-ubyte")),
        ]
        let isCIFAR = { (folder: URL) in FileManager.default.fileExists(atPath: folder.appendingPathComponent(CIFAR10.archive).path) }
        FuzzCase.check(FuzzCorpus(name: "gzip-stream", seeds: seeds,
                                  load: { folder in try isCIFAR(folder) ? Self.loadCIFAR(folder) : Self.loadMNIST(folder) },
                                  commands: [{ folder in Self.verify(isCIFAR(folder) ? "cifar10" : "mnist")(folder) }])) { XCTFail($0) }
    }

    // MARK: - Seeds, readers and commands

    /// The four MNIST files (raw): 3 training and 2 test samples.
    static func mnistFiles() -> [String: [UInt8]] {
        ["train-images-idx3-ubyte": DatasetFixtures.idxImages(count: 3),
         "train-labels-idx1-ubyte": DatasetFixtures.idxLabels(DatasetFixtures.labels(3)),
         "t10k-images-idx3-ubyte": DatasetFixtures.idxImages(count: 2, offset: 1000),
         "t10k-labels-idx1-ubyte": DatasetFixtures.idxLabels(DatasetFixtures.labels(2))]
    }

    /// Two seeds (training images, test labels), each with the other three files beside it;
    /// `.gz` names when `gzipped` (the corpus's `encode` then gzips the mutated file).
    static func mnistSeeds(gzipped: Bool) -> [FuzzSeed] {
        let files = mnistFiles()
        let suffix = gzipped ? ".gz" : ""
        let headerFields = [
            "train-images-idx3-ubyte": [0, 4, 8, 12].map { FuzzField(offset: $0, width: 4) },
            "t10k-labels-idx1-ubyte": [0, 4].map { FuzzField(offset: $0, width: 4) },
        ]
        return headerFields.keys.sorted().map { name in
            var companions: [String: [UInt8]] = [:]
            for (other, bytes) in files where other != name { companions[other + suffix] = gzipped ? DatasetFixtures.gzip(bytes) : bytes }
            return FuzzSeed(file: name + suffix, bytes: files[name]!, fields: headerFields[name]!, companions: companions)
        }
    }

    static func loadMNIST(_ folder: URL) throws {
        _ = try DatasetRegistry.load("mnist", root: folder, streams: RandomStreams(seed: 0))
    }

    static func loadCIFAR(_ folder: URL) throws {
        _ = try DatasetRegistry.load("cifar10", root: folder, streams: RandomStreams(seed: 0))
    }

    static func verify(_ dataset: String) -> (URL) -> [String] {
        { folder in ["data", "verify", dataset, "--root", folder.path, "--no-checksums"] }
    }

    static func extract(_ dataset: String) -> (URL) -> [String] {
        { folder in ["data", "extract", dataset, "--root", folder.path] }
    }

    /// `bytes` compressed by the system's `gzip -9 -n` (real deflate with dynamic Huffman
    /// blocks), or in stored blocks if there is no `gzip`.
    static func deflated(_ bytes: [UInt8]) -> [UInt8] {
        let dir = TemporaryDirectory("masklab-fuzz-seed")
        let input = dir.file("input"), output = dir.file("input.gz")
        do {
            try DatasetFixtures.write(bytes, to: input)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["gzip", "-9", "-n", "-k", input.path]
            try p.run()
            p.waitUntilExit()
            if p.terminationStatus == 0 { return try DatasetFixtures.read(output) }
        } catch {}
        return DatasetFixtures.gzip(bytes)
    }
}
