import TensorCore

/// MNIST in the IDX format (LeCun et al.), raw or gzipped.
///
/// Images file: big-endian header `0x00000803`, count, rows (28), cols (28), then
/// `count · 28 · 28` pixel bytes, row-major. Labels file: `0x00000801`, count, then `count` bytes
/// in 0…9. Gzipped files are recognised by their content, not their name; offsets in errors
/// count decompressed bytes.
public enum MNIST {
    public static let name = "mnist"
    public static let sampleShape = Shape(1, 28, 28)
    public static let classes = 10
    public static let mean: [Float] = [0.1307]
    public static let std: [Float] = [0.3081]
    /// The official files (each may also be present without `.gz`).
    public static let files = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                               "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]

    static let imagesMagic: UInt32 = 0x0000_0803
    static let labelsMagic: UInt32 = 0x0000_0801

    /// Loads the official training and test sets from `root` (or `root/mnist`).
    public static func load(root: String) throws(DatasetError) -> (train: Dataset, test: Dataset) {
        let train = try load(images: locate("train-images-idx3-ubyte", in: root),
                             labels: locate("train-labels-idx1-ubyte", in: root), name: "mnist/train")
        let test = try load(images: locate("t10k-images-idx3-ubyte", in: root),
                            labels: locate("t10k-labels-idx1-ubyte", in: root), name: "mnist/test")
        return (train, test)
    }

    /// Loads one split from an images file and a labels file (raw or gzipped).
    public static func load(images: String, labels: String, name: String) throws(DatasetError) -> Dataset {
        let imageBytes = try readMaybeGzip(images)
        let labelBytes = try readMaybeGzip(labels)
        let (count, pixels) = try parseImages(imageBytes, path: images)
        let labelValues = try parseLabels(labelBytes, path: labels)
        guard labelValues.count == count else {
            throw .countMismatch(path: labels, what: "number of labels vs images in \(images)",
                                 expected: count, got: labelValues.count)
        }
        return Dataset(name: name, sampleShape: sampleShape, classes: classes, pixels: pixels,
                       labels: labelValues, mean: mean, std: std)
    }

    /// The path of `base` or `base.gz` in `root` or `root/mnist` (the first that exists).
    static func locate(_ base: String, in root: String) throws(DatasetError) -> String {
        let candidates = [root + "/" + base, root + "/" + base + ".gz",
                          root + "/mnist/" + base, root + "/mnist/" + base + ".gz"]
        if let found = candidates.first(where: { FileIO.exists($0, directory: false) }) { return found }
        throw .missing(path: root + "/" + base + ".gz",
                       hint: "Looked for \(candidates.joined(separator: ", ")). Fetch MNIST with `masklab data fetch mnist`.")
    }

    /// The bytes of `path`, decompressed if it is gzip.
    static func readMaybeGzip(_ path: String) throws(DatasetError) -> [UInt8] {
        guard FileIO.exists(path, directory: false) else {
            throw .missing(path: path, hint: "Fetch MNIST with `masklab data fetch mnist`.")
        }
        return try Gzip.isGzip(path: path) ? Gzip.inflateAll(path: path) : FileIO.readAll(path)
    }

    /// Validates an images file and returns the sample count and the pixel bytes.
    static func parseImages(_ bytes: [UInt8], path: String) throws(DatasetError) -> (Int, [UInt8]) {
        let headerSize = 16
        guard bytes.count >= 4 else { throw .truncated(path: path, offset: bytes.count, expected: headerSize, got: bytes.count) }
        let magic = bigEndian32(bytes, 0)
        guard magic == imagesMagic else { throw .badMagic(path: path, offset: 0, expected: imagesMagic, got: magic) }
        guard bytes.count >= headerSize else {
            throw .truncated(path: path, offset: bytes.count, expected: headerSize, got: bytes.count)
        }
        let count = Int(bigEndian32(bytes, 4))
        let rows = Int(bigEndian32(bytes, 8)), cols = Int(bigEndian32(bytes, 12))
        guard rows == 28 else { throw .badHeader(path: path, offset: 8, field: "rows", expected: 28, got: rows) }
        guard cols == 28 else { throw .badHeader(path: path, offset: 12, field: "cols", expected: 28, got: cols) }
        let expected = headerSize + count * rows * cols
        guard bytes.count >= expected else {
            throw .truncated(path: path, offset: bytes.count, expected: expected, got: bytes.count)
        }
        guard bytes.count == expected else {
            throw .countMismatch(path: path, what: "file size in bytes for \(count) images (extra data at offset \(expected))",
                                 expected: expected, got: bytes.count)
        }
        return (count, copyBytes(bytes, headerSize..<bytes.count))
    }

    /// Validates a labels file and returns its labels.
    static func parseLabels(_ bytes: [UInt8], path: String) throws(DatasetError) -> [Int32] {
        let headerSize = 8
        guard bytes.count >= 4 else { throw .truncated(path: path, offset: bytes.count, expected: headerSize, got: bytes.count) }
        let magic = bigEndian32(bytes, 0)
        guard magic == labelsMagic else { throw .badMagic(path: path, offset: 0, expected: labelsMagic, got: magic) }
        guard bytes.count >= headerSize else {
            throw .truncated(path: path, offset: bytes.count, expected: headerSize, got: bytes.count)
        }
        let count = Int(bigEndian32(bytes, 4))
        let expected = headerSize + count
        guard bytes.count >= expected else {
            throw .truncated(path: path, offset: bytes.count, expected: expected, got: bytes.count)
        }
        guard bytes.count == expected else {
            throw .countMismatch(path: path, what: "file size in bytes for \(count) labels (extra data at offset \(expected))",
                                 expected: expected, got: bytes.count)
        }
        var labels = [Int32](repeating: 0, count: count)
        for i in 0..<count {
            let b = bytes[headerSize + i]
            guard Int(b) < classes else {
                throw .labelOutOfRange(path: path, offset: headerSize + i, label: Int(b), classes: classes)
            }
            labels[i] = Int32(b)
        }
        return labels
    }
}

/// The big-endian 32-bit integer at `offset` of `bytes` (which must hold 4 bytes there).
@inline(__always)
func bigEndian32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
    UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
}
