import XCTest
import Foundation
import Experiments
import TestSupport

/// The fuzz suite for what a run folder holds (issue 12): seeded mutations of JSON run configs,
/// fed to the config reader in process and to `masklab train --config … --print-config`, and of
/// a real checkpoint, fed to `masklab eval` and `masklab train --resume`. A case fails on any
/// signal or hang of the binary, and on a refused input that left a changed or new file behind
/// (`FuzzCase`). The in-process checkpoint reader has its own mutation test
/// (`Tests/TrainingTests/CheckpointFuzzTests.swift`).
final class ConfigAndCheckpointFuzzTests: XCTestCase {
    /// A complete config as `--print-config` writes it, and a partial one with masks.
    static let configSeeds: [String] = [
        """
        {"model": "mlp", "modelOptions": {"hidden": [4]}, "dataset": "mnist", "batchSize": 4,
         "optimizer": {"name": "sgd", "learningRate": 0.05, "momentum": 0.9, "nesterov": true, "weightDecay": 0.0001},
         "schedule": {"name": "cosine", "warmupIterations": 0}, "budget": {"iterations": 2}, "seed": 7, "threads": 1,
         "trainSubset": 0, "validation": 0}
        """,
        """
        {"budget": {"epochs": 1}, "masks": {"name": "importance", "keep": 0.2, "target": "gradients", "scaling": "none",
         "exclude": ["last"], "importance": {"lambda": 1, "steps": 2, "eta": 0.05}}}
        """,
    ]

    func testRunConfigs() {
        let seeds = Self.configSeeds.map { FuzzSeed(file: "config.json", bytes: Array($0.utf8)) }
        FuzzCase.check(FuzzCorpus(name: "run-config-json", seeds: seeds,
                                  load: { folder in _ = try RunConfig.load(from: folder.appendingPathComponent("config.json")) },
                                  commands: [{ folder in ["train", "--config", folder.appendingPathComponent("config.json").path, "--print-config"] }],
                                  // The reader checks the file; the command also checks the registries and the limits of
                                  // this machine, so it may refuse what the reader accepts.
                                  commandsAgreeWithLoad: false)) { XCTFail($0) }
    }

    func testCheckpointsThroughTheBinary() throws {
        let data = TemporaryDirectory("masklab-fuzz-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 24, test: 8, gzipped: false)
        let run = TemporaryDirectory("masklab-fuzz-run")
        let trained = try CommandRunner.run(["train", "--hidden", "4", "--iterations", "3", "--batch-size", "8", "--threads", "1",
                                             "--data", data.path, "--out", run.file("r").path, "--quiet"])
        XCTAssertEqual(trained.status, 0, "\(trained)")
        let checkpoint = try DatasetFixtures.read(run.file("r/last.safetensors"))
        let config = try DatasetFixtures.read(run.file("r/config.json"))
        let headerLength = Int(checkpoint[0]) | Int(checkpoint[1]) << 8 | Int(checkpoint[2]) << 16
        let seed = FuzzSeed(file: "r/last.safetensors", bytes: checkpoint,
                            fields: [FuzzField(offset: 0, width: 8), FuzzField(offset: 8 + headerLength / 2, width: 8)],
                            companions: ["r/config.json": config])
        FuzzCase.check(FuzzCorpus(name: "checkpoint-binary", seeds: [seed],
                                  // Nothing to read in process here: every case goes to the binary, which must
                                  // refuse or accept without a signal and leave the folder as it was when it refuses.
                                  load: { _ in },
                                  commands: [{ folder in ["eval", folder.appendingPathComponent("r").path, "--data", data.path] },
                                             { folder in ["train", "--config", folder.appendingPathComponent("r/config.json").path, "--data", data.path,
                                                          "--out", folder.appendingPathComponent("r").path, "--resume", "--quiet"] }],
                                  commandsAgreeWithLoad: false),
                       settings: { var s = FuzzSettings.fromEnvironment(); s.commandEvery = 1; s.maxCases = min(s.maxCases, 60); return s }()) { XCTFail($0) }
    }
}
