import XCTest
import Foundation
import TestSupport

/// The README's PyTorch snippet, run as written: a MaskLab checkpoint of the default `mlp` loads
/// into the PyTorch module it defines (`load_state_dict`, strict), and that module's test loss
/// and accuracy on the run's test set equal `masklab eval`'s. Needs a Python with torch
/// (`TorchPython`); without one the test skips and says so.
final class ReadmeTorchSnippetTests: XCTestCase {
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The ```python block of the README that calls `load_state_dict`.
    private func snippet() throws -> String {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let blocks = readme.components(separatedBy: "```python\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        return try XCTUnwrap(blocks.first { $0.contains("load_state_dict") }, "README has no ```python block with load_state_dict")
    }

    func testCheckpointLoadsIntoPyTorchAsTheREADMESays() throws {
        let (python, environment) = try TorchPython.locate()
        let code = try snippet()
        let placeholder = "results/mlp-mnist/last.safetensors"
        XCTAssertTrue(code.contains(placeholder), "the snippet reads the default run's checkpoint")

        let data = TemporaryDirectory("masklab-snippet-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: false)
        let out = TemporaryDirectory("masklab-snippet-out")
        let run = out.file("mlp-mnist")
        let train = try CommandRunner.run(["train", "--data", data.path, "--out", run.path, "--epochs", "1", "--batch-size", "40",
                                           "--threads", "1", "--quiet"], timeout: 240)
        XCTAssertEqual(train.status, 0, "\(train)")
        let eval = try CommandRunner.run(["eval", run.path, "--data", data.path, "--json", "--threads", "1"], timeout: 240)
        XCTAssertEqual(eval.status, 0, "\(eval)")
        let reference = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])

        // The snippet as written, then the test set through the loaded module.
        let script = code.replacingOccurrences(of: placeholder, with: run.appendingPathComponent("last.safetensors").path) + """

            import json, numpy as np, torch
            images = np.fromfile("\(data.file("t10k-images-idx3-ubyte").path)", dtype=np.uint8)[16:].reshape(-1, 1, 28, 28)
            labels = torch.from_numpy(np.fromfile("\(data.file("t10k-labels-idx1-ubyte").path)", dtype=np.uint8)[8:].astype(np.int64))
            x = (torch.from_numpy(images.astype(np.float32)) / 255 - 0.1307) / 0.3081
            model.eval()
            with torch.no_grad():
                logits = model(x)
            loss = torch.nn.functional.cross_entropy(logits, labels).item()
            accuracy = int((logits.argmax(1) == labels).sum()) / len(labels)
            print(json.dumps({"testLoss": loss, "testAccuracy": accuracy}))
            """
        let url = out.file("snippet.py")
        try script.write(to: url, atomically: true, encoding: .utf8)
        let r = try CommandRunner.run([url.path], executable: python, environment: environment, timeout: 240)
        XCTAssertEqual(r.status, 0, "the README snippet fails in PyTorch:\n\(r)")
        let torch = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
        let (loss, masklabLoss) = (try XCTUnwrap(torch["testLoss"] as? Double), try XCTUnwrap(reference["testLoss"] as? Double))
        XCTAssertEqual(loss, masklabLoss, accuracy: 1e-5 * max(1, abs(masklabLoss)), "PyTorch's test loss vs masklab eval's")
        XCTAssertEqual(torch["testAccuracy"] as? Double, reference["testAccuracy"] as? Double, "PyTorch's test accuracy vs masklab eval's")
        print("README snippet: PyTorch test loss \(loss), masklab eval \(masklabLoss); accuracy \(torch["testAccuracy"] ?? "?")")
    }
}
