import Foundation
import TensorCore

/// CIFAR-10 in its binary format (Krizhevsky 2009), from the extracted folder or the `.tar.gz`.
///
/// `cifar-10-batches-bin/data_batch_{1..5}.bin` (training, in that order) and `test_batch.bin`
/// each hold records of 1 label byte (0…9) and 3072 pixel bytes: the 32×32 red plane, then green,
/// then blue, each row-major — already CHW. The official files hold 10 000 records each; any
/// whole number of records is accepted.
public enum CIFAR10 {
    public static let name = "cifar10"
    public static let sampleShape = Shape(3, 32, 32)
    public static let classes = 10
    public static let mean: [Float] = [0.4914, 0.4822, 0.4465]
    public static let std: [Float] = [0.2470, 0.2435, 0.2616]
    /// The official archive and the folder it unpacks to.
    public static let archive = "cifar-10-binary.tar.gz"
    public static let folder = "cifar-10-batches-bin"
    public static let trainFiles = (1...5).map { "data_batch_\($0).bin" }
    public static let testFile = "test_batch.bin"

    /// Bytes per record: the label and 3 · 32 · 32 pixels.
    static let recordSize = 1 + 3072

    /// Loads the official training and test sets from `root`: the folder `root/cifar-10-batches-bin`
    /// (or `root` itself if it holds the batch files), else the archive `root/cifar-10-binary.tar.gz`.
    public static func load(root: String) throws(DatasetError) -> (train: Dataset, test: Dataset) {
        for dir in [root + "/" + folder, root] where FileIO.exists(dir + "/" + testFile, directory: false) {
            return try load(folder: dir)
        }
        let tarball = root + "/" + archive
        if FileIO.exists(tarball, directory: false) { return try load(archive: tarball) }
        throw .missing(path: root + "/" + folder, hint: "Looked for \(root)/\(folder)/, \(root)/\(testFile) and "
                       + "\(tarball). Fetch CIFAR-10 with `\(DataFetchHint.command("cifar10", root: root))`.")
    }

    /// The most records a batch file may hold (the official ones hold 10 000); a batch file or
    /// archive member claiming more bytes than `maxBatchRecords` records is refused before it is read.
    public static let maxBatchRecords = 20_000
    static var maxBatchBytes: Int { maxBatchRecords * recordSize }
    /// The other files of the official folder, extracted but not read.
    static let otherFiles = ["batches.meta.txt", "readme.html"]

    /// Loads the test batch alone: from `root/cifar-10-batches-bin` or `root` when either holds
    /// `test_batch.bin` (the training batches need not be there), else from the archive.
    public static func loadTest(root: String) throws(DatasetError) -> Dataset {
        for dir in [root + "/" + folder, root] where FileIO.exists(dir + "/" + testFile, directory: false) {
            let path = dir + "/" + testFile
            let size = try FileIO.size(path)
            guard size <= maxBatchBytes else {
                throw .sizeOutOfRange(path: path, offset: 0, field: "file size in bytes", limit: maxBatchBytes, got: size)
            }
            return try assemble([(path, try FileIO.readAll(path))], name: "cifar10/test")
        }
        return try load(root: root).test
    }

    /// Loads from an extracted `cifar-10-batches-bin` folder.
    public static func load(folder: String) throws(DatasetError) -> (train: Dataset, test: Dataset) {
        var batches: [(path: String, bytes: [UInt8])] = []
        for file in trainFiles + [testFile] {
            let path = folder + "/" + file
            guard FileIO.exists(path, directory: false) else {
                throw .missing(path: path, hint: "The CIFAR-10 folder is incomplete; fetch it with `masklab data fetch cifar10`.")
            }
            let size = try FileIO.size(path)
            guard size <= maxBatchBytes else {
                throw .sizeOutOfRange(path: path, offset: 0, field: "file size in bytes", limit: maxBatchBytes, got: size)
            }
            batches.append((path, try FileIO.readAll(path)))
        }
        return try assemble(batches)
    }

    /// Loads straight from the gzipped tar archive, streaming it (never extracting to disk).
    public static func load(archive path: String) throws(DatasetError) -> (train: Dataset, test: Dataset) {
        try assemble(batches(in: readArchive(path), archive: path))
    }

    /// The five training batches and the test batch among `members`, in that order.
    static func batches(in members: [ArchiveMember], archive path: String) throws(DatasetError) -> [(path: String, bytes: [UInt8])] {
        var batches: [(path: String, bytes: [UInt8])] = []
        for file in trainFiles + [testFile] {
            guard let member = members.first(where: { $0.file == file }) else {
                throw .missing(path: path + ":" + folder + "/" + file,
                               hint: "The archive lacks this member; fetch the official archive with `masklab data fetch cifar10`.")
            }
            batches.append((member.path, member.bytes))
        }
        return batches
    }

    /// One file of the dataset's folder read from the archive.
    struct ArchiveMember {
        /// The file name inside `cifar-10-batches-bin/`.
        let file: String
        /// `archive:member` for messages.
        let path: String
        let bytes: [UInt8]
    }

    /// The files of `cifar-10-batches-bin/` in the gzipped tar at `path`, in archive order,
    /// selected by their exact path (a leading `./` allowed): a `test_batch.bin` anywhere else
    /// (`decoy/test_batch.bin`) is ignored, so the archive and its extracted folder always give the
    /// same data. Refused: a member path that is absolute or contains `..`, a file of the folder
    /// present twice, a member larger than `maxBatchBytes`.
    static func readArchive(_ path: String) throws(DatasetError) -> [ArchiveMember] {
        var members: [ArchiveMember] = []
        var current: (file: String, path: String)?
        var buffer = ByteAccumulator()
        var reader = TarReader(path: path, memberLimit: maxBatchBytes, handlers: .init(
            onEntry: { name, size, offset throws(DatasetError) in
                guard let file = try fileInFolder(name, archive: path, offset: offset) else { return false }
                guard !members.contains(where: { $0.file == file }) else {
                    throw .corruptArchive(path: path, message: "tar header at byte offset \(offset): expected one member "
                                          + "\(folder)/\(file), got a second one")
                }
                current = (file, path + ":" + name)
                buffer = ByteAccumulator(capacity: min(size, 1 << 20))
                return true
            },
            onData: { piece throws(DatasetError) in buffer.append(piece) },
            onEnd: { () throws(DatasetError) in
                if let c = current { members.append(ArchiveMember(file: c.file, path: c.path, bytes: buffer.toArray())) }
                buffer = ByteAccumulator()
                current = nil
            }))
        try Gzip.inflate(path: path) { piece throws(DatasetError) in try reader.feed(piece) }
        try reader.finish()
        return members
    }

    /// The file name if member `name` is a file directly inside `cifar-10-batches-bin/`, else nil;
    /// throws for a path that would leave the archive's folder (absolute, or with `..`).
    private static func fileInFolder(_ name: String, archive: String, offset: Int) throws(DatasetError) -> String? {
        let parts = name.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        guard !name.hasPrefix("/"), !parts.contains("..") else {
            throw .corruptArchive(path: archive, message: "tar header at byte offset \(offset): expected a relative member "
                                  + "path inside the archive, got '\(name)'")
        }
        guard parts.count == 2, parts[0] == folder else { return nil }
        return String(parts[1])
    }

    /// Validates the five training batches and the test batch (in that order) and builds the splits.
    static func assemble(_ batches: [(path: String, bytes: [UInt8])]) throws(DatasetError) -> (train: Dataset, test: Dataset) {
        var batches = batches
        let test = try assemble([batches.removeLast()], name: "cifar10/test")
        return (try assemble(batches, name: "cifar10/train"), test)
    }

    /// Validates one batch file: whole records, labels in range. Returns the record count.
    static func validate(_ bytes: [UInt8], path: String) throws(DatasetError) -> Int {
        let whole = bytes.count / recordSize
        guard bytes.count > 0, bytes.count % recordSize == 0 else {
            throw .truncated(path: path, offset: whole * recordSize, expected: (whole + 1) * recordSize, got: bytes.count)
        }
        for r in 0..<whole where Int(bytes[r * recordSize]) >= classes {
            throw .labelOutOfRange(path: path, offset: r * recordSize, label: Int(bytes[r * recordSize]), classes: classes)
        }
        return whole
    }

    /// Validates batch files and concatenates their records into one split named `name`.
    static func assemble(_ batches: [(path: String, bytes: [UInt8])], name: String) throws(DatasetError) -> Dataset {
        var counts: [Int] = []
        for b in batches { counts.append(try validate(b.bytes, path: b.path)) }
        let total = counts.reduce(0, +)
        var labels = [Int32](repeating: 0, count: total)
        let pixels = [UInt8](unsafeUninitializedCapacity: total * 3072) { dst, initialised in
            var n = 0
            for (b, count) in zip(batches, counts) {
                b.bytes.withUnsafeBufferPointer { src in
                    for r in 0..<count {
                        labels[n] = Int32(src[r * recordSize])
                        (dst.baseAddress! + n * 3072).update(from: src.baseAddress! + r * recordSize + 1, count: 3072)
                        n += 1
                    }
                }
            }
            initialised = total * 3072
        }
        return Dataset(name: name, sampleShape: sampleShape, classes: classes, pixels: pixels, labels: labels, mean: mean, std: std)
    }

}
