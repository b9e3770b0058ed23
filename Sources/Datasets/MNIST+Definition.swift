import Foundation

/// MNIST's registry entry: 28×28 grey digits, 60 000 training and 10 000 test images in four
/// IDX files (gzipped as published), no augmentation.
extension MNIST: DatasetDefinition {
    public static let summary = "MNIST handwritten digits: 60 000 + 10 000 grey 28×28 images, 10 classes (IDX files, gzipped or not)"
    public static let classNames = (0...9).map(String.init)
    public static let officialCounts = (train: 60_000, test: 10_000)
    public static let source = DatasetSource(dataset: name, baseURL: "https://ossci-datasets.s3.amazonaws.com/mnist/", files: [
        DatasetFile(name: "train-images-idx3-ubyte.gz", md5: "f68b3c2dcbeaaa9fbdd348bbdeb94873", size: 9_912_422),
        DatasetFile(name: "train-labels-idx1-ubyte.gz", md5: "d53e105ee54ea40749a09fcbcd1e9432", size: 28_881),
        DatasetFile(name: "t10k-images-idx3-ubyte.gz", md5: "9fb629c4189551a2d022fa330f9573f3", size: 1_648_877),
        DatasetFile(name: "t10k-labels-idx1-ubyte.gz", md5: "ec29112dd5afa0611ce80d1b7f02629c", size: 4_542),
    ])
    public static var defaultAugmentation: (any Augmentation)? { nil }

    /// Inflates the four `.gz` files of `root` into raw IDX files in `destination`, each written as
    /// `NAME.part` and renamed once all four are complete.
    public static func extract(root: String, into destination: String) throws(DatasetError) -> [String] {
        var sources: [String] = []
        for file in files {
            let from = root + "/" + file
            guard FileIO.exists(from, directory: false) else {
                // All four extracted already: nothing to do, and the readers take them as they are.
                let raw = files.map { root + "/" + String($0.dropLast(3)) }
                if files.allSatisfy({ $0.hasSuffix(".gz") }), raw.allSatisfy({ FileIO.exists($0, directory: false) }) {
                    throw .missing(path: from, hint: "\(root) holds the four extracted IDX files already: "
                                   + "there is nothing to extract, and train and eval read them as they are.")
                }
                throw .missing(path: from, hint: "Fetch MNIST with `\(DataFetchHint.command("mnist", root: root))`.")
            }
            sources.append(from)
        }
        _ = try load(images: sources[0], labels: sources[1], name: "mnist/train")
        _ = try load(images: sources[2], labels: sources[3], name: "mnist/test")
        try FileIO.makeDirectory(destination)
        var writers: [FileIO.Writer] = []
        for (from, file) in zip(sources, files) {
            let writer = try FileIO.Writer(path: destination + "/" + String(file.dropLast(3)))
            writers.append(writer)
            try Gzip.inflate(path: from) { piece throws(DatasetError) in try writer.write(UnsafeRawBufferPointer(piece)) }
            try writer.closeFile()
        }
        for writer in writers { try writer.finish() }
        return writers.map(\.path)
    }

    public static func checkFormat(_ file: DatasetFile, path: String) throws(DatasetError) {
        if file.name.contains("labels") { _ = try readLabels(path) } else { _ = try readImages(path) }
    }
}
