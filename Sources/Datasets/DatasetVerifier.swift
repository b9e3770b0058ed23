import Foundation
import TensorCore
import Stats

/// What `DatasetVerifier.verify` found: per split the count and class balance, per official file
/// its MD5, and warnings (counts other than the official ones, unofficial checksums).
public struct DatasetReport: Sendable, CustomStringConvertible {
    public struct Split: Sendable {
        public let name: String
        public let count: Int
        public let sampleShape: Shape
        /// Samples per class, `classes` entries.
        public let classCounts: [Int]
    }

    public struct FileCheck: Sendable {
        public let path: String
        public let md5: String
        public let expectedMD5: String
        public var matchesOfficial: Bool { md5 == expectedMD5 }
    }

    public let dataset: String
    public let root: String
    public let splits: [Split]
    /// The official files found in the folder with their MD5s (empty when checksums were not asked
    /// for, or when only an extracted folder exists, which has no official checksum).
    public let files: [FileCheck]
    public let warnings: [String]

    /// Loaded fine and every checked file has its official MD5.
    public var isOfficial: Bool { warnings.isEmpty }

    public var description: String {
        var lines = ["\(dataset) in \(root)"]
        for s in splits {
            lines.append("  \(s.name): \(s.count) samples of \(s.sampleShape), per class \(s.classCounts.map(String.init).joined(separator: " "))")
        }
        for f in files {
            lines.append("  \(f.path): md5 \(f.md5) " + (f.matchesOfficial ? "(official)" : "(NOT the official \(f.expectedMD5))"))
        }
        for w in warnings { lines.append("  warning: \(w)") }
        lines.append(isOfficial ? "  OK" : "  loaded, with \(warnings.count) warning(s)")
        return lines.joined(separator: "\n")
    }
}

/// The checks and conversions behind `masklab data verify` and `masklab data extract`.
public enum DatasetVerifier {
    /// Official sample counts (train, test).
    public static func officialCounts(_ name: String) -> (train: Int, test: Int)? {
        switch name {
        case MNIST.name: return (60_000, 10_000)
        case CIFAR10.name: return (50_000, 10_000)
        default: return nil
        }
    }

    /// Loads dataset `name` from `root` (every content check of the readers applies), reports
    /// counts and class balance, and with `checksums` the MD5 of each official file present.
    /// Throws the reader's error if the data does not load.
    public static func verify(_ name: String, root: URL, checksums: Bool = true) throws(DatasetError) -> DatasetReport {
        let splits = try DatasetRegistry.load(name, root: root, streams: RandomStreams(seed: 0))
        var warnings: [String] = []
        if let official = officialCounts(name) {
            if splits.train.count != official.train {
                warnings.append("train has \(splits.train.count) samples, the official set \(official.train)")
            }
            if splits.test.count != official.test {
                warnings.append("test has \(splits.test.count) samples, the official set \(official.test)")
            }
        }
        var files: [DatasetReport.FileCheck] = []
        if checksums {
            for file in try DatasetSource.official(name).files {
                let path = root.path + "/" + file.name
                guard FileIO.exists(path, directory: false) else { continue }
                let check = DatasetReport.FileCheck(path: path, md5: try MD5.hex(file: path), expectedMD5: file.md5)
                if !check.matchesOfficial { warnings.append("\(file.name) is not the official file (MD5 \(check.md5), official \(file.md5))") }
                files.append(check)
            }
        }
        let report = { (d: Dataset) in
            DatasetReport.Split(name: d.name, count: d.count, sampleShape: d.sampleShape, classCounts: d.classCounts)
        }
        return DatasetReport(dataset: name, root: root.path, splits: [report(splits.train), report(splits.test)],
                             files: files, warnings: warnings)
    }

    /// Unpacks dataset `name`'s archives in `root` into `destination` (default `root`): CIFAR-10's
    /// tarball to `destination/cifar-10-batches-bin/…`, MNIST's `.gz` files to raw IDX files.
    /// Returns the paths written. Tar members with absolute paths or `..` are refused.
    public static func extract(_ name: String, root: URL, to destination: URL? = nil) throws(DatasetError) -> [String] {
        let out = (destination ?? root).path
        try FileIO.makeDirectory(out)
        switch name {
        case CIFAR10.name:
            return try extractTar(root.path + "/" + CIFAR10.archive, into: out)
        case MNIST.name:
            var written: [String] = []
            for file in MNIST.files {
                let from = root.path + "/" + file
                guard FileIO.exists(from, directory: false) else {
                    throw .missing(path: from, hint: "Fetch MNIST with `masklab data fetch mnist`.")
                }
                let to = out + "/" + String(file.dropLast(3))
                let writer = try FileIO.Writer(path: to)
                try Gzip.inflate(path: from) { piece throws(DatasetError) in try writer.write(UnsafeRawBufferPointer(piece)) }
                try writer.finish()
                written.append(to)
            }
            return written
        default:
            throw .unknown(name: name, valid: DatasetRegistry.names)
        }
    }

    /// Writes every regular file of the gzipped tar at `archive` under `folder`.
    static func extractTar(_ archive: String, into folder: String) throws(DatasetError) -> [String] {
        guard FileIO.exists(archive, directory: false) else {
            throw .missing(path: archive, hint: "Fetch CIFAR-10 with `masklab data fetch cifar10`.")
        }
        var written: [String] = []
        var writer: FileIO.Writer?
        var reader = TarReader(path: archive, handlers: .init(
            onEntry: { name, _ throws(DatasetError) in
                let parts = name.split(separator: "/")
                guard !name.hasPrefix("/"), !parts.contains(".."), !parts.isEmpty else {
                    throw .corruptArchive(path: archive, message: "refusing to extract member '\(name)' outside the folder")
                }
                writer = try FileIO.Writer(path: folder + "/" + parts.joined(separator: "/"))
                return true
            },
            onData: { piece throws(DatasetError) in try writer?.write(UnsafeRawBufferPointer(piece)) },
            onEnd: { () throws(DatasetError) in
                if let w = writer {
                    try w.finish()
                    written.append(w.path)
                }
                writer = nil
            }))
        try Gzip.inflate(path: archive) { piece throws(DatasetError) in try reader.feed(piece) }
        try reader.finish()
        return written
    }
}
