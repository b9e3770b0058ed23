/// One file a dataset is published as, with its official MD5 and size.
public struct DatasetFile: Sendable, Equatable {
    public let name: String
    public let md5: String
    /// The official file's size in bytes.
    public let size: Int
    public init(name: String, md5: String, size: Int) {
        self.name = name
        self.md5 = md5
        self.size = size
    }

    /// The most bytes accepted for this file from a download, a mirror or a local copy: twice
    /// the official size (room for an unofficial copy accepted with `--accept-checksum-mismatch`),
    /// so a server announcing or sending more is cut off at once.
    public var maxSize: Int { 2 * size }
}

/// Where a dataset is published: a base URL and the files under it.
public struct DatasetSource: Sendable, Equatable {
    public let dataset: String
    /// Ends with "/"; file URLs are `baseURL + file.name`.
    public let baseURL: String
    public let files: [DatasetFile]

    public init(dataset: String, baseURL: String, files: [DatasetFile]) {
        self.dataset = dataset
        self.baseURL = baseURL.hasSuffix("/") ? baseURL : baseURL + "/"
        self.files = files
    }

    /// The official source of `name` ("mnist" or "cifar10").
    public static func official(_ name: String) throws(DatasetError) -> DatasetSource {
        switch name {
        case MNIST.name:
            return DatasetSource(dataset: name, baseURL: "https://ossci-datasets.s3.amazonaws.com/mnist/", files: [
                DatasetFile(name: "train-images-idx3-ubyte.gz", md5: "f68b3c2dcbeaaa9fbdd348bbdeb94873", size: 9_912_422),
                DatasetFile(name: "train-labels-idx1-ubyte.gz", md5: "d53e105ee54ea40749a09fcbcd1e9432", size: 28_881),
                DatasetFile(name: "t10k-images-idx3-ubyte.gz", md5: "9fb629c4189551a2d022fa330f9573f3", size: 1_648_877),
                DatasetFile(name: "t10k-labels-idx1-ubyte.gz", md5: "ec29112dd5afa0611ce80d1b7f02629c", size: 4_542),
            ])
        case CIFAR10.name:
            return DatasetSource(dataset: name, baseURL: "https://www.cs.toronto.edu/~kriz/", files: [
                DatasetFile(name: CIFAR10.archive, md5: "c32a1d4ab5d03f1284b67883e8d87530", size: 170_052_171),
            ])
        default:
            throw .unknown(name: name, valid: DatasetRegistry.names)
        }
    }

    /// The same files under another base URL (a mirror).
    public func mirrored(at base: String) -> DatasetSource {
        DatasetSource(dataset: dataset, baseURL: base, files: files)
    }
}
