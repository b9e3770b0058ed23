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

    /// The official source of dataset `name` (its definition's).
    public static func official(_ name: String) throws(DatasetError) -> DatasetSource {
        try DatasetRegistry.definition(name).source
    }

    /// The same files under another base URL (a mirror).
    public func mirrored(at base: String) -> DatasetSource {
        DatasetSource(dataset: dataset, baseURL: base, files: files)
    }
}
