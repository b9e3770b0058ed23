/// CIFAR-10's registry entry: 32×32 colour images of 10 classes, 50 000 training and 10 000 test
/// images in the official binary tarball; standard augmentation pad 4 + random crop + flip.
extension CIFAR10: DatasetDefinition {
    public static let summary = "CIFAR-10: 50 000 + 10 000 colour 32×32 images, 10 classes (the official binary tarball, or its extracted folder)"
    public static let classNames = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    public static let officialCounts = (train: 50_000, test: 10_000)
    public static let source = DatasetSource(dataset: name, baseURL: "https://www.cs.toronto.edu/~kriz/", files: [
        DatasetFile(name: archive, md5: "c32a1d4ab5d03f1284b67883e8d87530", size: 170_052_171),
    ])
    /// 4-pixel zero padding + random 32×32 crop + horizontal flip p = 0.5; the padding is black in
    /// the raw image, as torchvision pads before normalising.
    public static var defaultAugmentation: (any Augmentation)? {
        RandomCropFlip(padding: 4, flipProbability: 0.5, normalisedBlackFor: mean, std: std)
    }

    /// Unpacks the tarball of `root` into `destination/cifar-10-batches-bin/…` (written into a
    /// hidden sibling folder and renamed into place).
    public static func extract(root: String, into destination: String) throws(DatasetError) -> [String] {
        let tarball = root + "/" + archive
        guard FileIO.exists(tarball, directory: false) else {
            throw .missing(path: tarball, hint: "Fetch CIFAR-10 with `\(DataFetchHint.command("cifar10", root: root))`.")
        }
        let members = try readArchive(tarball)
        _ = try assemble(batches(in: members, archive: tarball))
        try FileIO.makeDirectory(destination)
        return try DatasetVerifier.writeFolder(members, into: destination + "/" + folder)
    }

    public static func checkFormat(_ file: DatasetFile, path: String) throws(DatasetError) {
        _ = try load(archive: path)
    }
}
