import XCTest
import TensorCore
import Datasets
import TestSupport
@testable import Importance

/// The solver's batch copies: as many as asked, but no more than the set holds.
final class SolverBatchesTests: XCTestCase {
    /// 20 samples in batches of 8 are 3 batches (the last of 4): asking for 100 allocates space
    /// for those 3 (plus the held-out batch), fills them all and leaves no held-out batch.
    func testCapacityIsCappedAtTheBatchesTheSetHolds() {
        let set = Quadrants.dataset(count: 20, seed: 3, name: "quadrants/train")
        let many = SolverBatches(dataset: set, capacity: 100, batchSize: 8, sampleShape: set.sampleShape, seed: 1)
        XCTAssertEqual(many.capacity, 3)
        many.fill(round: 0)
        XCTAssertEqual(many.counts, [8, 8, 4])
        XCTAssertNil(many.heldOutCount)
        // Fewer than the set holds: as asked, with the next batch held out.
        let two = SolverBatches(dataset: set, capacity: 2, batchSize: 8, sampleShape: set.sampleShape, seed: 1)
        two.fill(round: 0)
        XCTAssertEqual(two.capacity, 2)
        XCTAssertEqual(two.counts, [8, 8])
        XCTAssertEqual(two.heldOutCount, 4)
        // Filled by hand (no set): the capacity asked.
        XCTAssertEqual(SolverBatches(dataset: nil, capacity: 5, batchSize: 8, sampleShape: set.sampleShape, seed: 1).capacity, 5)
    }
}
