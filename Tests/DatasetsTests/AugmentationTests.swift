import XCTest
import Datasets
import Stats
import TensorCore
import TestSupport

/// Pad-crop-flip on hand-made images, its determinism, and that it keeps labels.
final class AugmentationTests: XCTestCase {
    /// A 1×3×3 image 1…9, cropped at (dy, dx) with padding 1, optionally flipped.
    private func cropFlip(dy: Int, dx: Int, flip: Bool) -> [Float] {
        var sample: [Float] = [1, 2, 3,
                               4, 5, 6,
                               7, 8, 9]
        var scratch = [Float](repeating: 0, count: 9)
        RandomCropFlip(padding: 1, fill: [0]).cropFlip(&sample, scratch: &scratch, shape: Shape(1, 3, 3), dy: dy, dx: dx, flip: flip)
        return sample
    }

    func testCropAndFlipOnAHandMadeImage() {
        XCTAssertEqual(cropFlip(dy: 1, dx: 1, flip: false), [1, 2, 3, 4, 5, 6, 7, 8, 9])   // centre: identity
        XCTAssertEqual(cropFlip(dy: 0, dx: 0, flip: false), [0, 0, 0,
                                                             0, 1, 2,
                                                             0, 4, 5])   // window moved up-left: padding enters top and left
        XCTAssertEqual(cropFlip(dy: 2, dx: 1, flip: false), [4, 5, 6,
                                                             7, 8, 9,
                                                             0, 0, 0])
        XCTAssertEqual(cropFlip(dy: 1, dx: 1, flip: true), [3, 2, 1,
                                                            6, 5, 4,
                                                            9, 8, 7])
        XCTAssertEqual(cropFlip(dy: 0, dx: 2, flip: true), [0, 0, 0,
                                                            0, 3, 2,
                                                            0, 6, 5])   // crop right part, then mirror
    }

    func testFillPerChannelIsNormalisedBlack() {
        let aug = RandomCropFlip(padding: 4, normalisedBlackFor: [0.5, 0.25], std: [0.5, 0.25])
        XCTAssertEqual(aug.fill, [-1, -1])
        guard let cifar = DatasetRegistry.defaultAugmentation("cifar10") as? RandomCropFlip else { return XCTFail("no CIFAR augmentation") }
        XCTAssertEqual(cifar.padding, 4)
        XCTAssertEqual(cifar.flipProbability, 0.5)
        XCTAssertEqual(cifar.fill[0], -0.4914 / 0.2470, accuracy: 1e-6)
        XCTAssertNil(DatasetRegistry.defaultAugmentation("mnist"))
    }

    func testDeterministicUnderItsStreamAndVariesAcrossBatches() {
        let aug = RandomCropFlip(padding: 4, fill: [0, 0, 0])
        let shape = Shape(3, 8, 8)
        /// Four samples augmented in turn from one stream, as a batch would be.
        func run(_ rng: RandomStream) -> [Float] {
            var out: [Float] = []
            var scratch = [Float](repeating: 0, count: shape.count)
            for _ in 0..<4 {
                var x = (0..<shape.count).map { Float($0 + 1) }
                aug.apply(&x, scratch: &scratch, shape: shape, rng: rng)
                out += x
            }
            return out
        }
        let streams = RandomStreams(seed: 21)
        XCTAssertEqual(run(streams.stream(.augmentation, 0, 0)), run(streams.stream(.augmentation, 0, 0)))
        XCTAssertNotEqual(run(streams.stream(.augmentation, 0, 0)), run(streams.stream(.augmentation, 0, 1)))
    }

    func testLoaderAugmentationKeepsLabelsAndVariesByEpoch() throws {
        let dir = TemporaryDirectory()
        try DatasetFixtures.writeCIFAR(to: dir.url, perBatch: 4, test: 2, archived: false)
        let train = try DatasetRegistry.load("cifar10", root: dir.url, streams: RandomStreams(seed: 1)).train
        let aug = DatasetRegistry.defaultAugmentation("cifar10")
        let plain = BatchLoader(dataset: train, batchSize: 20, shuffle: false, streams: RandomStreams(seed: 2))
        let augmented = BatchLoader(dataset: train, batchSize: 20, shuffle: false, streams: RandomStreams(seed: 2), augmentation: aug)
        func first(_ l: BatchLoader, epoch: Int) -> ([Float], [Int32]) {
            l.start(epoch: epoch)
            let b = l.next()!
            return (b.inputs.toArray(), Array(UnsafeBufferPointer(start: b.labels, count: b.count)))
        }
        let (x, y) = first(plain, epoch: 0)
        let (ax0, ay0) = first(augmented, epoch: 0)
        let (ax1, _) = first(augmented, epoch: 1)
        XCTAssertEqual(ay0, y)
        XCTAssertEqual(y, train.labels)
        XCTAssertNotEqual(ax0, x)
        XCTAssertNotEqual(ax0, ax1)
        XCTAssertEqual(ax0.count, x.count)
        XCTAssertEqual(first(augmented, epoch: 0).0, ax0)
    }
}
