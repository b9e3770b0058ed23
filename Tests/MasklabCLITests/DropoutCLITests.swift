import XCTest
import Foundation
import TestSupport

/// `--dropout` through the real binary: an interrupted and resumed run with dropout ends with
/// the uninterrupted run's metrics (the masks are functions of seed, layer and step, nothing is
/// saved for them), and `--dropout 0` trains exactly as MaskLab did before the option existed.
final class DropoutCLITests: XCTestCase {
    private func masklab(_ args: [String]) throws -> CommandRunner.Result {
        try CommandRunner.run(args, timeout: 240)
    }

    func testInterruptedAndResumedRunWithDropoutEqualsTheUninterruptedOne() throws {
        let data = TemporaryDirectory("masklab-dropout-resume")
        try DatasetFixtures.writeMNIST(to: data.url, train: 3000, test: 100, gzipped: false)
        let out = TemporaryDirectory("masklab-dropout-resume-out")
        let plainArgs = ["train", "--data", data.path, "--epochs", "3", "--batch-size", "10", "--hidden", "64,64",
                         "--threads", "1", "--checkpoint-every-iterations", "25"]
        let args = plainArgs + ["--dropout", "0.5"]
        let (fullRows, resumed) = try RunMetrics.interruptAndResume(args, out: out)
        XCTAssertEqual(fullRows, resumed, "a resumed run with dropout must end with the uninterrupted run's metrics")

        // Dropout is really on: the same run without it ends elsewhere.
        let plain = try masklab(plainArgs + ["--out", out.file("plain").path])
        XCTAssertEqual(plain.status, 0, "\(plain)")
        XCTAssertNotEqual(fullRows, try RunMetrics.withoutTimes(out.file("plain/metrics.csv")))
    }

    /// The metrics of a small MLP run as written by MaskLab before `--dropout` existed (commit
    /// 04509af, same data, flags and thread count; the generated images are not learnable, so the
    /// losses hover near ln 10 — every digit is still compared): `--dropout 0` and no flag both reproduce
    /// them exactly. The values were written with OpenBLAS's Prescott kernels (the machine's
    /// fallback then), so the runs pin them: other kernel sets round differently.
    func testDropoutZeroTrainsExactlyAsBefore() throws {
        let data = TemporaryDirectory("masklab-dropout-zero")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
        let out = TemporaryDirectory("masklab-dropout-zero-out")
        let args = ["train", "--data", data.path, "--epochs", "4", "--batch-size", "10", "--hidden", "32,32", "--threads", "1", "--seed", "3"]
        for (name, extra) in [("zero", ["--dropout", "0"]), ("none", [])] {
            let r = try CommandRunner.run(args + extra + ["--out", out.file(name).path], environment: ["OPENBLAS_CORETYPE": "Prescott"], timeout: 240)
            XCTAssertEqual(r.status, 0, "\(r)")
            let rows = try RunMetrics.withoutTimes(out.file("\(name)/metrics.csv"))
            XCTAssertEqual(rows, Self.before, name)
        }
    }

    static let before: [[String]] = [
        ["epoch", "iterations", "samples", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "gap",
         "validation_loss", "validation_accuracy", "learning_rate"],
        ["1", "24", "240", "2.3398142967974", "0.1125", "2.3140342679670356", "0.08333333333333333", "-0.025780028830364454", "", "", "0.0432466"],
        ["2", "48", "240", "2.3215146306852663", "0.08333333333333333", "2.3039770578773084", "0.1", "-0.01753757280795787", "", "", "0.025817977"],
        ["3", "72", "240", "2.3069733104670935", "0.07083333333333333", "2.302905495040895", "0.1", "-0.004067815426198607", "", "", "0.007910193"],
        ["4", "96", "240", "2.3038422321304717", "0.07083333333333333", "2.3028200986274547", "0.1", "-0.001022133503016942", "", "", "1.3385314e-05"],
    ]
}
