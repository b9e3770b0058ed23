import XCTest
import Foundation
import Training
import Masks
import TestSupport
@testable import Experiments

/// Review items: `TrainingRun` resumed a run under other conditions than it started with: an
/// edited `config.json` (or none, with other flags) or another copy of the data. The checkpoint
/// now records the run's whole configuration and the data's fingerprints, and a resume that
/// differs is refused before the folder is touched, naming the key (or split) and both values.
/// Lottery levels resume through the same check.
final class ResumeConditionsTests: XCTestCase {
    private var data: TemporaryDirectory!

    override func setUpWithError() throws {
        data = TemporaryDirectory("masklab-resume-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
    }

    private func config(epochs: Int = 3, lr: Float = 0.05) -> RunConfig {
        var t = TrainingConfig(model: "mlp", dataset: "mnist", batchSize: 32, evalBatchSize: 50,
                               optimizer: OptimizerConfig(name: "sgd", learningRate: lr), budget: .epochs(epochs), seed: 3, threads: 1)
        t.modelOptions.hidden = [16]
        return RunConfig(training: t)
    }

    /// Requests a stop (with a checkpoint) at the end of the first epoch it sees end.
    final class StopAfterFirstEpoch: TrainingCallback {
        var control: TrainingControl?
        func runStart(_ run: RunInfo) { control = run.control }
        func epochEnd(_ metrics: EpochMetrics) { control?.requestStop() }
    }

    /// `config` trained for one epoch into a new folder, stopped there.
    private func interrupted(_ config: RunConfig, dataRoot: URL? = nil) throws -> RunLayout {
        let layout = RunLayout(directory: TemporaryDirectory("masklab-resume-run").url)
        let first = try TrainingRun.run(config, dataRoot: dataRoot ?? data.url, layout: layout, commandLine: ["test"], callbacks: [StopAfterFirstEpoch()])
        XCTAssertEqual(first.summary.status, .stopped)
        return layout
    }

    private func expectRefusal(_ config: RunConfig, _ layout: RunLayout, dataRoot: URL? = nil, containing parts: [String], line: UInt = #line) throws {
        let before = FolderSnapshot(layout.directory)
        XCTAssertThrowsError(try TrainingRun.run(config, dataRoot: dataRoot ?? data.url, layout: layout, commandLine: ["test"], reuse: .resume),
                             line: line) { error in
            guard case RunError.training(.checkpoint(.otherConditions(layout.checkpoint.path, _))) = error else { return XCTFail("\(error)", line: line) }
            for p in parts { XCTAssertTrue("\(error)".contains(p), "\(error) lacks \(p)", line: line) }
        }
        XCTAssertNil(before.difference(FolderSnapshot(layout.directory)), "a refused resume leaves the folder as it was", line: line)
    }

    func testAnEditedOrMissingConfigIsRefusedAndTheOriginalResumesBitExactly() throws {
        let full = try TrainingRun.run(config(), dataRoot: data.url, layout: RunLayout(directory: TemporaryDirectory("masklab-resume-full").url),
                                       commandLine: ["test"])
        let layout = try interrupted(config())
        // config.json edited to 4 epochs at lr 0.01, resumed with it: it agrees with the folder, not with the checkpoint.
        let edited = config(epochs: 4, lr: 0.01)
        try edited.jsonText().write(to: layout.config, atomically: true, encoding: .utf8)
        try expectRefusal(edited, layout, containing: ["another configuration", "budget.epochs 3 in the checkpoint, 4 here",
                                                       "optimizer.learningRate 0.05 in the checkpoint, 0.01 here"])
        // config.json deleted, resumed with another learning rate.
        try FileManager.default.removeItem(at: layout.config)
        try expectRefusal(config(lr: 0.01), layout, containing: ["optimizer.learningRate 0.05 in the checkpoint, 0.01 here"])
        // The configuration it started with resumes and ends where the uninterrupted run ends.
        let resumed = try TrainingRun.run(config(), dataRoot: data.url, layout: layout, commandLine: ["test"], reuse: .resume)
        XCTAssertEqual(resumed.history.map(\.withoutTimings), full.history.map(\.withoutTimings))
        XCTAssertEqual(try RunConfig.load(from: layout.config), config())
    }

    func testAnotherCopyOfTheDataWithOtherLabelsIsRefused() throws {
        let layout = try interrupted(config())
        let copy = TemporaryDirectory("masklab-resume-data-shifted")
        try DatasetFixtures.writeMNIST(to: copy.url, train: 240, test: 60, gzipped: true)
        let shifted = DatasetFixtures.labels(240).map { ($0 + 1) % 10 }
        try DatasetFixtures.write(DatasetFixtures.gzip(DatasetFixtures.idxLabels(shifted)), to: copy.file("train-labels-idx1-ubyte.gz"))
        try expectRefusal(config(), layout, dataRoot: copy.url, containing: ["other train data", "--data"])
        // An identical copy elsewhere is the same data.
        let same = TemporaryDirectory("masklab-resume-data-same")
        try DatasetFixtures.writeMNIST(to: same.url, train: 240, test: 60, gzipped: false)
        XCTAssertEqual(try TrainingRun.run(config(), dataRoot: same.url, layout: layout, commandLine: ["test"], reuse: .resume).summary.status, .completed)
    }

    /// The record reads back as the same configuration, whatever the values (no false refusal):
    /// the largest seeds, a float that is not a short decimal, masks, classes and subsets.
    func testTheRecordReadsBackAsTheSameConfiguration() throws {
        var c = config(lr: 0.1 + 0.2)
        c.training.seed = .max
        c.training.dataOrderSeed = .max - 1
        c.training.optimizer.weightDecay = 1e-30
        c.masks = MaskConfig(name: "importance", keep: 0.3)
        c.classes = [7, 1]
        c.trainSubset = 100
        c.validation = 20
        for run in [RunConfig(), config(), c] {
            let record = run.checkpointRecord
            XCTAssertNil(record.difference(record.text), record.text)
            XCTAssertFalse(record.text.contains("\n"), "one line of compact JSON")
        }
        var other = c
        other.masks?.keep = 0.5
        XCTAssertEqual(c.checkpointRecord.difference(other.checkpointRecord.text), "another configuration (masks.keep 0.5 in the checkpoint, 0.3 here)")
        XCTAssertTrue(try XCTUnwrap(c.checkpointRecord.difference("{\"epochs\": ")).hasPrefix("a configuration this MaskLab cannot read"))
    }

    /// Settings the chosen optimiser or schedule does not read are no difference on resume (a
    /// lottery preset recorded Adam with momentum 0, a flag-free run the default 0.9), while a
    /// setting it reads still is.
    func testIgnoredOptimizerAndScheduleSettingsAreNoDifference() throws {
        var adam = config()
        adam.training.optimizer.name = "adam"
        adam.training.optimizer.momentum = 0
        adam.training.optimizer.nesterov = false
        adam.training.schedule.name = "constant"
        adam.training.schedule.milestones = [3, 6]
        var plain = adam
        plain.training.optimizer.momentum = 0.9
        plain.training.optimizer.nesterov = true
        plain.training.schedule.milestones = []
        XCTAssertNotEqual(adam, plain)
        XCTAssertEqual(adam.readSettings, plain.readSettings)
        XCTAssertNil(plain.checkpointRecord.difference(adam.checkpointRecord.text))
        var beta = plain
        beta.training.optimizer.beta2 = 0.99
        XCTAssertEqual(beta.checkpointRecord.difference(adam.checkpointRecord.text),
                       "another configuration (optimizer.beta2 0.999 in the checkpoint, 0.99 here)")
        // Under SGD momentum is read: the same two momenta differ.
        var sgd = adam, sgd9 = plain
        sgd.training.optimizer.name = "sgd"
        sgd9.training.optimizer.name = "sgd"
        XCTAssertNotNil(sgd9.checkpointRecord.difference(sgd.checkpointRecord.text))

        // The run folder's config.json check (before the checkpoint's) and a lottery's and a
        // sweep job's comparisons use the same rule.
        let dir = TemporaryDirectory("masklab-resume-unread")
        let layout = RunLayout(directory: dir.url)
        try adam.jsonText().write(to: layout.config, atomically: true, encoding: .utf8)
        XCTAssertNoThrow(try TrainingRun.requireSavedConfig(layout, equals: plain))
        XCTAssertThrowsError(try TrainingRun.requireSavedConfig(layout, equals: beta))
        XCTAssertEqual(LotteryConfig(run: adam).readSettings, LotteryConfig(run: plain).readSettings)
        XCTAssertEqual(JobConfig.train(adam).readSettings, JobConfig.train(plain).readSettings)
        XCTAssertNotEqual(JobConfig.train(adam).readSettings, JobConfig.train(beta).readSettings)
    }

    /// A lottery level stopped mid-training resumes through the trainer's checks (its checkpoint
    /// records the lottery's run config) and ends with the uninterrupted lottery's results.
    func testAnInterruptedLotteryLevelResumesToTheSameResults() throws {
        var t = config().training
        t.budget = .iterations(16)
        var c = LotteryConfig(run: RunConfig(training: t, validation: 40))
        c.levels = 1
        c.pruneFraction = 0.5
        c.evaluateEvery = 4
        c.branches = [.reinit]
        let straight = try LotteryRun.run(c, dataRoot: data.url, layout: LotteryLayout(directory: TemporaryDirectory("masklab-resume-lottery-full").url),
                                          commandLine: ["test"])
        let layout = LotteryLayout(directory: TemporaryDirectory("masklab-resume-lottery").url)
        let stopped = try LotteryRun.run(c, dataRoot: data.url, layout: layout, commandLine: ["test"], callbacks: [StopAfterFirstEpoch()])
        XCTAssertTrue(stopped.stopped)
        let checkpoint = try SafetensorsFile.read(from: layout.level(0).appendingPathComponent("last.safetensors"))
        XCTAssertEqual(checkpoint.metadata[RunConditions.configKey], c.run.checkpointRecord.text)
        XCTAssertEqual(checkpoint.metadata["step"], "7", "stopped after level 0's first epoch (200 images, batch 32)")
        let resumed = try LotteryRun.run(c, dataRoot: data.url, layout: layout, commandLine: ["test"])
        func strip(_ r: [LotteryLevelResult]) -> [LotteryLevelResult] { r.map { var x = $0; x.seconds = 0; return x } }
        XCTAssertEqual(strip(resumed.results), strip(straight.results))
    }
}

