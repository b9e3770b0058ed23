import TensorCore

/// What MaskLab knows about one dataset: its shapes and classes, where it is published, how its
/// files load, extract and check, and its standard augmentation. A new dataset is one type
/// conforming to this protocol (its own file, e.g. `MNIST+Definition.swift`) plus one entry in
/// `DatasetRegistry.definitions`; nothing else names a concrete dataset.
public protocol DatasetDefinition {
    /// The registry name (`--dataset`), lower case, e.g. "mnist".
    static var name: String { get }
    /// One line for `masklab data` help: what the set is, its size and format.
    static var summary: String { get }
    /// One sample, CHW, e.g. `[1, 28, 28]`.
    static var sampleShape: Shape { get }
    /// Number of classes; labels lie in `0..<classes`.
    static var classes: Int { get }
    /// Human names of the classes, `classes` entries, in label order.
    static var classNames: [String] { get }
    /// The official sample counts of the training and test splits.
    static var officialCounts: (train: Int, test: Int) { get }
    /// Where the official files are published, with their MD5s and sizes.
    static var source: DatasetSource { get }
    /// The standard training augmentation, or nil for none.
    static var defaultAugmentation: (any Augmentation)? { get }
    /// Loads the official training and test splits from the folder `root`, every content check applied.
    static func load(root: String) throws(DatasetError) -> (train: Dataset, test: Dataset)
    /// Loads the official test split alone (for evaluation, which needs no training data): by
    /// default the test half of `load(root:)`; a dataset whose test files stand apart reads only them.
    static func loadTest(root: String) throws(DatasetError) -> Dataset
    /// Unpacks the archives found in `root` into the folder `destination`, validating them as the
    /// loader does first (nothing is written for an archive the loader refuses); returns the paths written.
    static func extract(root: String, into destination: String) throws(DatasetError) -> [String]
    /// Reads `path`, a downloaded or copied instance of the official `file`, with the dataset's own
    /// reader (every check applied), so a damaged download is refused before it is put in place.
    static func checkFormat(_ file: DatasetFile, path: String) throws(DatasetError)
}

extension DatasetDefinition {
    public static func loadTest(root: String) throws(DatasetError) -> Dataset { try load(root: root).test }
}
