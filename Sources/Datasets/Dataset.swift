import TensorCore

/// An in-memory labelled image set; pixels kept as raw bytes, normalised when batches are made.
///
/// Sample `i` occupies bytes `i * sampleShape.count ..< (i + 1) * sampleShape.count` of `pixels`,
/// in CHW order (all of channel 0 row by row, then channel 1, …). A byte `b` of channel `c`
/// becomes the network input `(b / 255 − mean[c]) / std[c]` when `BatchLoader` assembles a batch.
public struct Dataset: Sendable {
    /// The dataset and split, e.g. "mnist/train".
    public let name: String
    /// One sample, CHW: `[1, 28, 28]` (MNIST) or `[3, 32, 32]` (CIFAR-10).
    public let sampleShape: Shape
    /// Number of classes; every label is in `0..<classes`.
    public let classes: Int
    /// Number of samples.
    public let count: Int
    /// `count * sampleShape.count` bytes, CHW per sample.
    public let pixels: [UInt8]
    /// `count` labels in `0..<classes`.
    public let labels: [Int32]
    /// Per-channel mean of the pixel values scaled to [0, 1].
    public let mean: [Float]
    /// Per-channel standard deviation of the pixel values scaled to [0, 1].
    public let std: [Float]

    /// A dataset from its bytes and labels; the sizes must agree (checked by precondition:
    /// readers validate files and throw before they get here).
    public init(name: String, sampleShape: Shape, classes: Int, pixels: [UInt8], labels: [Int32],
                mean: [Float], std: [Float]) {
        precondition(sampleShape.rank == 3, "\(name): sample shape must be CHW (rank 3), got \(sampleShape)")
        precondition(classes >= 1, "\(name): classes must be ≥ 1, got \(classes)")
        precondition(pixels.count == labels.count * sampleShape.count,
                     "\(name): \(pixels.count) pixel bytes for \(labels.count) samples of \(sampleShape)")
        precondition(mean.count == sampleShape[0] && std.count == sampleShape[0],
                     "\(name): mean/std need \(sampleShape[0]) channels, got \(mean.count)/\(std.count)")
        precondition(std.allSatisfy { $0 > 0 }, "\(name): std must be positive, got \(std)")
        precondition(labels.allSatisfy { $0 >= 0 && Int($0) < classes },
                     "\(name): a label is outside 0..<\(classes)")
        self.name = name
        self.sampleShape = sampleShape
        self.classes = classes
        self.count = labels.count
        self.pixels = pixels
        self.labels = labels
        self.mean = mean
        self.std = std
    }

    /// The samples at `indices` (in that order; each in `0..<count`) as a new dataset called `name`.
    public func subset(_ indices: [Int], name: String) -> Dataset {
        let size = sampleShape.count
        var newPixels = [UInt8](repeating: 0, count: indices.count * size)
        var newLabels = [Int32](repeating: 0, count: indices.count)
        pixels.withUnsafeBufferPointer { src in
            newPixels.withUnsafeMutableBufferPointer { dst in
                for (k, i) in indices.enumerated() {
                    precondition(i >= 0 && i < count, "\(self.name): subset index \(i) outside 0..<\(count)")
                    (dst.baseAddress! + k * size).update(from: src.baseAddress! + i * size, count: size)
                    newLabels[k] = labels[i]
                }
            }
        }
        return Dataset(name: name, sampleShape: sampleShape, classes: classes, pixels: newPixels,
                       labels: newLabels, mean: mean, std: std)
    }

    /// How many samples carry each label (`classes` entries).
    public var classCounts: [Int] {
        var counts = [Int](repeating: 0, count: classes)
        for l in labels { counts[Int(l)] += 1 }
        return counts
    }
}

/// Train / optional validation / test.
public struct DataSplits: Sendable {
    public let train: Dataset
    /// Held out of the official training set by a seeded split; nil when none was asked for.
    public let validation: Dataset?
    public let test: Dataset

    public init(train: Dataset, validation: Dataset?, test: Dataset) {
        self.train = train
        self.validation = validation
        self.test = test
    }
}
