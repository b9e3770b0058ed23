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
    public static let classNames = ["airplane", "automobile", "bird", "cat", "deer",
                                    "dog", "frog", "horse", "ship", "truck"]

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
                       + "\(tarball). Fetch CIFAR-10 with `masklab data fetch cifar10`.")
    }

    /// Loads from an extracted `cifar-10-batches-bin` folder.
    public static func load(folder: String) throws(DatasetError) -> (train: Dataset, test: Dataset) {
        var batches: [(path: String, bytes: [UInt8])] = []
        for file in trainFiles + [testFile] {
            let path = folder + "/" + file
            guard FileIO.exists(path, directory: false) else {
                throw .missing(path: path, hint: "The CIFAR-10 folder is incomplete; fetch it with `masklab data fetch cifar10`.")
            }
            batches.append((path, try FileIO.readAll(path)))
        }
        let test = try assemble([batches.removeLast()], name: "cifar10/test")
        return (try assemble(batches, name: "cifar10/train"), test)
    }

    /// Loads straight from the gzipped tar archive, streaming it (never extracting to disk).
    public static func load(archive path: String) throws(DatasetError) -> (train: Dataset, test: Dataset) {
        let wanted = Set(trainFiles + [testFile])
        var members: [String: [UInt8]] = [:]
        var memberPaths: [String: String] = [:]
        var current: String?
        var buffer = ByteAccumulator()
        var reader = TarReader(path: path, handlers: .init(
            onEntry: { name, size throws(DatasetError) in
                let base = String(name.split(separator: "/").last ?? "")
                guard wanted.contains(base), members[base] == nil else { return false }
                current = base
                memberPaths[base] = path + ":" + name
                buffer = ByteAccumulator(capacity: size)
                return true
            },
            onData: { piece throws(DatasetError) in buffer.append(piece) },
            onEnd: { () throws(DatasetError) in
                if let c = current { members[c] = buffer.toArray() }
                buffer = ByteAccumulator()
                current = nil
            }))
        try Gzip.inflate(path: path) { piece throws(DatasetError) in try reader.feed(piece) }
        try reader.finish()

        var batches: [(path: String, bytes: [UInt8])] = []
        for file in trainFiles + [testFile] {
            guard let bytes = members.removeValue(forKey: file), let memberPath = memberPaths[file] else {
                throw .missing(path: path + ":" + folder + "/" + file,
                               hint: "The archive lacks this member; fetch the official archive with `masklab data fetch cifar10`.")
            }
            batches.append((memberPath, bytes))
        }
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
