import Foundation
import Stats

/// Where datasets live and how they load: one entry per dataset name.
public enum DatasetRegistry {
    /// Every dataset MaskLab reads; a new one is its `DatasetDefinition` type plus one line here.
    public static let definitions: [any DatasetDefinition.Type] = [
        MNIST.self,
        CIFAR10.self,
    ]

    /// The dataset names `load` accepts.
    public static var names: [String] { definitions.map { $0.name } }

    /// The definition of dataset `name`.
    public static func definition(_ name: String) throws(DatasetError) -> any DatasetDefinition.Type {
        guard let d = definitions.first(where: { $0.name == name }) else { throw .unknown(name: name, valid: names) }
        return d
    }

    /// Loads `name` from `root` (a folder holding the official files, see below), keeping only the
    /// samples of `classes` when given (original labels, relabelled `0..<classes.count` in the
    /// order given, in both splits: see `ClassSelection`), with `validation` samples held out of
    /// train by a seeded split (streams.stream(.validationSplit)), 0 = none.
    ///
    /// MNIST: the four IDX files, gzipped or not, in `root` or `root/mnist`. CIFAR-10: the folder
    /// `root/cifar-10-batches-bin`, else the archive `root/cifar-10-binary.tar.gz` read directly.
    public static func load(_ name: String, root: URL, classes: [Int]? = nil, validation: Int = 0, streams: RandomStreams) throws(DatasetError) -> DataSplits {
        let definition = try definition(name)
        let path = root.path
        guard FileIO.exists(path, directory: true) else {
            throw .missing(path: path, hint: "The data folder does not exist. Fetch data with `\(DataFetchHint.command(name, root: path))`.")
        }
        var loaded = try definition.load(root: path)
        if let classes {
            let selection = try ClassSelection(classes, of: definition)
            loaded = (selection.apply(to: loaded.train), selection.apply(to: loaded.test))
        }
        guard validation > 0 else { return DataSplits(train: loaded.train, validation: nil, test: loaded.test) }
        let (train, held) = try split(loaded.train, validation: validation, streams: streams)
        return DataSplits(train: train, validation: held, test: loaded.test)
    }

    /// The test split of `name` alone from `root` (`DatasetDefinition.loadTest`), keeping only the
    /// samples of `classes` when given, relabelled as `load` relabels them.
    public static func loadTest(_ name: String, root: URL, classes: [Int]? = nil) throws(DatasetError) -> Dataset {
        let definition = try definition(name)
        guard FileIO.exists(root.path, directory: true) else {
            throw .missing(path: root.path, hint: "The data folder does not exist. Fetch data with `\(DataFetchHint.command(name, root: root.path))`.")
        }
        let test = try definition.loadTest(root: root.path)
        guard let classes else { return test }
        return try ClassSelection(classes, of: definition).apply(to: test)
    }

    /// Splits `dataset` ("x/train") into train and a `validation`-sample held-out set ("x/validation"):
    /// the first `validation` entries of `streams.stream(.validationSplit).permutation(count)` are
    /// held out; both parts keep the original sample order.
    public static func split(_ dataset: Dataset, validation: Int, streams: RandomStreams) throws(DatasetError) -> (train: Dataset, validation: Dataset) {
        guard validation >= 0 && validation < dataset.count else {
            throw .validationTooLarge(name: dataset.name, requested: validation, available: dataset.count)
        }
        let permutation = streams.stream(.validationSplit).permutation(dataset.count)
        var held = [Bool](repeating: false, count: dataset.count)
        for i in permutation.prefix(validation) { held[Int(i)] = true }
        let trainIndices = (0..<dataset.count).filter { !held[$0] }
        let validationIndices = (0..<dataset.count).filter { held[$0] }
        let base = dataset.name.split(separator: "/").first.map(String.init) ?? dataset.name
        return (dataset.subset(trainIndices, name: dataset.name), dataset.subset(validationIndices, name: base + "/validation"))
    }

    /// Standard augmentation for a dataset (its definition's: CIFAR-10 pad 4 + random crop + flip;
    /// MNIST none); nil for an unknown name too.
    public static func defaultAugmentation(_ name: String) -> (any Augmentation)? {
        (try? definition(name))?.defaultAugmentation
    }
}
