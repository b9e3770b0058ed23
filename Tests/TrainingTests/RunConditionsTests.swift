import XCTest
import Foundation
import TensorCore
import Stats
import Datasets
import TestSupport
@testable import Training

/// Review items: `--resume` continued a run under other conditions than it started with. A
/// trainer's checkpoints now record the data splits' fingerprints and the configuration the
/// caller gives (`RunConditions`); a resume under other ones is refused, naming what differs, and
/// a checkpoint written before these records resumes with a warning.
final class RunConditionsTests: XCTestCase {
    override func setUp() { Parallel.setThreads(1) }

    /// A configuration record that differs from any other text, as `RunConfig.checkpointRecord` does.
    private func record(_ text: String) -> RunConditions.Config {
        RunConditions.Config(text: text) { saved in saved == text ? nil : "another configuration (x \(saved) in the checkpoint, \(text) here)" }
    }

    private func trainer(_ dir: URL, splits: DataSplits = Fixtures.splits(), config: RunConditions.Config? = nil,
                         callbacks: [any TrainingCallback] = []) throws -> Trainer {
        try Trainer(config: Fixtures.config(epochs: 2), network: Fixtures.network(), splits: splits, outputDirectory: dir,
                    callbacks: callbacks, recordedConfig: config)
    }

    /// Trains epoch 0 of 2 into `dir` and stops (checkpoint at the epoch boundary).
    private func interrupted(_ dir: URL, config: RunConditions.Config? = nil) throws {
        let stopper = Recorder()
        stopper.stopAfterEpoch = 0
        XCTAssertEqual(try trainer(dir, config: config, callbacks: [stopper]).run().summary.status, .stopped)
    }

    /// `dataset` with every label moved to the next class (same images).
    private func shifted(_ d: Dataset) -> Dataset {
        Dataset(name: d.name, sampleShape: d.sampleShape, classes: d.classes, pixels: d.pixels,
                labels: d.labels.map { ($0 + 1) % Int32(d.classes) }, mean: d.mean, std: d.std)
    }

    private func expectRefusal(_ trainer: Trainer, containing parts: [String], line: UInt = #line) {
        XCTAssertThrowsError(try trainer.run(resume: true), line: line) { error in
            guard case TrainingError.checkpoint(.otherConditions(let path, _)) = error else { return XCTFail("\(error)", line: line) }
            XCTAssertEqual(path, trainer.checkpointURL?.path, line: line)
            for p in parts { XCTAssertTrue("\(error)".contains(p), "\(error) lacks \(p)", line: line) }
        }
    }

    func testResumingOnOtherDataIsRefusedNamingTheSplit() throws {
        let dir = TemporaryDirectory()
        try interrupted(dir.url)
        let s = Fixtures.splits()
        expectRefusal(try trainer(dir.url, splits: DataSplits(train: shifted(s.train), validation: nil, test: s.test)),
                      containing: ["other train data", "fingerprint \(s.train.fingerprint) in the checkpoint", "\(shifted(s.train).fingerprint) here"])
        expectRefusal(try trainer(dir.url, splits: DataSplits(train: s.train, validation: nil, test: shifted(s.test))), containing: ["other test data"])
        // One changed pixel byte of a sample the fingerprint reads whole.
        var pixels = s.test.pixels
        pixels[0] ^= 1
        let touched = Dataset(name: s.test.name, sampleShape: s.test.sampleShape, classes: s.test.classes, pixels: pixels,
                              labels: s.test.labels, mean: s.test.mean, std: s.test.std)
        expectRefusal(try trainer(dir.url, splits: DataSplits(train: s.train, validation: nil, test: touched)), containing: ["other test data"])
        expectRefusal(try trainer(dir.url, splits: Fixtures.splits(validation: true)), containing: ["no validation split (this run has one)"])
        // The same data, generated again (another "folder"): resumes.
        let resumed = try trainer(dir.url)
        XCTAssertEqual(try resumed.run(resume: true).summary.status, .completed)
        XCTAssertEqual(resumed.resumeWarnings, [])
    }

    func testResumingWithAnotherRecordedConfigurationIsRefused() throws {
        let dir = TemporaryDirectory()
        try interrupted(dir.url, config: record("A"))
        XCTAssertEqual(try SafetensorsFile.read(from: dir.file("last.safetensors")).metadata[RunConditions.configKey], "A")
        expectRefusal(try trainer(dir.url, config: record("B")), containing: ["another configuration (x A in the checkpoint, B here)", "resume with the configuration and data it started with"])
        XCTAssertEqual(try trainer(dir.url, config: record("A")).run(resume: true).summary.status, .completed)
    }

    /// A checkpoint from before the records (no `run_config`, no fingerprints) resumes, bit-exactly,
    /// with one warning saying what could not be checked.
    func testACheckpointWithoutRecordsResumesWithAWarning() throws {
        let straight = TemporaryDirectory(), old = TemporaryDirectory()
        let full = try trainer(straight.url, config: record("A")).run()
        try interrupted(old.url, config: record("A"))
        let url = old.file("last.safetensors")
        var file = try SafetensorsFile.read(from: url)
        for key in file.metadata.keys where key == RunConditions.configKey || key.hasPrefix(RunConditions.dataKeyPrefix) { file.metadata[key] = nil }
        try file.write(to: url, checksum: false)
        let resumer = try trainer(old.url, config: record("A"))
        let result = try resumer.run(resume: true)
        XCTAssertEqual(result.history.map(\.withoutTimings), full.history.map(\.withoutTimings))
        XCTAssertEqual(resumer.resumeWarnings, ["\(url.path) does not record the run's configuration and data (written by an earlier MaskLab): "
                       + "resuming without checking that they are the same"])
        // Its next checkpoint records them.
        let metadata = try SafetensorsFile.read(from: url).metadata
        XCTAssertEqual(metadata[RunConditions.configKey], "A")
        XCTAssertEqual(metadata[RunConditions.dataKeyPrefix + "train"], Fixtures.splits().train.fingerprint)
    }

    /// Review item (session 29): a run resumed under another kernel setting went on without a
    /// word. Checkpoints now record the kernel set; a resume under another one is warned about,
    /// naming each part and its variable, and still trains (the run is as valid, its bits differ).
    func testAResumeUnderOtherKernelsIsWarnedAboutNamingTheVariable() throws {
        let here = KernelSet(blas: "SkylakeX", winograd: "fused", strided: "direct")
        XCTAssertEqual(here.text, "blas SkylakeX, winograd fused, strided direct")
        XCTAssertEqual(KernelSet(text: here.text), here)
        for damaged in ["", "blas SkylakeX", "blas SkylakeX, winograd fused, strided", "blas A, blas B, strided direct",
                        "blas SkylakeX, winograd fused, strided direct, extra x"] {
            XCTAssertNil(KernelSet(text: damaged), damaged)
        }
        let conditions = RunConditions(config: nil, data: ["train": "f"], kernels: here)
        XCTAssertEqual(conditions.metadata[RunConditions.kernelsKey], here.text)
        XCTAssertEqual(try conditions.check([RunConditions.kernelsKey: here.text, RunConditions.dataKeyPrefix + "train": "f"], path: "c"), [])
        let saved = KernelSet(blas: "Haswell", winograd: "fused", strided: "im2col")
        let warnings = try conditions.check([RunConditions.kernelsKey: saved.text, RunConditions.dataKeyPrefix + "train": "f"], path: "c")
        XCTAssertEqual(warnings, ["c was written with other kernels (blas Haswell in the checkpoint, SkylakeX here (OPENBLAS_CORETYPE); "
                                  + "strided im2col in the checkpoint, direct here (MASKLAB_DIRECT_STRIDED)): the run goes on, but from "
                                  + "here its bits differ from an uninterrupted run's; resume with the kernels it started with (on a machine "
                                  + "that has them) to keep them"])
        XCTAssertEqual(try conditions.check([RunConditions.kernelsKey: "blas ?", RunConditions.dataKeyPrefix + "train": "f"], path: "c"),
                       ["c records kernels this MaskLab cannot read (\"blas ?\"): resuming without checking them"])

        // End to end, with the stride-2 switch (what MASKLAB_DIRECT_STRIDED=0 sets): the checkpoint
        // records this process's set, and a resume with the switch turned warns and completes.
        let dir = TemporaryDirectory()
        try interrupted(dir.url)
        XCTAssertEqual(try SafetensorsFile.read(from: dir.file("last.safetensors")).metadata[RunConditions.kernelsKey], KernelSet.current.text)
        guard FusedWinograd.available else {
            throw XCTSkip("no AVX-512 here: the kernel switches choose nothing, so the end-to-end half cannot turn one")
        }
        let wasOn = StridedConvolution.enabled
        defer { StridedConvolution.enabled = wasOn }
        StridedConvolution.enabled = !wasOn
        let resumer = try trainer(dir.url)
        XCTAssertEqual(try resumer.run(resume: true).summary.status, .completed)
        XCTAssertEqual(resumer.resumeWarnings.count, 1)
        XCTAssertTrue(resumer.resumeWarnings.first?.contains("strided \(wasOn ? "direct" : "im2col") in the checkpoint, "
                                                              + "\(wasOn ? "im2col" : "direct") here (MASKLAB_DIRECT_STRIDED)") == true,
                      "\(resumer.resumeWarnings)")
    }

    func testFingerprintsDependOnContentOnly() {
        let a = Fixtures.splits().train, b = Quadrants.dataset(count: 256, seed: 11, name: "elsewhere/train")
        XCTAssertEqual(a.fingerprint, b.fingerprint, "the name (or folder) plays no part")
        XCTAssertNotEqual(a.fingerprint, shifted(a).fingerprint)
        XCTAssertNotEqual(a.fingerprint, a.subset(Array(0..<255), name: a.name).fingerprint)
        XCTAssertEqual(a.fingerprint.count, 16)
    }
}
