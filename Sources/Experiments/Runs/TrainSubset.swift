import Datasets
import Stats

/// The optional `trainSubset` and `testSubset` of a run config: train on N images of the
/// training split, and/or evaluate on M images of the test split, instead of all of them (e.g.
/// 5 000 of CIFAR-10's 50 000 to fit a comparison into a CPU budget).
///
/// Training subset: seeded by the run — the first N entries of a permutation drawn from stream
/// (seed, validationSplit, 1, 0) (instance 1 of the validation-split purpose, so it never
/// coincides with the validation hold-out, instance 0), in their original order, taken after
/// the validation hold-out. Same seed ⇒ same subset, in every arm of a comparison.
///
/// Test subset: the same M images for every run whatever its seed — stream (0, validationSplit,
/// 2, 0) — so that runs with different seeds are scored on one test set.
public enum TrainSubset {
    /// `splits` with the training set cut to `count` images and the test set to `testCount`
    /// (0, or at least the set's size: unchanged).
    public static func apply(_ count: Int, testSubset testCount: Int = 0, to splits: DataSplits, seed: UInt64) -> DataSplits {
        let train = pick(count, of: splits.train, stream: RandomStreams(seed: seed).stream(.validationSplit, 1))
        let test = test(testCount, of: splits.test)
        return DataSplits(train: train, validation: splits.validation, test: test)
    }

    /// The test subset alone, the same samples `apply` picks (its stream does not depend on the
    /// training split).
    public static func test(_ testCount: Int, of test: Dataset) -> Dataset {
        pick(testCount, of: test, stream: RandomStreams(seed: 0).stream(.validationSplit, 2))
    }

    static func pick(_ count: Int, of set: Dataset, stream: RandomStream) -> Dataset {
        guard count > 0, count < set.count else { return set }
        let chosen = stream.permutation(set.count).prefix(count).map { Int($0) }.sorted()
        return set.subset(chosen, name: set.name)
    }
}
