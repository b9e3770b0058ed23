import XCTest
import Foundation
import TestSupport

/// Review items through the real binary: `train --resume` continued a run under an edited
/// `config.json` (then claimed the edited settings for the whole run), under other flags once
/// `config.json` was gone, and on another copy of the data with other labels. Each is now refused,
/// naming the key or split and both values, and the folder is left as it was; the run's own
/// settings and data still resume.
final class ResumeConditionsCLITests: XCTestCase {
    private func masklab(_ args: [String]) throws -> CommandRunner.Result {
        try CommandRunner.run(args, timeout: 240)
    }

    private func expectRefusal(_ args: [String], folder: URL, containing parts: [String], line: UInt = #line) throws {
        let before = FolderSnapshot(folder)
        let r = try masklab(args)
        XCTAssertNotEqual(r.status, 0, "\(r)", line: line)
        for p in parts { XCTAssertTrue(r.stderr.contains(p), "stderr lacks \(p): \(r.stderr)", line: line) }
        XCTAssertNil(before.difference(FolderSnapshot(folder)), "a refused resume leaves the folder as it was", line: line)
    }

    func testAnEditedConfigOtherFlagsAndOtherDataAreRefused() throws {
        let data = TemporaryDirectory("masklab-resume-cli-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
        let dir = TemporaryDirectory("masklab-resume-cli")
        let run = dir.file("HE")
        let flags = ["--model", "mlp", "--hidden", "8", "--epochs", "1", "--batch-size", "32", "--threads", "1", "--seed", "3", "--out", run.path]
        let first = try masklab(["train", "--data", data.path, "--quiet"] + flags)
        XCTAssertEqual(first.status, 0, "\(first)")

        // config.json edited (the run ran 1 epoch at lr 0.05), then resumed with it.
        let configFile = run.appendingPathComponent("config.json")
        var config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: configFile)) as? [String: Any])
        config["budget"] = ["epochs": 2]
        var optimizer = try XCTUnwrap(config["optimizer"] as? [String: Any])
        optimizer["learningRate"] = 0.01
        config["optimizer"] = optimizer
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys]).write(to: configFile)
        try expectRefusal(["train", "--data", data.path, "--config", configFile.path, "--out", run.path, "--resume"], folder: run,
                          containing: ["last.safetensors: the run was checkpointed with another configuration",
                                       "budget.epochs 1 in the checkpoint, 2 here", "optimizer.learningRate 0.05 in the checkpoint, 0.01 here"])

        // config.json deleted, resumed with another learning rate.
        try FileManager.default.removeItem(at: configFile)
        try expectRefusal(["train", "--data", data.path, "--lr", "0.01", "--resume"] + flags, folder: run,
                          containing: ["optimizer.learningRate 0.05 in the checkpoint, 0.01 here"])

        // Another copy of MNIST whose training labels are shifted by one class.
        let shifted = TemporaryDirectory("masklab-resume-cli-shifted")
        try DatasetFixtures.writeMNIST(to: shifted.url, train: 240, test: 60, gzipped: true)
        try DatasetFixtures.write(DatasetFixtures.gzip(DatasetFixtures.idxLabels(DatasetFixtures.labels(240).map { ($0 + 1) % 10 })),
                                  to: shifted.file("train-labels-idx1-ubyte.gz"))
        try expectRefusal(["train", "--data", shifted.path, "--resume"] + flags, folder: run, containing: ["the run was checkpointed with other train data"])

        // Its own settings and data resume (nothing left to train: it completes at once).
        let same = try masklab(["train", "--data", data.path, "--resume", "--quiet"] + flags)
        XCTAssertEqual(same.status, 0, "\(same)")
        XCTAssertFalse(same.stderr.contains("warning"), same.stderr)
    }
}
