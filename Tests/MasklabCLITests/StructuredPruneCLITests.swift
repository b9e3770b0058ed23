import XCTest
import Foundation
import TestSupport

/// `masklab prune --structured` through the real binary on a tiny generated CIFAR-10: train a
/// ResNet-18 of width 4, prune half of every block's inner channels, evaluate the pruned model,
/// fine-tune it for an epoch, time it with `bench --pruned`; and the refusals.
final class StructuredPruneCLITests: XCTestCase {
    private func masklab(_ args: [String]) throws -> CommandRunner.Result {
        try CommandRunner.run(args, directory: nil, environment: [:], timeout: 400)
    }

    func testPruneEvalFineTuneAndBenchAPrunedResNet() throws {
        let data = TemporaryDirectory("masklab-structured-data")
        try DatasetFixtures.writeCIFAR(to: data.url, perBatch: 12, test: 20, archived: false)
        let out = TemporaryDirectory("masklab-structured-out")
        let run = out.file("dense")
        let small = ["--data", data.path, "--epochs", "1", "--batch-size", "20", "--threads", "1", "--quiet"]
        let t = try masklab(["train", "--model", "resnet18", "--width", "4", "--dataset", "cifar10", "--out", run.path] + small)
        XCTAssertEqual(t.status, 0, "\(t)")

        let pruned = out.file("pruned")
        let p = try masklab(["prune", run.path, "--structured", "--criterion", "bn-gamma", "--ratio", "0.5", "--out", pruned.path])
        XCTAssertEqual(p.status, 0, "\(p)")
        XCTAssertTrue(p.stdout.contains("layer1.0.conv1               4 →     2 channels"), p.stdout)
        XCTAssertTrue(p.stdout.contains("layer4.1.conv1              32 →    16 channels"), p.stdout)
        let config = try String(contentsOf: pruned.appendingPathComponent("config.json"), encoding: .utf8)
        XCTAssertTrue(config.replacingOccurrences(of: " ", with: "").replacingOccurrences(of: "\n", with: "").contains("\"channels\":[2,2,4,4,8,8,16,16]"), config)
        XCTAssertTrue(try String(contentsOf: pruned.appendingPathComponent("model.py"), encoding: .utf8).contains("inner=[2, 2, 4, 4, 8, 8, 16, 16]"))
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: pruned.appendingPathComponent("structured.json"))) as? [String: Any])
        XCTAssertEqual(report["criterion"] as? String, "bn-gamma")
        XCTAssertLessThan(report["prunedForwardMACs"] as? Int ?? .max, report["denseForwardMACs"] as? Int ?? 0)

        // Evaluates and fine-tunes as any model.
        let model = pruned.appendingPathComponent("model.safetensors").path
        let e = try masklab(["eval", model, "--data", data.path, "--json", "--threads", "1"])
        XCTAssertEqual(e.status, 0, "\(e)")
        XCTAssertNotNil((try? JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as? [String: Any])?["testAccuracy"], e.stdout)
        let f = try masklab(["train", "--config", pruned.appendingPathComponent("config.json").path, "--init-from", model,
                             "--out", out.file("finetuned").path] + small)
        XCTAssertEqual(f.status, 0, "\(f)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.file("finetuned/last.safetensors").path))
        // `runs` lists the trainings, not the pruned model's folder (a config nothing has trained in yet).
        let listed = try masklab(["runs", out.path, "--json"])
        XCTAssertEqual(listed.status, 0, "\(listed)")
        let names = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]]).compactMap { $0["name"] as? String }
        XCTAssertEqual(names, ["dense", "finetuned"], listed.stdout)

        // The same output folder is not overwritten without --overwrite.
        let again = try masklab(["prune", run.path, "--structured", "--ratio", "0.5", "--out", pruned.path])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("--overwrite"), again.stderr)

        // A pruned file against the dense config: the first mismatching tensor and both shapes.
        let wrong = try masklab(["eval", model, "--config", run.appendingPathComponent("config.json").path, "--data", data.path])
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.stderr.contains("tensor 'layer1.0.conv1.weight': the model expects F32 [4, 4, 3, 3], the file has F32 [2, 4, 3, 3]"), wrong.stderr)

        // bench --pruned: dense, pruned and masked in the same run (a loaded machine: no timing is asserted).
        let b = try masklab(["bench", "--pruned", pruned.path, "--steps", "1", "--warmup", "0", "--threads", "1"])
        XCTAssertEqual(b.status, 0, "\(b)")
        XCTAssertTrue(b.stdout.contains("\(pruned.path)#pruned: FLOP reduction"), b.stdout)
        XCTAssertTrue(b.stdout.contains("unstructured mask at the same sparsity"), b.stdout)
    }

    func testBenchAddsPrunedAndMaskedVariantsOfAWorkload() throws {
        let r = try masklab(["bench", "--workloads", "mlp", "--structured", "0.5", "--steps", "2", "--warmup", "0", "--threads", "1", "--json"])
        XCTAssertEqual(r.status, 0, "\(r)")
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let results = try XCTUnwrap(json["results"] as? [[String: Any]])
        XCTAssertEqual(results.compactMap { $0["workload"] as? String }, ["mlp", "mlp/pruned-0.5", "mlp/masked-0.5"])
        XCTAssertEqual(results[1]["forwardMACsPerSample"] as? Int, 784 * 150 + 150 * 50 + 50 * 10, "hidden 300, 100 → 150, 50")
        XCTAssertEqual(results[2]["forwardMACsPerSample"] as? Int, 784 * 300 + 300 * 100 + 100 * 10, "the masked model runs the dense kernels")
        XCTAssertEqual(results[2]["tensorAllocationsInSteps"] as? Int, 0)
        let bad = try masklab(["bench", "--workloads", "mlp", "--structured", "1"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--structured"), bad.stderr)
    }

    func testStructuredRefusalsAndTheCriterionOptionsFromTheirDeclarations() throws {
        let data = TemporaryDirectory("masklab-structured-bad-data")
        try DatasetFixtures.writeCIFAR(to: data.url, perBatch: 4, test: 4, archived: false)
        let out = TemporaryDirectory("masklab-structured-bad-out")
        let run = out.file("dense")
        let t = try masklab(["train", "--model", "resnet18", "--width", "4", "--dataset", "cifar10", "--data", data.path, "--out", run.path,
                             "--epochs", "1", "--batch-size", "10", "--threads", "1", "--quiet"])
        XCTAssertEqual(t.status, 0, "\(t)")
        for (args, message) in [
            (["--structured", "--ratio", "0.9"], "ratio 0.9 removes all 4 channels of layer1.0.conv1"),
            (["--structured"], "--structured needs --ratio"),
            (["--structured", "--ratio", "1"], "--ratio must be in [0, 1), got 1.0"),
            (["--structured", "--ratio", "0.5", "--criterion", "magnitude"], "unknown pruning criterion 'magnitude'; valid criteria: l1-filter, bn-gamma"),
            (["--ratio", "0.5"], "--ratio is the share of channels --structured removes"),
            // The criterion flags come from PruningConfig's declarations, ranges included (the
            // hand-declared flags before only checked ≥ 1 and let 20000 rounds through).
            (["--criterion-batches", "0"], "--criterion-batches: batches must be in [1, 1000], got 0"),
            (["--synflow-rounds", "20000"], "synflowRounds must be in [1, 10000], got 20000"),
        ] {
            let r = try masklab(["prune", run.path] + args + ["--out", out.file("p").path])
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.file("p/model.safetensors").path), "a refused prune writes nothing")
        let help = try masklab(["prune", "--help"])
        XCTAssertTrue(help.stdout.contains("CRITERION OPTIONS") && help.stdout.contains("synflowRounds: SynFlow") && help.stdout.contains("graspTemperature: GraSP")
                      && help.stdout.contains("batches: Training batches"), "the help lists the declared options with their keys: \(help.stdout)")
    }
}
