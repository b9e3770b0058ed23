import XCTest
import Foundation
import Datasets
import Stats

final class ManualCheck: XCTestCase {
    func testManual() throws {
        guard ProcessInfo.processInfo.environment["MANUAL"] != nil else { throw XCTSkip("manual") }
        let root = URL(fileURLWithPath: "/work/shared/data")
        var t = Date()
        print(try DatasetVerifier.verify("mnist", root: root))
        print("verify mnist", Date().timeIntervalSince(t))
        t = Date()
        print(try DatasetVerifier.verify("cifar10", root: root, checksums: false))
        print("verify cifar", Date().timeIntervalSince(t))
        let s = try DatasetRegistry.load("cifar10", root: root, validation: 5000, streams: RandomStreams(seed: 1))
        print(s.train.count, s.validation!.count, s.test.count)
        let loader = BatchLoader(dataset: s.train, batchSize: 128, shuffle: true, streams: RandomStreams(seed: 1), augmentation: DatasetRegistry.defaultAugmentation("cifar10"))
        loader.start(epoch: 0)
        t = Date()
        var n = 0
        var sum: Double = 0
        while let b = loader.next(), n < 40 { n += 1; for i in 0..<b.inputs.count { sum += Double(b.inputs[i]) } }
        print("40 batches debug", Date().timeIntervalSince(t), "mean", sum / Double(40 * 128 * 3072))
    }
}
