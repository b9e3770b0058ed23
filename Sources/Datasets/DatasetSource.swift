/// One file a dataset is published as, with its official MD5.
public struct DatasetFile: Sendable, Equatable {
    public let name: String
    public let md5: String
    public init(name: String, md5: String) {
        self.name = name
        self.md5 = md5
    }
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
                DatasetFile(name: "train-images-idx3-ubyte.gz", md5: "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                DatasetFile(name: "train-labels-idx1-ubyte.gz", md5: "d53e105ee54ea40749a09fcbcd1e9432"),
                DatasetFile(name: "t10k-images-idx3-ubyte.gz", md5: "9fb629c4189551a2d022fa330f9573f3"),
                DatasetFile(name: "t10k-labels-idx1-ubyte.gz", md5: "ec29112dd5afa0611ce80d1b7f02629c"),
            ])
        case CIFAR10.name:
            return DatasetSource(dataset: name, baseURL: "https://www.cs.toronto.edu/~kriz/", files: [
                DatasetFile(name: CIFAR10.archive, md5: "c32a1d4ab5d03f1284b67883e8d87530"),
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
