import XCTest
import Foundation

/// A Python interpreter with PyTorch for tests that check MaskLab's files in PyTorch:
/// `MASKLAB_TORCH_PYTHON`, else `/work/torch-venv/bin/python`; without one (or without torch)
/// the calling test skips and says so. When that Python lacks `safetensors`, it is installed with
/// pip into `.build/torch-snippet-packages` (beside the interpreter's environment, not into it).
public enum TorchPython {
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    private static let packages = root.appendingPathComponent(".build/torch-snippet-packages")

    /// The interpreter and the environment it needs for `import torch, safetensors.torch`.
    public static func locate() throws -> (python: URL, environment: [String: String]) {
        let given = ProcessInfo.processInfo.environment["MASKLAB_TORCH_PYTHON"]
        guard let path = [given, "/work/torch-venv/bin/python"].compactMap({ $0 }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("no Python with PyTorch: set MASKLAB_TORCH_PYTHON to one to run the PyTorch checks")
        }
        let python = URL(fileURLWithPath: path)
        let torch = try CommandRunner.run(["-c", "import torch"], executable: python, timeout: 120)
        guard torch.status == 0 else { throw XCTSkip("\(path) cannot import torch: \(torch.stderr.suffix(300))") }
        if try CommandRunner.run(["-c", "import safetensors.torch"], executable: python, timeout: 120).status == 0 { return (python, [:]) }
        let environment = ["PYTHONPATH": packages.path]
        if try CommandRunner.run(["-c", "import safetensors.torch"], executable: python, environment: environment, timeout: 120).status != 0 {
            let pip = try CommandRunner.run(["-m", "pip", "install", "--disable-pip-version-check", "--quiet", "--target", packages.path, "safetensors"],
                                            executable: python, timeout: 300)
            guard pip.status == 0 else {
                throw XCTSkip("\(path) has torch but not safetensors, and pip cannot install it (no network?): \(pip.stderr.suffix(300))")
            }
        }
        return (python, environment)
    }
}
