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
    /// Departures from the official set other than a file's MD5 (sample counts); the files that
    /// are not the official ones are in `files`, marked on their own line.
    public let warnings: [String]

    /// The checked files whose MD5 is not the official one.
    public var unofficialFiles: [FileCheck] { files.filter { !$0.matchesOfficial } }

    /// Loaded fine and every checked file has its official MD5.
    public var isOfficial: Bool { warnings.isEmpty && unofficialFiles.isEmpty }

    public var description: String {
        var lines = ["\(dataset) in \(root)"]
        for s in splits {
            lines.append("  \(s.name): \(s.count) samples of \(s.sampleShape), per class \(s.classCounts.map(String.init).joined(separator: " "))")
        }
        for f in files {
            lines.append("  \(f.path): md5 \(f.md5) " + (f.matchesOfficial ? "(official)" : "(NOT the official \(f.expectedMD5))"))
        }
        for w in warnings { lines.append("  warning: \(w)") }
        let n = warnings.count, m = unofficialFiles.count
        var departures = n == 0 ? [] : ["\(n) warning\(n == 1 ? "" : "s") above"]
        if m > 0 { departures.append(m == 1 ? "1 file not the official one (marked NOT above)" : "\(m) files not the official ones (marked NOT above)") }
        // Extracted files (or --no-checksums) have no official MD5 to compare: "OK" says only that they load.
        let ok = files.isEmpty ? "  OK: loaded and counted (no checksum compared: no official archive here, or --no-checksums)" : "  OK"
        lines.append(isOfficial ? ok : "  loaded, with " + departures.joined(separator: " and "))
        return lines.joined(separator: "\n")
    }
}

/// The checks and conversions behind `masklab data verify` and `masklab data extract`.
public enum DatasetVerifier {
    /// Official sample counts (train, test).
    public static func officialCounts(_ name: String) -> (train: Int, test: Int)? {
        (try? DatasetRegistry.definition(name))?.officialCounts
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
    /// Returns the paths written.
    ///
    /// The archives are first validated exactly as the loaders validate them (the same code), so
    /// an archive the loader refuses is refused here too, and nothing is written for it. CIFAR-10
    /// is then written into a hidden sibling folder and renamed into place; MNIST's files are
    /// written as `NAME.part` and renamed once all four are complete.
    public static func extract(_ name: String, root: URL, to destination: URL? = nil) throws(DatasetError) -> [String] {
        try DatasetRegistry.definition(name).extract(root: root.path, into: (destination ?? root).path)
    }

    /// Writes `members` into a fresh hidden sibling of `folder`, then renames it to `folder`
    /// (replacing what was there, a symbolic link included, without following it).
    static func writeFolder(_ members: [CIFAR10.ArchiveMember], into folder: String) throws(DatasetError) -> [String] {
        let parent = FileIO.parent(of: folder), base = (folder as NSString).lastPathComponent
        let staging = parent + "/." + base + ".extracting"
        let old = parent + "/." + base + ".replaced"
        let fm = FileManager.default
        try? fm.removeItem(atPath: staging)
        guard mkdir(staging, 0o755) == 0 else {
            throw .io(path: staging, message: "cannot create folder: \(String(cString: strerror(errno)))")
        }
        var placed = false
        defer { if !placed { try? fm.removeItem(atPath: staging) } }
        for member in members {
            let writer = try FileIO.Writer(path: staging + "/" + member.file)
            try member.bytes.withUnsafeBytes { b in Result { () throws(DatasetError) in try writer.write(b) } }.get()
            try writer.finish()
        }
        var st = stat()
        let existed = lstat(folder, &st) == 0
        if existed {
            try? fm.removeItem(atPath: old)
            guard rename(folder, old) == 0 else {
                throw .io(path: folder, message: "cannot move the existing folder aside: \(String(cString: strerror(errno)))")
            }
        }
        guard rename(staging, folder) == 0 else {
            let message = String(cString: strerror(errno))
            if existed { rename(old, folder) }
            throw .io(path: folder, message: "cannot rename from \(staging): \(message)")
        }
        placed = true
        if existed { try? fm.removeItem(atPath: old) }
        return members.map { folder + "/" + $0.file }
    }
}
