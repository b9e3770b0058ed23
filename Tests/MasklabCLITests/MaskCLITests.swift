import XCTest
import Foundation
import TestSupport

/// The mask flags and `masklab importance` through the real binary on a tiny generated MNIST.
final class MaskCLITests: XCTestCase {
    private func masklab(_ args: [String]) throws -> CommandRunner.Result {
        try CommandRunner.run(args, directory: nil, environment: [:], timeout: 240)
    }

    private func tinyMNIST() throws -> TemporaryDirectory {
        let data = TemporaryDirectory("masklab-mask-cli-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
        return data
    }

    private let base = ["train", "--epochs", "1", "--batch-size", "32", "--hidden", "16", "--threads", "1", "--seed", "3", "--lr", "0.05"]

    func testHelpListsTheMaskFlagsAndTheImportanceCommand() throws {
        let train = try masklab(["train", "--help"])
        XCTAssertEqual(train.status, 0, "\(train)")
        for flag in ["--mask ", "--keep", "--mask-target", "--mask-scaling", "--mask-exclude", "--eval-mask", "--mask-sampling",
                     "--importance-lambda", "--importance-eta", "--importance-steps", "--importance-refresh-epochs", "--importance-solve"] {
            XCTAssertTrue(train.stdout.contains(flag), "train --help lacks \(flag)")
        }
        let imp = try masklab(["importance", "--help"])
        XCTAssertEqual(imp.status, 0, "\(imp)")
        XCTAssertTrue(imp.stdout.contains("--lambda") && imp.stdout.contains("--benchmark"), imp.stdout)
        // A one-shot solve has no refresh schedule: not listed, and refused as a setting.
        XCTAssertFalse(imp.stdout.contains("--importance-refresh"), imp.stdout)
        let refresh = try masklab(["importance", "somewhere", "--importance-refresh-epochs", "3"])
        XCTAssertEqual(refresh.status, 64, "\(refresh)")
        XCTAssertTrue(refresh.stderr.contains("unknown option --importance-refresh-epochs"), refresh.stderr)
    }

    func testTrainWithMasksWritesLogsAndImportanceHistograms() throws {
        let data = try tinyMNIST()
        let out = TemporaryDirectory("masklab-mask-cli-out")
        let dc = try masklab(base + ["--data", data.path, "--out", out.file("dc").path, "--mask", "dropconnect", "--keep", "0.5",
                                     "--mask-exclude", "last", "--mask-sampling", "exactK"])
        XCTAssertEqual(dc.status, 0, "\(dc)")
        let counts = try String(contentsOf: out.file("dc/masks.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(counts.count, 3, "header + fc1 + all: \(counts)")
        XCTAssertTrue(counts[1].contains("fc1.weight,12544,6272.00,6272.00"), "exact-k keeps 0.5 · 784 · 16: \(counts[1])")
        let config = try String(contentsOf: out.file("dc/config.json"), encoding: .utf8)
        XCTAssertTrue(config.contains("\"masks\"") && config.contains("exactK"), config)

        let imp = try masklab(base + ["--data", data.path, "--out", out.file("imp").path, "--mask", "importance", "--keep", "0.3",
                                      "--importance-steps", "3", "--importance-refresh-iterations", "4", "--importance-lambda", "1"])
        XCTAssertEqual(imp.status, 0, "\(imp)")
        let stats = try String(contentsOf: out.file("imp/importance.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(stats.count, 1 + 2 * 2, "refreshes at iterations 0 and 4 (8 steps), 2 tensors")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.file("imp/importance_histograms.csv").path))
        // A masked run's checkpoint scored with a config that has no masks: said, not silent.
        let plain = try masklab(base + ["--print-config"])
        try plain.stdout.write(to: out.file("plain.json"), atomically: true, encoding: .utf8)
        let other = try masklab(["eval", out.file("imp/last.safetensors").path, "--config", out.file("plain.json").path, "--data", data.path])
        XCTAssertEqual(other.status, 0, "\(other)")
        XCTAssertTrue(other.stderr.contains("was trained with masks, but the config used here has none"), other.stderr)
        let own = try masklab(["eval", out.file("imp").path, "--data", data.path])
        XCTAssertFalse(own.stderr.contains("was trained with masks"), own.stderr)

        let hist = try masklab(["importance", out.file("imp").path, "--data", data.path, "--lambda", "0,1", "--steps", "5", "--threads", "1"])
        XCTAssertEqual(hist.status, 0, "\(hist)")
        let svg = try String(contentsOf: out.file("imp/importance/histograms.svg"), encoding: .utf8)
        XCTAssertTrue(svg.contains("fc1.weight") && svg.contains("λ = 1.0") && svg.contains("λ = 0.0"), "overlaid panels per layer")
        // stats.csv says how far each solve moved: KL from w₀ (> 0 for λ = 1), φ before and after on
        // the solve's and the held-out batch, and (a masked run) the shares at p = 1 and p_min.
        let statLines = try String(contentsOf: out.file("imp/importance/stats.csv"), encoding: .utf8).split(separator: "\n")
        let header = statLines[0].split(separator: ",").map(String.init)
        XCTAssertEqual(Array(header.suffix(9)), ["kl_from_start", "phi_solve_before", "phi_solve_after", "phi_heldout_before", "phi_heldout_after",
                                                 "eta_final", "rejected_steps", "share_p1", "share_pmin"])
        XCTAssertEqual(statLines.count, 1 + 2 * 2, "2 λ × 2 tensors")
        for line in statLines.dropFirst() {
            let cells = Dictionary(uniqueKeysWithValues: zip(header, line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
            let kl = try XCTUnwrap(Double(cells["kl_from_start"] ?? ""), String(line))
            // λ = 1 pulls w toward uniform even where this tiny net's ∇φ vanishes (its λ = 0 rows may stay put).
            if line.hasPrefix("1.0,") { XCTAssertGreaterThan(kl, 0, String(line)) } else { XCTAssertGreaterThanOrEqual(kl, 0, String(line)) }
            for key in ["phi_solve_before", "phi_solve_after", "phi_heldout_before", "phi_heldout_after", "share_p1", "share_pmin"] {
                XCTAssertNotNil(Double(cells[key] ?? ""), "\(key) in \(line)")
            }
            let shares = try XCTUnwrap(Double(cells["share_p1"] ?? "")) + XCTUnwrap(Double(cells["share_pmin"] ?? ""))
            XCTAssertLessThanOrEqual(shares, 1, String(line))
            XCTAssertEqual(try XCTUnwrap(cells["eta_final"].flatMap(Double.init)), 0.05, accuracy: 1e-6, "fixed steps keep η: \(line)")
        }
        let rows = try String(contentsOf: out.file("imp/importance/histograms.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.count, 1 + 2 * 2 * 38, "2 λ × 2 tensors × (36 bins + under/overflow)")
        let solved = try String(contentsOf: out.file("imp/importance/command.txt"), encoding: .utf8)
        XCTAssertTrue(solved.contains("solver: λ 0, 1; γ ") && solved.contains("; 5 steps, "), "the settings solved with, γ included: \(solved)")
        // A negative λ after the flag is read as its value and refused as one, not as a missing value.
        let negative = try masklab(["importance", out.file("imp").path, "--data", data.path, "--lambda", "-1", "--threads", "1"])
        XCTAssertNotEqual(negative.status, 0)
        XCTAssertFalse(negative.stderr.contains("Missing value"), negative.stderr)
        XCTAssertTrue(negative.stderr.contains("-1"), negative.stderr)
        // More solver batches than the 240-image set holds (8 of 32): all of them, said, and recorded.
        let many = try masklab(["importance", out.file("imp").path, "--data", data.path, "--importance-batches", "1000", "--steps", "2",
                                "--threads", "1", "--out", out.file("many").path])
        XCTAssertEqual(many.status, 0, "\(many)")
        XCTAssertTrue(many.stdout.contains("note: 1000 batches asked for, but the 240-sample training set holds 8 batches of up to 32: the solve uses all of them, "
                                           + "and no batch is left over for the held-out check"), many.stdout)
        let recorded = try String(contentsOf: out.file("many/command.txt"), encoding: .utf8)
        XCTAssertTrue(recorded.contains("2 steps, joint, 8 batches (1000 asked for)"), recorded)
    }

    func testBadMaskOptionsFailWithAMessage() throws {
        let data = try tinyMNIST()
        let out = TemporaryDirectory("masklab-mask-cli-bad")
        let bogus = try masklab(base + ["--data", data.path, "--out", out.file("x").path, "--mask", "bogus"])
        XCTAssertNotEqual(bogus.status, 0)
        XCTAssertTrue(bogus.stderr.contains("dropconnect") && bogus.stderr.contains("magnitude"), "valid names listed: \(bogus.stderr)")
        let keep = try masklab(base + ["--data", data.path, "--out", out.file("y").path, "--mask", "dropconnect", "--keep", "1.5"])
        XCTAssertNotEqual(keep.status, 0)
        XCTAssertTrue(keep.stderr.contains("keep"), keep.stderr)
        let orphan = try masklab(base + ["--data", data.path, "--out", out.file("z").path, "--keep", "0.5"])
        XCTAssertNotEqual(orphan.status, 0)
        XCTAssertTrue(orphan.stderr.contains("--mask"), orphan.stderr)
    }
}
