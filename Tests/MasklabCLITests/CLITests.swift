import XCTest
import Foundation
import TestSupport

/// Runs the real `masklab` binary end to end on tiny generated datasets in the real formats.
final class CLITests: XCTestCase {
    private func masklab(_ args: [String], in dir: URL? = nil, env: [String: String] = [:]) throws -> CommandRunner.Result {
        let r = try CommandRunner.run(args, directory: dir, environment: env, timeout: 240)
        return r
    }

    /// Tiny MNIST: 240 training and 60 test images, gzipped like the official files.
    private func tinyMNIST() throws -> TemporaryDirectory {
        let data = TemporaryDirectory("masklab-cli-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
        return data
    }

    func testHelpListsEveryCommandAndOption() throws {
        let root = try masklab(["--help"])
        XCTAssertEqual(root.status, 0, "\(root)")
        for sub in ["train", "eval", "data", "models"] { XCTAssertTrue(root.stdout.contains(sub), "help lacks \(sub)") }
        let train = try masklab(["train", "--help"])
        for flag in ["--config", "--model", "--hidden", "--epochs", "--iterations", "--optimizer", "--lr", "--momentum",
                     "--[no-]nesterov", "--weight-decay", "--schedule", "--validation", "--seed", "--threads", "--resume", "--out", "--data"] {
            XCTAssertTrue(train.stdout.contains(flag), "train --help lacks \(flag)")
        }
        // The long config-option list comes before USAGE (ArgumentParser prints the discussion first): the help says where the rest is.
        let pointer = try XCTUnwrap(train.stdout.range(of: "are under OPTIONS, after USAGE at the end"), train.stdout)
        let config = try XCTUnwrap(train.stdout.range(of: "CONFIG OPTIONS"))
        XCTAssertLessThan(pointer.lowerBound, config.lowerBound)
        for sub in [["data", "fetch", "--help"], ["data", "verify", "--help"], ["data", "extract", "--help"], ["eval", "--help"], ["models", "--help"]] {
            let r = try masklab(sub)
            XCTAssertEqual(r.status, 0, "\(sub): \(r)")
            XCTAssertTrue(r.stdout.contains("OVERVIEW"), "\(sub) has no overview")
        }
    }

    /// `models --tensors` shows the layout for the dataset asked for: LeNet-5 on MNIST has a
    /// 1-channel first convolution (it always printed CIFAR-10's 3 channels).
    func testModelTensorsFollowTheDataset() throws {
        let mnist = try masklab(["models", "--tensors", "--model", "lenet5", "--dataset", "mnist"])
        XCTAssertEqual(mnist.status, 0, "\(mnist)")
        XCTAssertTrue(mnist.stdout.contains("conv1.weight\t[6, 1, 5, 5]"), mnist.stdout)
        let cifar = try masklab(["models", "--tensors", "--model", "lenet5"])
        XCTAssertTrue(cifar.stdout.contains("conv1.weight\t[6, 3, 5, 5]"), cifar.stdout)
        let unknown = try masklab(["models", "--tensors", "--model", "lenet5", "--dataset", "imagenet"])
        XCTAssertEqual(unknown.status, 64)
        XCTAssertTrue(unknown.stderr.contains("unknown dataset 'imagenet'"), unknown.stderr)
        // mlp's hidden sizes are an option here as in train; --model alone shows its one row.
        let mlp = try masklab(["models", "--tensors", "--model", "mlp", "--hidden", "8,8"])
        XCTAssertEqual(mlp.status, 0, "\(mlp)")
        XCTAssertTrue(mlp.stdout.contains("fc2.weight\t[8, 8]") && mlp.stdout.contains("6442 parameters"), mlp.stdout)
        let row = try masklab(["models", "--model", "mlp", "--hidden", "[8]"])   // as a config file writes it
        let lines = row.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2, row.stdout)
        XCTAssertTrue(lines[1].hasPrefix("mlp ") && lines[1].contains(" 6370 "), row.stdout)
        let bad = try masklab(["models", "--model", "mlp", "--hidden", "8,0"])
        XCTAssertEqual(bad.status, 64, "\(bad)")
    }

    /// train → files and rows; eval of the checkpoint reproduces the last test accuracy; a second
    /// identical run gives identical metrics (bit-identical determinism through the CLI).
    func testTrainEvalAndDeterminism() throws {
        let data = try tinyMNIST()
        let out = TemporaryDirectory("masklab-cli-out")
        let args = ["train", "--data", data.path, "--epochs", "2", "--batch-size", "32", "--hidden", "16",
                    "--threads", "1", "--seed", "3", "--lr", "0.05"]
        let a = try masklab(args + ["--out", out.file("a").path])
        XCTAssertEqual(a.status, 0, "\(a)")
        XCTAssertTrue(a.stdout.contains("completed: 2 epochs"), a.stdout)
        for f in ["config.json", "command.txt", "metrics.csv", "summary.json", "curves.svg", "last.safetensors"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.file("a/\(f)").path), "missing \(f)")
        }
        // A relative --out is relative to the directory command.txt names.
        let rel = try CommandRunner.run(["train", "--data", data.path, "--iterations", "2", "--batch-size", "32", "--hidden", "16",
                                         "--threads", "1", "--out", "rel", "--quiet"], directory: out.url, timeout: 120)
        XCTAssertEqual(rel.status, 0, "\(rel)")
        let command = try String(contentsOf: out.file("rel/command.txt"), encoding: .utf8)
        XCTAssertTrue(command.contains("--out rel") && command.contains("\ndirectory: \(out.url.standardizedFileURL.resolvingSymlinksInPath().path)\n")
                      || command.contains("\ndirectory: \(out.path)\n"), command)
        // command.txt names the commit the binary was built from, as --version does.
        let version = try masklab(["--version"])
        if !version.stdout.contains("(commit unknown") {   // a build outside a git clone has no commit to stamp
            let stamp = try XCTUnwrap(version.stdout.range(of: #"\(commit [0-9a-f]{12}"#, options: .regularExpression), version.stdout)
            let commit = String(version.stdout[stamp].dropFirst(8))
            let command = try String(contentsOf: out.file("a/command.txt"), encoding: .utf8)
            XCTAssertTrue(command.contains("commit: \(commit)"), "\(commit) not in \(command)")
        }
        let rowsA = try RunMetrics.csvRows(out.file("a/metrics.csv"))
        XCTAssertEqual(rowsA.count, 3, "header + 2 epochs expected")
        XCTAssertTrue(rowsA[0].contains("gap") && rowsA[0].contains("test_accuracy"), "\(rowsA[0])")

        let b = try masklab(args + ["--out", out.file("b").path])
        XCTAssertEqual(b.status, 0, "\(b)")
        XCTAssertEqual(RunMetrics.deterministicColumns(rowsA), try RunMetrics.withoutTimes(out.file("b/metrics.csv")),
                       "same command and seed must give identical metrics")

        let c = try masklab(args.map { $0 == "3" ? "4" : $0 } + ["--out", out.file("c").path])
        XCTAssertEqual(c.status, 0, "\(c)")
        XCTAssertNotEqual(RunMetrics.deterministicColumns(rowsA), try RunMetrics.withoutTimes(out.file("c/metrics.csv")),
                          "another seed must give other metrics")

        let eval = try masklab(["eval", out.file("a").path, "--data", data.path, "--json", "--threads", "1"])
        XCTAssertEqual(eval.status, 0, "\(eval)")
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.file("a/summary.json"))) as? [String: Any])
        XCTAssertEqual(json["testAccuracy"] as? Double, summary["finalTestAccuracy"] as? Double, "eval must reproduce the run's last test accuracy")
        XCTAssertEqual(json["testSamples"] as? Int, 60)
        XCTAssertFalse(eval.stderr.contains("warning"), "a completed run's weights: no warning: \(eval.stderr)")
        // The test set alone needs only its own files: a folder with just the t10k files scores the same.
        let testOnly = TemporaryDirectory("masklab-cli-testonly")
        for name in ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"] {
            try FileManager.default.copyItem(at: data.file(name), to: testOnly.file(name))
        }
        let alone = try masklab(["eval", out.file("a").path, "--data", testOnly.path, "--json", "--threads", "1"])
        XCTAssertEqual(alone.status, 0, "\(alone)")
        XCTAssertEqual(alone.stdout, eval.stdout, "the same scores from the test files alone")
        let withTrain = try masklab(["eval", out.file("a").path, "--data", testOnly.path, "--train", "--threads", "1"])
        XCTAssertEqual(withTrain.status, 1, "--train needs the training files: \(withTrain)")
        XCTAssertTrue(withTrain.stderr.contains("train-images-idx3-ubyte"), withTrain.stderr)
        // The weights of a run that did not complete are scored with a warning on stderr; --json stays clean.
        try FileManager.default.copyItem(at: out.file("a"), to: out.file("cut"))
        try FileManager.default.removeItem(at: out.file("cut/summary.json"))
        let cut = try masklab(["eval", out.file("cut").path, "--data", data.path, "--json", "--threads", "1"])
        XCTAssertEqual(cut.status, 0, "\(cut)")
        XCTAssertTrue(cut.stderr.contains("warning: the weights") && cut.stderr.contains("has not finished (no summary.json)"), cut.stderr)
        XCTAssertNotNil(try? JSONSerialization.jsonObject(with: Data(cut.stdout.utf8)), cut.stdout)
    }

    /// A config file sets the run; a flag overrides one field; unknown keys are refused.
    func testConfigFileAndOverrides() throws {
        let dir = TemporaryDirectory("masklab-cli-config")
        let config = dir.file("c.json")
        try #"{"model": "mlp", "modelOptions": {"hidden": [8]}, "budget": {"iterations": 3}, "optimizer": {"name": "adam", "learningRate": 0.001}}"#
            .write(to: config, atomically: true, encoding: .utf8)
        let r = try masklab(["train", "--config", config.path, "--lr", "0.01", "--print-config"])
        XCTAssertEqual(r.status, 0, "\(r)")
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let opt = try XCTUnwrap(json["optimizer"] as? [String: Any])
        XCTAssertEqual(opt["name"] as? String, "adam")
        XCTAssertEqual((opt["learningRate"] as? Double).map { Float($0) }, 0.01)
        XCTAssertEqual((json["budget"] as? [String: Int])?["iterations"], 3)

        let bad = dir.file("bad.json")
        try #"{"modle": "mlp"}"#.write(to: bad, atomically: true, encoding: .utf8)
        let e = try masklab(["train", "--config", bad.path, "--print-config"])
        XCTAssertNotEqual(e.status, 0)
        XCTAssertTrue(e.stderr.contains("unknown key modle; did you mean model?"), e.stderr)
    }

    func testClearErrorsOnBadInput() throws {
        let data = try tinyMNIST()
        let unknown = try masklab(["train", "--data", data.path, "--model", "resnet99"])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("model must be one of mlp") && unknown.stderr.contains("alexnet, got \"resnet99\""), unknown.stderr)

        let missing = try masklab(["train", "--data", data.file("nowhere").path])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("nowhere") && missing.stderr.contains("masklab data fetch"), missing.stderr)

        // A truncated label file: the error names the file and the offset.
        let labels = data.file("t10k-labels-idx1-ubyte.gz")
        let raw = DatasetFixtures.idxLabels(DatasetFixtures.labels(60))
        try DatasetFixtures.write(DatasetFixtures.gzip(Array(raw.prefix(30))), to: labels)
        let truncated = try masklab(["train", "--data", data.path, "--epochs", "1", "--out", data.file("run").path])
        XCTAssertNotEqual(truncated.status, 0)
        XCTAssertTrue(truncated.stderr.contains("t10k-labels-idx1-ubyte"), truncated.stderr)
        XCTAssertTrue(truncated.stderr.contains("offset"), truncated.stderr)
    }

    /// An interrupted run (iteration budget reached early via --iterations, then extended is not
    /// allowed) — here: stop mid-run with SIGINT, resume, and compare with an uninterrupted run.
    func testInterruptAndResumeGiveTheUninterruptedMetrics() throws {
        let data = TemporaryDirectory("masklab-cli-resume")
        try DatasetFixtures.writeMNIST(to: data.url, train: 3000, test: 100, gzipped: false)
        let out = TemporaryDirectory("masklab-cli-resume-out")
        let args = ["train", "--data", data.path, "--epochs", "3", "--batch-size", "10", "--hidden", "64,64",
                    "--threads", "1", "--checkpoint-every-iterations", "25"]
        let (full, resumed) = try RunMetrics.interruptAndResume(args, out: out)
        XCTAssertEqual(full, resumed, "a resumed run must end with the uninterrupted run's metrics")
    }

    /// `data fetch` from a mirror on a loopback HTTP server: generated files have non-official
    /// MD5s, so the fetch is refused, then accepted with the flag, then `data verify` loads them.
    func testDataFetchFromLoopbackMirrorAndVerify() throws {
        var files: [String: [UInt8]] = [:]
        files["train-images-idx3-ubyte.gz"] = DatasetFixtures.gzip(DatasetFixtures.idxImages(count: 20))
        files["train-labels-idx1-ubyte.gz"] = DatasetFixtures.gzip(DatasetFixtures.idxLabels(DatasetFixtures.labels(20)))
        files["t10k-images-idx3-ubyte.gz"] = DatasetFixtures.gzip(DatasetFixtures.idxImages(count: 10, offset: 1000))
        files["t10k-labels-idx1-ubyte.gz"] = DatasetFixtures.gzip(DatasetFixtures.idxLabels(DatasetFixtures.labels(10)))
        let server = try LoopbackHTTPServer(files: files, lifetime: 60)
        defer { server.stop() }
        let root = TemporaryDirectory("masklab-cli-fetch")

        let refused = try masklab(["data", "fetch", "mnist", "--root", root.path, "--mirror", server.baseURL])
        XCTAssertNotEqual(refused.status, 0, "\(refused)")
        XCTAssertTrue(refused.stderr.lowercased().contains("md5") || refused.stderr.lowercased().contains("checksum"), refused.stderr)

        let fetched = try masklab(["data", "fetch", "mnist", "--root", root.path, "--mirror", server.baseURL, "--accept-checksum-mismatch"])
        XCTAssertEqual(fetched.status, 0, "\(fetched)")
        XCTAssertTrue(fetched.stdout.contains("not the official"), fetched.stdout)
        XCTAssertFalse(fetched.stdout.contains("\u{1B}"), "no terminal control codes when stdout is not a terminal: \(fetched.stdout.debugDescription)")

        let verify = try masklab(["data", "verify", "mnist", "--root", root.path])
        XCTAssertEqual(verify.status, 0, "\(verify)")
        XCTAssertTrue(verify.stdout.contains("20 samples") && verify.stdout.contains("10 samples"), verify.stdout)
        // Each file that is not the official one is said once (on its own line), not again as a warning.
        XCTAssertEqual(verify.stdout.components(separatedBy: "NOT the official").count - 1, 4, verify.stdout)
        XCTAssertFalse(verify.stdout.contains("is not the official file"), verify.stdout)
        XCTAssertTrue(verify.stdout.contains("loaded, with 2 warnings above and 4 files not the official ones (marked NOT above)"), verify.stdout)
    }
}
