import XCTest
import Datasets
import Stats
import TensorCore
import TestSupport

/// Order, determinism, resume, partial batches and prefetching of `BatchLoader`.
final class BatchLoaderTests: XCTestCase {
    /// A tiny dataset whose sample i has every byte equal to i (so the sample is readable from any pixel).
    private func tiny(count: Int, channels: Int = 1, side: Int = 2) -> Dataset {
        let size = channels * side * side
        var pixels = [UInt8]()
        for i in 0..<count { pixels += [UInt8](repeating: UInt8(i), count: size) }
        return Dataset(name: "tiny/train", sampleShape: Shape(channels, side, side), classes: 10, pixels: pixels,
                       labels: (0..<count).map { Int32($0 % 10) }, mean: [Float](repeating: 0, count: channels),
                       std: [Float](repeating: 1, count: channels))
    }

    /// Every batch of an epoch as (sample ids, labels, inputs).
    private func epoch(_ loader: BatchLoader, _ e: Int, from start: Int = 0) -> [(ids: [Int], labels: [Int32], inputs: [Float], index: Int)] {
        loader.start(epoch: e, batch: start)
        var out: [(ids: [Int], labels: [Int32], inputs: [Float], index: Int)] = []
        while let b = loader.next() {
            let size = b.inputs.shape.rowSize
            let ids = (0..<b.count).map { Int((b.inputs[$0 * size] * 255).rounded()) }
            out.append((ids, Array(UnsafeBufferPointer(start: b.labels, count: b.count)), b.inputs.toArray(), b.index))
        }
        return out
    }

    func testUnshuffledIsIdentityWithPartialLastBatch() {
        let loader = BatchLoader(dataset: tiny(count: 10), batchSize: 4, shuffle: false, streams: RandomStreams(seed: 3))
        XCTAssertEqual(loader.batchesPerEpoch, 3)
        let batches = epoch(loader, 0)
        XCTAssertEqual(batches.map(\.ids), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
        XCTAssertEqual(batches.map(\.index), [0, 1, 2])
        XCTAssertEqual(batches[2].labels, [8, 9])
        XCTAssertNil(loader.next())
    }

    func testShuffleIsASeededPermutationThatChangesPerEpoch() {
        let data = tiny(count: 23)
        let a = BatchLoader(dataset: data, batchSize: 5, shuffle: true, streams: RandomStreams(seed: 7))
        let b = BatchLoader(dataset: data, batchSize: 5, shuffle: true, streams: RandomStreams(seed: 7))
        let e0 = epoch(a, 0).flatMap(\.ids), e1 = epoch(a, 1).flatMap(\.ids)
        XCTAssertEqual(e0.sorted(), Array(0..<23))
        XCTAssertEqual(e1.sorted(), Array(0..<23))
        XCTAssertNotEqual(e0, Array(0..<23))
        XCTAssertNotEqual(e0, e1)
        XCTAssertEqual(epoch(b, 0).flatMap(\.ids), e0)
        XCTAssertEqual(e0, RandomStreams(seed: 7).stream(.dataOrder, 0).permutation(23).map(Int.init))
        let labels = epoch(a, 0).flatMap(\.labels)
        XCTAssertEqual(labels, e0.map { Int32($0 % 10) })   // labels travel with their samples
        let other = BatchLoader(dataset: data, batchSize: 5, shuffle: true, streams: RandomStreams(seed: 8))
        XCTAssertNotEqual(epoch(other, 0).flatMap(\.ids), e0)
    }

    func testResumeMidEpochMatchesUninterrupted() {
        let data = tiny(count: 3 * 16 * 4, channels: 3, side: 4)
        for prefetch in [true, false] {
            let full = BatchLoader(dataset: data, batchSize: 16, shuffle: true, streams: RandomStreams(seed: 11),
                                   augmentation: RandomCropFlip(padding: 1, fill: [0, 0, 0]), prefetch: prefetch)
            let uninterrupted = epoch(full, 2)
            let resumed = BatchLoader(dataset: data, batchSize: 16, shuffle: true, streams: RandomStreams(seed: 11),
                                      augmentation: RandomCropFlip(padding: 1, fill: [0, 0, 0]), prefetch: prefetch)
            _ = epoch(resumed, 0)   // some other epoch first
            let tail = epoch(resumed, 2, from: 5)
            XCTAssertEqual(tail.map(\.index), Array(5..<12))
            XCTAssertEqual(tail.map(\.inputs), uninterrupted.suffix(7).map(\.inputs))
            XCTAssertEqual(tail.map(\.labels), uninterrupted.suffix(7).map(\.labels))
        }
    }

    func testPrefetchOnAndOffGiveIdenticalBatches() {
        let data = tiny(count: 37, channels: 3, side: 4)
        let aug = RandomCropFlip(padding: 2, fill: [0.5, -1, 2])
        let on = BatchLoader(dataset: data, batchSize: 8, shuffle: true, streams: RandomStreams(seed: 5), augmentation: aug, prefetch: true)
        let off = BatchLoader(dataset: data, batchSize: 8, shuffle: true, streams: RandomStreams(seed: 5), augmentation: aug, prefetch: false)
        for e in 0..<3 {
            let a = epoch(on, e), b = epoch(off, e)
            XCTAssertEqual(a.map(\.inputs), b.map(\.inputs))
            XCTAssertEqual(a.map(\.labels), b.map(\.labels))
        }
        // Restarting an epoch midway while a prefetch is in flight is safe.
        on.start(epoch: 0)
        _ = on.next()
        XCTAssertEqual(epoch(on, 0).map(\.inputs), epoch(off, 0).map(\.inputs))
    }

    func testNormalisationPerChannel() {
        let pixels: [UInt8] = [0, 255, 51, 102, 10, 20, 30, 40]   // one sample, 2 channels of 2×2
        let data = Dataset(name: "n/train", sampleShape: Shape(2, 2, 2), classes: 2, pixels: pixels, labels: [1],
                           mean: [0.5, 0.25], std: [0.5, 2])
        let loader = BatchLoader(dataset: data, batchSize: 4, shuffle: false, streams: RandomStreams(seed: 0))
        loader.start(epoch: 0)
        guard let b = loader.next() else { return XCTFail("no batch") }
        XCTAssertEqual(b.inputs.shape.dims, [1, 2, 2, 2])
        let expected = pixels.enumerated().map { k, p in (Float(p) / 255 - data.mean[k / 4]) / data.std[k / 4] }
        XCTAssertEqual(b.inputs.toArray(), expected)
    }

    func testBuffersAreReusedNotAllocatedPerBatch() {
        let loader = BatchLoader(dataset: tiny(count: 40), batchSize: 4, shuffle: true, streams: RandomStreams(seed: 1))
        loader.start(epoch: 0)
        let before = TensorStorage.allocationCount
        var pointers = Set<UnsafeMutablePointer<Float>>()
        while let b = loader.next() { pointers.insert(b.inputs.pointer) }
        XCTAssertEqual(TensorStorage.allocationCount, before)
        XCTAssertEqual(pointers.count, 2)   // double buffering
    }
}
