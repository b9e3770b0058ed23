import XCTest
import TensorCore
import Datasets
import Masks

/// `PruningCriterion.scoringBatches`, the one place that decides whether pruning reads data
/// (`masklab prune`, each lottery level, `--mask prune` and the pruning sweep's cells).
final class CriterionBatchesTests: XCTestCase {
    /// Every registry criterion: a data-free one gets no batches and the training set is never
    /// asked for; a data-driven one asks once and gets `count` batches of it (none without a set).
    func testTheTrainingSetIsAskedForExactlyByTheCriteriaThatNeedData() throws {
        let net = MaskFixtures.network()
        let train = MaskFixtures.splits().train
        var kinds: Set<Bool> = []
        for name in CriterionRegistry.names {
            let criterion = try CriterionRegistry.make(name)
            kinds.insert(criterion.needsData)
            var asked = 0
            let batches = criterion.scoringBatches(count: 3, batchSize: 32, sampleShape: net.sampleShape, seed: 5, round: 0) { () -> Dataset? in
                asked += 1
                return train
            }
            XCTAssertEqual(asked, criterion.needsData ? 1 : 0, "\(name): times the training set was asked for")
            XCTAssertEqual(batches?.count, criterion.needsData ? 3 : nil, name)
            XCTAssertEqual(batches?.counts, criterion.needsData ? [32, 32, 32] : nil, name)
            let none = criterion.scoringBatches(count: 3, batchSize: 32, sampleShape: net.sampleShape, seed: 5, round: 0) { () -> Dataset? in nil }
            XCTAssertNil(none, "\(name): no training set, no batches")
        }
        XCTAssertEqual(kinds, [true, false], "the registry has data-free and data-driven criteria")
    }

    /// A failing training set is reported only by the criteria that ask for it.
    func testAFailingTrainingSetFailsOnlyTheDataDrivenCriteria() throws {
        struct Unreadable: Error {}
        for name in CriterionRegistry.names {
            let criterion = try CriterionRegistry.make(name)
            var failed = false
            do {
                _ = try criterion.scoringBatches(count: 1, batchSize: 8, sampleShape: Shape(1, 8, 8), seed: 1, round: 0) {
                    () throws(Unreadable) -> Dataset? in throw Unreadable()
                }
            } catch { failed = true }
            XCTAssertEqual(failed, criterion.needsData, name)
        }
    }
}
