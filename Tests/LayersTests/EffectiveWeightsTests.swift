import XCTest
import TensorCore
import Stats
import Layers
import Models

/// `Network.withEffectiveWeights` is the only way a pass reads other weights than the values:
/// inside the scope the forward pass reads the substitutes, and on the way out — also when the
/// body throws — every parameter reads its value again, so no pass outside a scope can see a
/// stale substitute.
final class EffectiveWeightsTests: XCTestCase {
    struct Boom: Error {}

    func testSubstitutesAreReadOnlyInsideTheScopeAndRestoredOnThrow() throws {
        Parallel.setThreads(1)
        let net = try ModelRegistry.make("mlp", sampleShape: Shape(1, 4, 4), classes: 3, options: ModelOptions(hidden: [8], batchNorm: false))
        net.store.initialise(streams: RandomStreams(seed: 1))
        net.prepare(batch: 2)
        let input = TensorStorage(count: 2 * 16)
        for i in 0..<input.count { input.base[i] = Float(i % 7) - 3 }
        let x = input.tensor(Shape(2, 1, 4, 4))
        let fc1 = try XCTUnwrap(net.store.parameter(named: "fc1.weight"))
        let halved = TensorStorage(count: fc1.shape.count)
        for i in 0..<fc1.shape.count { halved.base[i] = fc1.value[i] / 2 }
        let weights = EffectiveWeights([fc1], [halved.tensor(fc1.shape)])

        let plain = net.forward(x, mode: .inference).toArray()
        let inside = net.withEffectiveWeights(weights) { () -> [Float] in
            XCTAssertEqual(fc1.effective.pointer, halved.base)
            return net.forward(x, mode: .inference).toArray()
        }
        XCTAssertNotEqual(inside, plain, "the pass inside the scope reads the substitute")
        XCTAssertEqual(fc1.effective.pointer, fc1.value.pointer)
        XCTAssertEqual(net.forward(x, mode: .inference).toArray(), plain, "after the scope the values again")

        XCTAssertThrowsError(try net.withEffectiveWeights(weights) { () throws(Boom) in throw Boom() })
        XCTAssertEqual(fc1.effective.pointer, fc1.value.pointer, "restored when the body throws")
        XCTAssertTrue(EffectiveWeights.none.isEmpty)
    }
}
