import Foundation
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

    /// Loads the official test set alone from `root` (or `root/mnist`): the two `t10k` files.
    public static func loadTest(root: String) throws(DatasetError) -> Dataset {
        try load(images: locate("t10k-images-idx3-ubyte", in: root), labels: locate("t10k-labels-idx1-ubyte", in: root), name: "mnist/test")
    }

    /// Loads one split from an images file and a labels file (raw or gzipped).
    public static func load(images: String, labels: String, name: String) throws(DatasetError) -> Dataset {
        let (count, pixels) = try readImages(images)
        let labelValues = try readLabels(labels)
        guard labelValues.count == count else {
            throw .countMismatch(path: labels, what: "number of labels (header offset 4) vs images (header offset 4) in \(images)",
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
                       hint: "Looked for \(candidates.joined(separator: ", ")). Fetch MNIST with `\(DataFetchHint.command("mnist", root: root))`.")
    }

    /// The most samples an IDX file may claim (the official training set has 60 000): a count
    /// above it is refused before anything is allocated.
    public static let maxSamples = 1_000_000

    static let imagesKind = IDXReader.Kind(magic: imagesMagic, headerSize: 16, imageSize: (28, 28))
    static let labelsKind = IDXReader.Kind(magic: labelsMagic, headerSize: 8, imageSize: nil)

    /// Validates an images file (raw or gzipped) and returns the sample count and the pixel bytes.
    static func readImages(_ path: String) throws(DatasetError) -> (Int, [UInt8]) {
        try checkExists(path)
        let (count, pixels) = try IDXReader(path: path, kind: imagesKind, maxCount: maxSamples).read()
        return (count, pixels)
    }

    /// Validates a labels file (raw or gzipped) and returns its labels.
    static func readLabels(_ path: String) throws(DatasetError) -> [Int32] {
        try checkExists(path)
        let (count, bytes) = try IDXReader(path: path, kind: labelsKind, maxCount: maxSamples).read()
        var labels = [Int32](repeating: 0, count: count)
        for i in 0..<count {
            let b = bytes[i]
            guard Int(b) < classes else {
                throw .labelOutOfRange(path: path, offset: labelsKind.headerSize + i, label: Int(b), classes: classes)
            }
            labels[i] = Int32(b)
        }
        return labels
    }

    private static func checkExists(_ path: String) throws(DatasetError) {
        guard FileIO.exists(path, directory: false) else {
            throw .missing(path: path, hint: "Fetch MNIST with `\(DataFetchHint.command("mnist", root: (path as NSString).deletingLastPathComponent))`.")
        }
    }
}

/// The big-endian 32-bit integer at `offset` of `bytes` (which must hold 4 bytes there).
@inline(__always)
func bigEndian32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
    UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
}
