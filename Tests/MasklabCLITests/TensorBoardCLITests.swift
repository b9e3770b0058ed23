import XCTest
import Foundation
import TestSupport

/// A run's TensorBoard event file read back by TensorBoard itself (`EventAccumulator`, in a
/// virtual environment with `pip install tensorboard`, made once and kept in `.build/`): every
/// scalar equals `metrics.csv`, the per-iteration scalars sit at every N-th step and (N = 1)
/// average to the epoch's train loss and accuracy, every importance histogram equals
/// `importance_histograms.csv`, the parameter histograms of the last epoch equal
/// `last.safetensors`, the HParams session lists `config.json`, and a flipped or cut file fails
/// TensorBoard's CRC and length checks (`Tests/Fixtures/tensorboard_check.py`). Without Python
/// or PyPI the tests skip and say why.
final class TensorBoardCLITests: XCTestCase {
    private static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    private static let checker = packageRoot.appendingPathComponent("Tests/Fixtures/tensorboard_check.py")
    private static let venv = packageRoot.appendingPathComponent(".build/tensorboard-venv")
    private static let readyStamp = venv.appendingPathComponent(".masklab-ready")

    /// The venv's python with `tensorboard` importable, creating the venv when needed; skips
    /// (with the reason) when `python3 -m venv` or `pip install tensorboard` fails.
    private func tensorBoardPython() throws -> URL {
        let python = Self.venv.appendingPathComponent("bin/python")
        let fm = FileManager.default
        if fm.fileExists(atPath: Self.readyStamp.path) { return python }
        try? fm.removeItem(at: Self.venv)
        let started = Date()
        let env = URL(fileURLWithPath: "/usr/bin/env")
        let venv = try CommandRunner.run(["python3", "-m", "venv", Self.venv.path], executable: env, timeout: 120)
        guard venv.status == 0 else { throw XCTSkip("cannot create a Python venv for the TensorBoard reader test (python3 -m venv): \(venv)") }
        let pip = try CommandRunner.run(["-m", "pip", "install", "--disable-pip-version-check", "--quiet", "tensorboard"],
                                        executable: python, timeout: 300)
        guard pip.status == 0 else {
            try? fm.removeItem(at: Self.venv)
            throw XCTSkip("pip cannot install tensorboard (no network or PyPI unreachable?), so the TensorBoard reader test is skipped: \(pip)")
        }
        let check = try CommandRunner.run(["-c", "import tensorboard.backend.event_processing.event_accumulator"], executable: python, timeout: 120)
        guard check.status == 0 else { throw XCTSkip("tensorboard installed but does not import: \(check)") }
        try Data().write(to: Self.readyStamp)
        print("TensorBoard venv created in \(String(format: "%.1f", Date().timeIntervalSince(started))) s at \(Self.venv.path)")
        return python
    }

    private func check(_ run: URL, python: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try CommandRunner.run([Self.checker.path, run.path], executable: python, timeout: 240)
        XCTAssertEqual(r.status, 0, "\(r)", file: file, line: line)
        for expected in ["OK scalars", "OK iterations", "OK parameter histograms", "OK histograms", "OK hparams",
                         "OK flipped file refused", "OK truncated file refused"] {
            XCTAssertTrue(r.stdout.contains(expected), "missing '\(expected)' in\n\(r)", file: file, line: line)
        }
    }

    private let importance = ["--mask", "importance", "--keep", "0.5", "--importance-steps", "3", "--importance-lambda", "1"]

    func testEventFileReadBackByTensorBoard() throws {
        let python = try tensorBoardPython()
        let data = TemporaryDirectory("masklab-tb-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
        let out = TemporaryDirectory("masklab-tb-out")
        let run = try CommandRunner.run(["train", "--data", data.path, "--out", out.file("run").path, "--epochs", "3", "--batch-size", "32",
                                         "--hidden", "16", "--threads", "1", "--seed", "3", "--importance-refresh-iterations", "5",
                                         "--tensorboard-every-iterations", "1", "--tensorboard-weight-histograms"] + importance,
                                        timeout: 240)
        XCTAssertEqual(run.status, 0, "\(run)")
        try check(out.file("run"), python: python)
    }

    /// Killed after a refresh that follows the last checkpoint, then resumed: the one event
    /// file holds each step once (TensorBoard's scalar steps equal metrics.csv's iterations, the
    /// per-iteration scalars every 7th step, the parameter histograms one per epoch, its
    /// importance histograms the CSV's refreshes); without the resume rule the refreshes and
    /// per-iteration scalars after the checkpoint would appear twice, and the parameter
    /// histograms at the checkpoint would be lost.
    func testResumedRunHasEachStepOnce() throws {
        let python = try tensorBoardPython()
        let data = TemporaryDirectory("masklab-tb-resume-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 3000, test: 100, gzipped: false)
        let out = TemporaryDirectory("masklab-tb-resume-out")
        // 300 iterations per epoch, a checkpoint at each epoch's end, a refresh every 40 iterations.
        let args = ["train", "--data", data.path, "--out", out.file("run").path, "--epochs", "3", "--batch-size", "10", "--hidden", "32",
                    "--threads", "1", "--importance-refresh-iterations", "40",
                    "--tensorboard-every-iterations", "7", "--tensorboard-weight-histograms"] + importance
        let p = Process()
        p.executableURL = CommandRunner.masklab
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        // Kill (no clean stop) once epoch 1 is checkpointed and the refreshes at 320 and 360 have run.
        let histograms = out.file("run/importance_histograms.csv").path
        let deadline = Date().addingTimeInterval(120)
        func lastRefresh() -> Int {
            guard let text = try? String(contentsOfFile: histograms, encoding: .utf8), let last = text.split(separator: "\n").last else { return -1 }
            return Int(last.prefix { $0 != "," }) ?? -1
        }
        while p.isRunning && Date() < deadline && lastRefresh() < 360 { Thread.sleep(forTimeInterval: 0.005) }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let epochs = (try String(contentsOf: out.file("run/metrics.csv"), encoding: .utf8)).split(separator: "\n").count - 1
        guard epochs == 1 else {
            throw XCTSkip("the kill came after \(epochs) epochs (expected 1: the machine was too fast or too slow for the timing)")
        }
        let resumed = try CommandRunner.run(args + ["--resume"], timeout: 240)
        XCTAssertEqual(resumed.status, 0, "\(resumed)")
        XCTAssertTrue(resumed.stdout.contains("resumed at"), resumed.stdout)
        try check(out.file("run"), python: python)
    }
}
