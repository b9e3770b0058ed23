import XCTest
import Foundation
import Training
import TestSupport

/// `mask_analytics.csv` beside every mask MaskLab writes, and `masklab masks compare`, through the
/// real binary on a tiny generated MNIST (784-16-10 MLP).
final class MasksCompareCLITests: XCTestCase {
    private func masklab(_ args: [String]) throws -> CommandRunner.Result {
        try CommandRunner.run(args, directory: nil, environment: [:], timeout: 240)
    }

    private func lines(_ url: URL) throws -> [String] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    func testAnalyticsBesideEveryMaskAndTheComparisonOfLevelsAndRuns() throws {
        let data = TemporaryDirectory("masklab-masks-cli-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
        let out = TemporaryDirectory("masklab-masks-cli-out")
        let lottery = try masklab(["lottery", "--data", data.path, "--levels", "2", "--prune", "0.5", "--iterations", "8", "--batch-size", "32",
                                   "--hidden", "16", "--validation", "40", "--eval-every", "4", "--threads", "1", "--seed", "3",
                                   "--out", out.file("lottery").path])
        XCTAssertEqual(lottery.status, 0, "\(lottery)")
        let train = try masklab(["train", "--data", data.path, "--epochs", "1", "--batch-size", "32", "--hidden", "16", "--threads", "1",
                                 "--seed", "3", "--mask", "magnitude", "--keep", "0.3", "--out", out.file("magnitude").path])
        XCTAssertEqual(train.status, 0, "\(train)")
        let dense = try masklab(["train", "--data", data.path, "--epochs", "1", "--batch-size", "32", "--hidden", "16", "--threads", "1",
                                 "--seed", "3", "--out", out.file("dense").path])
        XCTAssertEqual(dense.status, 0, "\(dense)")

        // mask_analytics.csv beside each lottery level's mask and in the fixed-mask run; none without a mask.
        let level2 = try lines(out.file("lottery/level_02/mask_analytics.csv"))
        XCTAssertEqual(level2.first, "tensor,entries,kept,density,effective_kept,effective_density")
        XCTAssertTrue(level2[1].hasPrefix("fc1.weight,12544,3136,0.250000,"), level2[1])
        XCTAssertTrue(level2[2].hasPrefix("fc2.weight,160,90,0.562500,"), level2[2])
        let magnitude = try lines(out.file("magnitude/mask_analytics.csv"))
        XCTAssertTrue(magnitude[1].hasPrefix("fc1.weight,12544,3763,0.299984,"), magnitude[1])
        XCTAssertTrue(magnitude[2].hasPrefix("fc2.weight,160,48,0.300000,"), magnitude[2])
        for row in level2.dropFirst() + magnitude.dropFirst() {
            let f = row.split(separator: ",", omittingEmptySubsequences: false)
            XCTAssertEqual(f.count, 6, row)
            XCTAssertLessThanOrEqual(Int(f[4]) ?? .max, Int(f[2]) ?? -1, "effective kept ≤ kept: \(row)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.file("dense/mask_analytics.csv").path))

        // Two lottery levels and the fixed-mask run.
        let report = out.file("report")
        let c = try masklab(["masks", "compare", out.file("lottery/level_01").path, out.file("lottery/level_02/mask.safetensors").path,
                             out.file("magnitude").path, "--out", report.path])
        XCTAssertEqual(c.status, 0, "\(c)")
        for text in ["lottery/level_01", "lottery/level_02", "magnitude", "model: mlp(hidden: 16)", "Jaccard overlap per tensor"] {
            XCTAssertTrue(c.stdout.contains(text), "stdout lacks \(text): \(c.stdout)")
        }
        // Level 2 prunes level 1's survivors, so J = kept₂ / kept₁: fc1 3136 / 6272, fc2 90 / 120.
        let jaccard = try lines(report.appendingPathComponent("jaccard.csv"))
        XCTAssertEqual(jaccard.count, 1 + 3 * 3, "header + 3 pairs × (2 tensors + all)")
        XCTAssertTrue(jaccard.contains("lottery/level_01,lottery/level_02,fc1.weight,3136,6272,0.500000"), "\(jaccard)")
        XCTAssertTrue(jaccard.contains("lottery/level_01,lottery/level_02,fc2.weight,90,120,0.750000"), "\(jaccard)")
        XCTAssertTrue(jaccard.contains("lottery/level_01,lottery/level_02,all,3226,6392,0.504693"), "\(jaccard)")
        let density = try lines(report.appendingPathComponent("density.csv"))
        XCTAssertEqual(density.count, 1 + 3 * 3)
        XCTAssertTrue(density.contains { $0.hasPrefix("magnitude,fc2.weight,160,48,0.300000,") }, "\(density)")
        for plot in ["overlap.svg", "overlap-layers.svg"] {
            let svg = try String(contentsOf: report.appendingPathComponent(plot), encoding: .utf8)
            XCTAssertTrue(svg.hasPrefix("<svg") && svg.contains("lottery/level_01") && svg.contains("lottery/level_02") && svg.contains(">magnitude<"), plot)
        }
        XCTAssertTrue(try String(contentsOf: report.appendingPathComponent("overlap-layers.svg"), encoding: .utf8).contains("fc2.weight"))
        // The folder is taken as a run's is: command.txt names the masks; a second comparison there
        // replaces the first; a folder holding other files is refused (64) and left as it was.
        XCTAssertTrue(try String(contentsOf: report.appendingPathComponent("command.txt"), encoding: .utf8).contains("masks compare"))
        let busy = out.file("busy")
        try FileManager.default.createDirectory(at: busy, withIntermediateDirectories: true)
        try "mine\n".write(to: busy.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let intoBusy = try masklab(["masks", "compare", out.file("lottery/level_01").path, out.file("magnitude").path, "--out", busy.path])
        XCTAssertEqual(intoBusy.status, 64, "\(intoBusy)")
        XCTAssertTrue(intoBusy.stderr.contains("holds other files (notes.txt)"), intoBusy.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: busy.path), ["notes.txt"])

        // A bare mask file has no model: no effective density, unless --config names it.
        let bare = TemporaryDirectory("masklab-masks-cli-bare")
        try FileManager.default.copyItem(at: out.file("lottery/level_02/mask.safetensors"), to: bare.file("ticket.safetensors"))
        let noModel = try masklab(["masks", "compare", out.file("lottery/level_01").path, bare.file("ticket.safetensors").path, "--out", report.path,
                                   "--labels", "one,two"])
        XCTAssertEqual(noModel.status, 0, "\(noModel)")
        XCTAssertTrue(noModel.stdout.contains("0.2500 / –"), noModel.stdout)
        XCTAssertTrue(try lines(report.appendingPathComponent("jaccard.csv")).contains("one,two,fc1.weight,3136,6272,0.500000"))
        let withModel = try masklab(["masks", "compare", out.file("lottery/level_01").path, bare.file("ticket.safetensors").path, "--out", report.path,
                                     "--config", out.file("lottery/level_01/config.json").path])
        XCTAssertEqual(withModel.status, 0, "\(withModel)")
        XCTAssertFalse(withModel.stdout.contains("/ –"), withModel.stdout)

        // A mask that does not fit the model its config describes; a run folder without a fixed mask.
        let narrow = try masklab(["train", "--hidden", "8", "--print-config"])
        XCTAssertEqual(narrow.status, 0, "\(narrow)")
        try narrow.stdout.write(to: bare.file("narrow.json"), atomically: true, encoding: .utf8)
        let misfit = try masklab(["masks", "compare", out.file("lottery/level_01").path, bare.file("ticket.safetensors").path, "--out", report.path,
                                  "--config", bare.file("narrow.json").path])
        XCTAssertNotEqual(misfit.status, 0)
        XCTAssertTrue(misfit.stderr.contains("ticket.safetensors: the mask's tensor fc1.weight is [16, 784], the model's weight is [8, 784]"), misfit.stderr)
        let noMask = try masklab(["masks", "compare", out.file("magnitude").path, out.file("dense").path, "--out", report.path])
        XCTAssertNotEqual(noMask.status, 0)
        XCTAssertTrue(noMask.stderr.contains("a checkpoint without a fixed mask"), noMask.stderr)
    }

    func testBadSourcesFailNamingTheProblem() throws {
        let dir = TemporaryDirectory("masklab-masks-cli-bad")
        func write(_ name: String, _ tensors: [(String, [Int], Float)]) throws {
            let file = SafetensorsFile(tensors: tensors.map { SafetensorsTensor(name: $0.0, shape: $0.1, floats: [Float](repeating: $0.2, count: $0.1.reduce(1, *))) })
            try file.write(to: dir.file(name))
        }
        try write("a.safetensors", [("fc1.weight", [4, 6], 1), ("fc2.weight", [2, 4], 1)])
        try write("b.safetensors", [("fc1.weight", [4, 6], 0), ("fc2.weight", [2, 3], 1)])
        try write("c.safetensors", [("fc1.weight", [4, 6], 1)])
        try write("half.safetensors", [("fc1.weight", [4, 6], 0.5), ("fc2.weight", [2, 4], 1)])

        let ok = try masklab(["masks", "compare", dir.file("a.safetensors").path, dir.file("a.safetensors").path, "--out", dir.file("r").path])
        XCTAssertEqual(ok.status, 0, "\(ok)")
        XCTAssertTrue(ok.stdout.contains("a #1") && ok.stdout.contains("a #2"), "the same file twice gets two names: \(ok.stdout)")

        let cases: [([String], String)] = [
            ([dir.file("a.safetensors").path, dir.file("missing.safetensors").path], "missing.safetensors: no such mask file or folder"),
            ([dir.file("a.safetensors").path, dir.file("b.safetensors").path],
             "\(dir.file("b.safetensors").path) does not match \(dir.file("a.safetensors").path): fc2.weight is [2, 4] in \(dir.file("a.safetensors").path) and [2, 3] in \(dir.file("b.safetensors").path)"),
            ([dir.file("a.safetensors").path, dir.file("c.safetensors").path], "fc2.weight [2, 4] is in \(dir.file("a.safetensors").path) but not in"),
            ([dir.file("a.safetensors").path, dir.file("half.safetensors").path], "tensor fc1.weight holds 0.5 at entry 0; a mask holds only 0 and 1"),
            ([dir.file("a.safetensors").path, dir.path], "the folder holds neither mask.safetensors"),
            ([dir.file("a.safetensors").path], "at least two masks"),
        ]
        for (sources, message) in cases {
            let r = try masklab(["masks", "compare"] + sources + ["--out", dir.file("r").path])
            XCTAssertNotEqual(r.status, 0, "\(sources)")
            XCTAssertTrue(r.stderr.contains(message), "expected “\(message)”: \(r.stderr)")
        }
    }
}
