import Foundation
import Stats

/// Where datasets live and how they load: one entry per dataset name.
public enum DatasetRegistry {
    /// The dataset names `load` accepts.
    public static var names: [String] { [MNIST.name, CIFAR10.name] }

    /// Loads `name` from `root` (a folder holding the official files, see below), with `validation` samples
    /// held out of train by a seeded split (streams.stream(.validationSplit)), 0 = none.
    ///
    /// MNIST: the four IDX files, gzipped or not, in `root` or `root/mnist`. CIFAR-10: the folder
    /// `root/cifar-10-batches-bin`, else the archive `root/cifar-10-binary.tar.gz` read directly.
    public static func load(_ name: String, root: URL, validation: Int = 0, streams: RandomStreams) throws(DatasetError) -> DataSplits {
        let path = root.path
        guard FileIO.exists(path, directory: true) else {
            throw .missing(path: path, hint: "The data folder does not exist. Fetch data with `masklab data fetch \(name)`.")
        }
        let loaded: (train: Dataset, test: Dataset)
        switch name {
        case MNIST.name: loaded = try MNIST.load(root: path)
        case CIFAR10.name: loaded = try CIFAR10.load(root: path)
        default: throw .unknown(name: name, valid: names)
        }
        guard validation > 0 else { return DataSplits(train: loaded.train, validation: nil, test: loaded.test) }
        let (train, held) = try split(loaded.train, validation: validation, streams: streams)
        return DataSplits(train: train, validation: held, test: loaded.test)
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

    /// Standard augmentation for a dataset (CIFAR-10: 4-pixel zero padding + random 32×32 crop + horizontal flip p=0.5;
    /// MNIST: nil). The padding is black in the raw image, as torchvision pads before normalising.
    public static func defaultAugmentation(_ name: String) -> (any Augmentation)? {
        switch name {
        case CIFAR10.name: return RandomCropFlip(padding: 4, flipProbability: 0.5, normalisedBlackFor: CIFAR10.mean, std: CIFAR10.std)
        default: return nil
        }
    }
}
