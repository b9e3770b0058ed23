import XCTest
import Foundation
import TestSupport
import TensorCore
import Stats
import Layers
@testable import Masks
@testable import Training

/// `--mask prune --criterion movement` in a training run: its reference point is θ0 of the run's
/// seed, so a run started from trained weights (`train --init-from`, a pruning sweep's cells)
/// keeps the weights that moved most; a run that starts at θ0 is refused (every score would be 0).
final class PruneMaskMovementTests: XCTestCase {
    func testInitialWeightsAreTheSeedsθ0AndLeaveTheNetworkAsItWas() {
        let net = MaskFixtures.network()
        net.prepare(batch: 32)
        net.store.initialise(streams: RandomStreams(seed: 7))
        let masked = MaskScope().select(from: net.store)
        let theta0 = masked.map { $0.value.toArray() }
        let values = net.store.values.tensor(Shape(net.store.count))
        values.copy(from: values.toArray().map { $0 * 1.5 + 0.01 })
        let buffers = net.store.bufferValues.tensor(Shape(net.store.bufferValues.count))
        buffers.copy(from: (0..<buffers.count).map { Float($0) * 0.25 })
        for c in net.store.counters { c.value = 41 }
        let (valuesBefore, buffersBefore) = (values.toArray(), buffers.toArray())

        XCTAssertEqual(PruneMask.initialWeights(net, parameters: masked, seed: 7), theta0)
        XCTAssertEqual(values.toArray(), valuesBefore, "parameters restored")
        XCTAssertEqual(buffers.toArray(), buffersBefore, "BatchNorm running statistics restored")
        XCTAssertTrue(net.store.counters.allSatisfy { $0.value == 41 }, "counters restored")
        XCTAssertNotEqual(PruneMask.initialWeights(net, parameters: masked, seed: 8), theta0, "another seed, another θ0")
    }

    func testMovementKeepsTheWeightsThatMovedMostFromθ0() throws {
        let net = MaskFixtures.network()
        net.prepare(batch: 32)
        net.store.initialise(streams: RandomStreams(seed: 7))
        let masked = MaskScope().select(from: net.store)
        // Move every weight by a distinct amount; weight j of tensor i by ((j · 37) mod n + 1) · 1e-3.
        var moved: [[Float]] = []
        for p in masked {
            let n = p.shape.count
            let delta = (0..<n).map { Float(($0 * 37) % n + 1) * 1e-3 * ($0 % 2 == 0 ? 1 : -1) }
            moved.append(delta)
            p.value.copy(from: zip(p.value.toArray(), delta).map { $0 + $1 })
        }
        var config = MaskConfig(name: "prune", keep: 0.25)
        config.criterion = "movement"
        let hook = try MaskingHook(config: config, network: net, trainingSet: nil)
        try hook.runStart(RunStart(seed: 7, batchSize: 32, iterationsPerEpoch: 8, totalIterations: 16, startIteration: 0, outputDirectory: nil))
        let masks = try XCTUnwrap(hook.masks)
        for i in masks.parameters.indices {
            let m = masks.multipliers(i).toArray()
            let kept = zip(m, moved[i]).filter { $0.0 != 0 }.map { abs($0.1) }, dropped = zip(m, moved[i]).filter { $0.0 == 0 }.map { abs($0.1) }
            XCTAssertEqual(kept.count, Int((0.25 * Double(m.count)).rounded()), masks.parameters[i].name)
            XCTAssertGreaterThan(kept.min()!, dropped.max()!, "\(masks.parameters[i].name): the largest |w − θ0| are kept")
        }
    }

    func testMovementAtθ0IsRefusedWithAHint() throws {
        let net = MaskFixtures.network()
        net.prepare(batch: 32)
        net.store.initialise(streams: RandomStreams(seed: 7))
        var config = MaskConfig(name: "prune", keep: 0.25)
        config.criterion = "movement"
        let hook = try MaskingHook(config: config, network: net, trainingSet: nil)
        XCTAssertThrowsError(try hook.runStart(RunStart(seed: 7, batchSize: 32, iterationsPerEpoch: 8, totalIterations: 16, startIteration: 0,
                                                        outputDirectory: nil))) { error in
            XCTAssertTrue("\(error)".contains("the run starts at θ0"), "\(error)")
            XCTAssertTrue("\(error)".contains("--init-from"), "\(error)")
        }
    }
}
