import XCTest
import TensorCore
import Layers

/// `SavedGradients`, the save/restore both the importance solver and the pruning criteria put
/// around their extra passes: the store's gradients come back bit for bit, also when the passes throw.
final class SavedGradientsTests: XCTestCase {
    struct Failure: Error {}

    func store() -> ParameterStore {
        let b = ParameterBuilder()
        _ = Linear("fc1", 5, 4, builder: b)
        _ = Linear("fc2", 4, 3, builder: b)
        return b.finish()
    }

    func testRestoresEveryGradientBitForBit() {
        let s = store()
        let grads = s.grads.tensor(Shape(s.count))
        grads.copy(from: (0..<s.count).map { Float($0) * 0.37 - 3 })
        let before = grads.toArray()
        let saved = SavedGradients(s)
        saved.save()
        grads.fill(0.5)
        saved.restore()
        XCTAssertEqual(grads.toArray(), before)

        let value: Int = saved.preserving {
            s.zeroGradients()
            return 7
        }
        XCTAssertEqual(value, 7)
        XCTAssertEqual(grads.toArray(), before, "preserving restores after the body")
    }

    func testPreservingRestoresWhenTheBodyThrows() {
        let s = store()
        let grads = s.grads.tensor(Shape(s.count))
        grads.copy(from: (0..<s.count).map { Float($0) })
        let before = grads.toArray()
        let saved = SavedGradients(s)
        XCTAssertThrowsError(try saved.preserving { () throws(Failure) in
            grads.fill(-1)
            throw Failure()
        })
        XCTAssertEqual(grads.toArray(), before)
    }
}
