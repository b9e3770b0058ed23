import XCTest
import Foundation
import TensorCore
import Stats
import Layers
import Masks
import Options
@testable import Experiments
import TestSupport

/// The pruning sweep without training: the compression and FLOP arithmetic against hand
/// computation, the grid of cells, refused input, resuming, and the report on made-up results.
final class PruningSweepTests: XCTestCase {
    static func value(_ o: [String: Any]) throws -> ConfigValue {
        try ConfigText.json(String(decoding: JSONSerialization.data(withJSONObject: o), as: UTF8.self), path: "test")
    }

    static func file(criteria: [String] = ["magnitude", "random"], ratios: [Double] = [1, 2, 4], seeds: [Int] = [0, 1],
                     atInit: [String]? = ["snip"], edit: (inout [String: Any]) -> Void = { _ in }) -> [String: Any] {
        var o: [String: Any] = [
            "name": "t", "criteria": criteria, "ratios": ratios, "seeds": seeds, "jobs": 2, "threadsPerJob": 1,
            "base": ["model": "mlp", "modelOptions": ["hidden": [8]], "dataset": "mnist", "batchSize": 16, "budget": ["epochs": 3]],
            "finetune": ["budget": ["epochs": 1], "optimizer": ["learningRate": 0.01]],
            "masks": ["magnitudeScope": "global"],
        ]
        if let atInit { o["atInit"] = atInit }
        edit(&o)
        return o
    }

    static func parse(_ o: [String: Any]) throws -> PruningSweepConfig { try PruningSweepConfig.parse(value(o), path: "t.json") }

    // MARK: - Arithmetic

    /// conv (1 → 2 channels, 3×3, no padding) on 5×5 → [2, 3, 3], flatten, linear 18 → 3:
    /// conv weight 18 entries × 9 output positions = 162 MACs, linear 54 entries × 1 = 54, dense 216.
    func testCompressionAndFLOPReductionMatchAHandComputation() throws {
        let b = ParameterBuilder()
        let conv = Conv2d("conv", 1, 2, kernel: 3, builder: b)
        let fc = Linear("fc", 18, 3, builder: b)
        let net = Network(name: "tiny", body: Sequential([conv, ReLU(), Flatten(), fc]), store: b.finish(), sampleShape: Shape(1, 5, 5), classes: 3)
        net.prepare(batch: 2)
        let cost = try XCTUnwrap(PruningCost(network: net))
        XCTAssertEqual(cost.denseMACs, 216)
        XCTAssertEqual(cost.weights.map(\.name), ["conv.weight", "fc.weight"])
        XCTAssertEqual(cost.weights.map(\.macsPerEntry), [9, 1])
        // Keep 6 of 18 conv weights and 27 of 54 linear ones: compression 72 / 33; MACs left
        // 216 − (12 · 9 + 27 · 1) = 81, FLOP reduction 216 / 81.
        let r = try cost.reduction(kept: [.init(name: "conv.weight", entries: 18, kept: 6), .init(name: "fc.weight", entries: 54, kept: 27)])
        XCTAssertEqual(r.compression, 72.0 / 33.0, accuracy: 1e-12)
        XCTAssertEqual(r.flops, 216.0 / 81.0, accuracy: 1e-12)
        // Only the linear layer masked (the conv left dense): compression over the masked weights only.
        let l = try cost.reduction(kept: [.init(name: "fc.weight", entries: 54, kept: 6)])
        XCTAssertEqual(l.compression, 9, accuracy: 1e-12)
        XCTAssertEqual(l.flops, 216.0 / 168.0, accuracy: 1e-12)
        XCTAssertEqual(try cost.reduction(kept: []).compression, 1)
        XCTAssertThrowsError(try cost.reduction(kept: [.init(name: "fc.bias", entries: 3, kept: 1)])) { e in
            XCTAssertTrue("\(e)".contains("fc.bias"), "\(e)")
        }
    }

    func testLeNet300CostAndAResNetsConvolutionsAddUpToTheNetworksMACs() throws {
        var c = RunConfig()
        c.training.model = "mlp"
        let mlp = try PruningCost(config: c)
        XCTAssertEqual(mlp.denseMACs, 784 * 300 + 300 * 100 + 100 * 10)
        XCTAssertEqual(mlp.weights.map(\.macsPerEntry), [1, 1, 1])
        c.training.model = "resnet18"
        c.training.dataset = "cifar10"
        c.training.modelOptions.width = 4
        let resnet = try PruningCost(config: c)
        XCTAssertEqual(resnet.weights.reduce(0) { $0 + $1.entries * $1.macsPerEntry }, resnet.denseMACs)
        XCTAssertEqual(resnet.weights.first?.macsPerEntry, 32 * 32, "the stem's 3×3 conv (stride 1, padding 1) runs at every one of 32×32 positions")
        XCTAssertTrue(resnet.weights.contains { $0.name.hasSuffix("shortcut.0.weight") }, "projection shortcuts count")
    }

    // MARK: - Grid

    func testGridExpansionAndJobs() throws {
        let config = try Self.parse(Self.file())
        XCTAssertEqual(config.ratios, [1, 2, 4])
        let cells = config.cells
        // Per seed: phase 1 = dense + snip@init × {2, 4}; phase 2 = fine-tuned ×1 + {magnitude, random} × {2, 4}.
        XCTAssertEqual(cells.count, 2 * 3 + 2 * 5)
        XCTAssertEqual(cells.prefix(3).map(\.folder), ["dense/seed-0", "snip-at-init/ratio-2/seed-0", "snip-at-init/ratio-4/seed-0"])
        XCTAssertEqual(cells[6].folder, "fine-tuned/ratio-1/seed-0")
        XCTAssertEqual(cells[7].folder, "magnitude/ratio-2/seed-0")
        XCTAssertEqual(cells.last?.folder, "random/ratio-4/seed-1")
        XCTAssertEqual(Set(cells.map(\.folder)).count, cells.count)

        let dense = cells[0], atInit = cells[2], tuned = cells[6], pruned = cells[8]
        XCTAssertNil(dense.config.masks)
        XCTAssertEqual(dense.config.training.budget, .epochs(3))
        XCTAssertEqual(atInit.config.training.budget, .epochs(3), "at-init cells train with the dense budget")
        XCTAssertEqual(atInit.config.masks?.criterion, "snip")
        XCTAssertEqual(atInit.config.masks?.keep, 0.25)
        XCTAssertNil(tuned.config.masks, "ratio 1 fine-tunes unpruned")
        XCTAssertEqual(tuned.config.training.budget, .epochs(1))
        XCTAssertEqual(tuned.config.training.optimizer.learningRate, 0.01)
        XCTAssertEqual(pruned.config.masks?.name, "prune")
        XCTAssertEqual(pruned.config.masks?.criterion, "magnitude")
        XCTAssertEqual(pruned.config.masks?.keep, 0.25)
        XCTAssertEqual(pruned.config.masks?.magnitudeScope, .global, "the file's mask options reach every pruned cell")
        XCTAssertEqual(pruned.config.training.seed, 0)
        XCTAssertEqual(cells.last?.config.training.seed, 1)

        let sweep = PruningSweep(config: config, root: URL(fileURLWithPath: "/tmp/x"))
        let phases = sweep.phases
        XCTAssertEqual(phases.map(\.jobs.count), [6, 10])
        XCTAssertTrue(phases[0].jobs.allSatisfy { $0.initFrom == nil }, "phase 1 starts from θ0")
        for j in phases[1].jobs {
            let seed = j.work.training.seed
            XCTAssertEqual(j.initFrom?.path, "/tmp/x/t/runs/dense/seed-\(seed)/last.safetensors")
            XCTAssertEqual(j.arguments(configFile: "c.json", dataRoot: "/d").suffix(4),
                           ["--init-from", "/tmp/x/t/runs/dense/seed-\(seed)/last.safetensors", "--resume", "--quiet"])
        }
        XCTAssertEqual(config.with(threadsPerJob: 2).cells.map(\.config.training.threads), Array(repeating: 2, count: cells.count))
    }

    func testBadInputIsRefusedWithAClearMessage() throws {
        func refused(_ o: [String: Any], _ expected: [String], file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertThrowsError(try Self.parse(o), file: file, line: line) { e in
                for x in expected { XCTAssertTrue("\(e)".contains(x), "expected '\(x)' in: \(e)", file: file, line: line) }
            }
        }
        refused(Self.file(ratios: [1, 0.5]), ["compression ratio 0.5 is below 1", "prunable weights / kept prunable weights"])
        refused(Self.file(criteria: ["random", "magnitud"]), ["unknown pruning criterion 'magnitud'", "valid criteria: magnitude, random, movement"])
        refused(Self.file(criteria: ["magnitude"]), ["must include random"])
        refused(Self.file(atInit: ["movement"]), ["movement", "0 everywhere at θ0"])
        refused(Self.file(ratios: [2, 2]), ["2 is listed twice"])
        refused(Self.file(ratios: [2, 2]), ["prune-sweep config t.json: "])
        refused(Self.file { $0["nme"] = "x" }, ["prune-sweep config t.json: unknown key nme"])
        refused(Self.file(seeds: []), ["\"seeds\" must be a non-empty list"])
        refused(Self.file { $0["finetune"] = nil }, ["\"finetune\" is missing"])
        refused(Self.file { $0["masks"] = ["keep": 0.5] }, ["masks: keep is set by the sweep"])
        refused(Self.file { $0["masks"] = ["magnitudeScop": "global"] }, ["masks", "magnitudeScop"])
        refused(Self.file { $0["criterion"] = ["snip"] }, ["unknown key criterion", "did you mean criteria?"])
        refused(Self.file { $0["base"] = ["masks": ["name": "dropconnect"]] }, ["the dense training takes no masks"])
        refused(Self.file { $0["finetune"] = ["optimizer": ["name": "adam", "momentum": 0.5]] },
                ["finetune: --momentum (optimizer.momentum) is not read by the adam optimiser"])
        XCTAssertNoThrow(try Self.parse(Self.file { $0["finetune"] = ["optimizer": ["momentum": 0.5]] }), "the base's SGD reads momentum")
        // The fine-tuning loads the dense run's weights: it cannot change the network or the data.
        refused(Self.file { $0["finetune"] = ["model": "lenet5"] }, ["finetune: \"model\" cannot change"])
        refused(Self.file { $0["finetune"] = ["dataset": "cifar10"] }, ["finetune: \"dataset\" cannot change"])
        refused(Self.file { $0["finetune"] = ["modelOptions": ["hidden": [64]]] }, ["finetune: \"modelOptions\" cannot change"])
    }

    // MARK: - Resume

    func testCompletedCellsAreSkippedAndPartialOnesResume() throws {
        let out = TemporaryDirectory("masklab-prune-sweep-resume")
        let sweep = PruningSweep(config: try Self.parse(Self.file()), root: out.url)
        let study = sweep.phases[1]
        func write(_ job: StudyJob, status: String?) throws {
            try FileManager.default.createDirectory(at: job.layout.directory, withIntermediateDirectories: true)
            try job.work.jsonText().write(to: job.layout.config, atomically: true, encoding: .utf8)
            if let status { try "{\"status\": \"\(status)\"}".write(to: job.layout.summary, atomically: true, encoding: .utf8) }
        }
        try write(study.jobs[0], status: "completed")
        try write(study.jobs[1], status: "completed")
        try write(study.jobs[2], status: "stopped")
        var said: [String] = []
        let pending = try study.pending(checkLocks: true) { said.append($0) }
        XCTAssertEqual(pending.map(\.label), study.jobs.dropFirst(2).map(\.label))
        XCTAssertTrue(said.contains("skipping 2 completed run(s)"), "\(said)")
        XCTAssertTrue(said.contains("1 partial run(s) resume from their checkpoints"), "\(said)")
        XCTAssertEqual(pending.map(\.resumes), [true] + Array(repeating: false, count: pending.count - 1), "only the stopped run resumes")

        // Phase 2 needs every dense run completed: it says which one is missing before training anything.
        let local = LocalExecutor(executable: URL(fileURLWithPath: "/bin/false"), dataRoot: out.url, jobs: 1) { _ in }
        XCTAssertThrowsError(try sweep.run(study, on: .local(local)) { _ in }) { e in
            XCTAssertTrue("\(e)".contains("the dense run of seed 0 is not completed"), "\(e)")
        }
        // A folder holding another configuration is an error, never overwritten.
        var other = study.jobs[3]
        other.work.training.budget = .epochs(9)
        try write(other, status: nil)
        XCTAssertThrowsError(try study.pending(checkLocks: true) { _ in }) { e in
            XCTAssertTrue("\(e)".contains("holds a run with a different configuration"), "\(e)")
        }
    }

    // MARK: - Report

    /// The plot against compression has a tick at every swept ratio (1, 4, 16: no 2, 5 or 10), and an
    /// accuracy's 95% band ends at 1 (seeds at 0.97, 1.0, 1.0 would reach 1.06 unclipped).
    func testCompressionTicksAreTheRatiosAndBandsStayWithinAccuracy() throws {
        let config = try Self.parse(Self.file(criteria: ["magnitude", "random"], ratios: [1, 4, 16], seeds: [0, 1, 2], atInit: nil))
        let results = config.cells.map { c in
            let r = c.config.masks == nil ? nil : c.ratio * 0.99997   // measured compression, a little off the nominal ratio
            let accuracy = c.criterion == "random" ? 0.5 : (c.seed == 0 ? 0.97 : 1.0)
            return PruningSweepReport.Result(cell: c, status: "completed", finalAccuracy: accuracy, bestAccuracy: accuracy,
                                             compression: r, flopReduction: r, effectiveCompression: r)
        }
        let report = PruningSweepReport(name: "t", results: results, criteria: config.criteria, atInit: config.atInit)
        let svg = try XCTUnwrap(report.plots().first { $0.file == "after-training-accuracy-vs-compression.svg" }).svg
        let ticks = svg.split(separator: "\n").filter { $0.contains("text-anchor=\"middle\">") && $0.contains("y=\"") }
            .compactMap { line -> String? in
                guard let r = line.range(of: "text-anchor=\"middle\">"), let end = line.range(of: "</text>") else { return nil }
                return String(line[r.upperBound..<end.lowerBound])
            }
        for t in ["1", "4", "16"] { XCTAssertTrue(ticks.contains(t), "tick \(t) in \(ticks)") }
        for t in ["2", "5", "10"] { XCTAssertFalse(ticks.contains(t), "no tick \(t) in \(ticks)") }
        let mean = (0.97 + 1.0 + 1.0) / 3, half = Summary([0.97, 1.0, 1.0]).halfWidth
        XCTAssertGreaterThan(mean + half, 1, "the unclipped band would pass 1")
        let plot = report.plot(report.points.filter { $0.stage == .afterTraining }, stage: .afterTraining, x: report.compression, zoom: false)
        let magnitude = try XCTUnwrap(plot.series.first { $0.label == "magnitude" })
        XCTAssertFalse(magnitude.band.isEmpty)
        for b in magnitude.band { XCTAssertLessThanOrEqual(b.high, 1); XCTAssertGreaterThanOrEqual(b.low, 0) }
        // The report's header names every seed of the sweep, apart from the thread count.
        XCTAssertTrue(config.base.synopsis(seeds: config.seeds).hasSuffix("· seeds [0, 1, 2], 1 thread"), config.base.synopsis(seeds: config.seeds))
        XCTAssertTrue(config.base.synopsis(seeds: [5]).hasSuffix("· seed 5, 1 thread"), config.base.synopsis(seeds: [5]))
    }

    func testReportOnSyntheticResults() throws {
        let config = try Self.parse(Self.file(criteria: ["magnitude", "random", "snip"], ratios: [1, 4], seeds: [0, 1, 2], atInit: ["random"]))
        // accuracy(cell) = base by series and ratio + 0.001 · seed.
        func accuracy(_ c: PruningSweepCell) -> Double {
            let base: Double
            switch (c.stage, c.criterion, c.ratio) {
            case (.dense, _, _): base = 0.95
            case (.afterTraining, nil, _): base = 0.96
            case (.afterTraining, "magnitude", _): base = 0.94
            case (.afterTraining, "snip", _): base = 0.939
            case (.afterTraining, "random", _): base = 0.80
            default: base = 0.70                              // random@init
            }
            return base + 0.001 * Double(c.seed) + (c.criterion == "snip" ? Double(c.seed % 2) * 0.002 : 0)
        }
        let results = config.cells.map { c in
            PruningSweepReport.Result(cell: c, status: "completed", finalAccuracy: accuracy(c), bestAccuracy: accuracy(c),
                                      compression: c.config.masks == nil ? nil : 4.0, flopReduction: c.config.masks == nil ? nil : 3.5,
                                      effectiveCompression: c.config.masks == nil ? nil : 4.5)
        }
        let report = PruningSweepReport(name: "t", results: results, criteria: config.criteria, atInit: config.atInit)

        let summary = report.summaryCSV().split(separator: "\n").map(String.init)
        XCTAssertEqual(summary[0], "series,stage,ratio,n,planned,final_test_accuracy_mean,final_test_accuracy_ci95,compression,flop_reduction,effective_compression")
        // magnitude ×1 = the fine-tuned runs 0.960, 0.961, 0.962: mean 0.961, s = 0.001, t(0.975, 2) = 4.302653 → ±0.002484.
        XCTAssertEqual(summary[1], "magnitude,after-training,1,3,3,0.961000,0.002484,1.000000,1.000000,1.000000")
        XCTAssertEqual(summary[2], "magnitude,after-training,4,3,3,0.941000,0.002484,4.000000,3.500000,4.500000")
        XCTAssertTrue(summary.contains("random@init,at-init,1,3,3,0.951000,0.002484,1.000000,1.000000,1.000000"), "at-init ×1 = the dense runs: \(summary)")
        XCTAssertEqual(summary.count, 1 + 4 * 2)

        let w = report.winners(.afterTraining)
        XCTAssertEqual(w.count, 1)
        XCTAssertEqual(w[0].ratio, 4)
        XCTAssertEqual(w[0].best, "magnitude")
        // snip − magnitude per seed: −0.001, +0.001, −0.001: its interval contains 0; random's (−0.14 each) does not.
        XCTAssertEqual(w[0].insideNoise, ["snip"])
        XCTAssertEqual(w[0].clearlyWorse, ["random"])

        let rows = report.resultsCSV().split(separator: "\n")
        XCTAssertEqual(rows.count, 1 + config.cells.count)
        XCTAssertTrue(rows.contains("after-training,snip,4,1,completed,0.942000,0.942000,4.000000,3.500000,4.500000,runs/snip/ratio-4/seed-1"),
                      "\(rows)")

        let plots = report.plots()
        XCTAssertEqual(plots.map(\.file), ["after-training-accuracy-vs-compression.svg", "after-training-accuracy-vs-flops.svg",
                                           "after-training-accuracy-vs-compression-zoom.svg", "after-training-accuracy-vs-flops-zoom.svg",
                                           "at-init-accuracy-vs-compression.svg", "at-init-accuracy-vs-flops.svg",
                                           "at-init-accuracy-vs-compression-zoom.svg", "at-init-accuracy-vs-flops-zoom.svg"])
        for p in plots {
            XCTAssertTrue(p.svg.hasPrefix("<svg"), p.file)
            XCTAssertTrue(p.svg.contains(">random"), "\(p.file): the random baseline is on every plot")
        }
        let md = report.markdown()
        XCTAssertTrue(md.contains("| magnitude | 0.9610 ± 0.0025 | 0.9410 ± 0.0025 |"), md)
        XCTAssertTrue(md.contains("| ×4 | magnitude | snip | random |  |"), md)
        XCTAssertTrue(md.contains("## Pruned at initialisation, trained from scratch"), md)

        // Paired against magnitude at ×4: snip −0.001, +0.001, −0.001 (mean −0.000333, sd 0.0011547,
        // t(0.975, 2) = 4.302653 → ±0.002868); random −0.14 each (sd 0: detectable 0, interval a point).
        let paired = report.pairedRows(.afterTraining)
        XCTAssertEqual(paired.map(\.series), ["random", "snip"])
        let snip = try XCTUnwrap(paired.first { $0.series == "snip" })
        XCTAssertEqual(snip.differences.count, 3)
        XCTAssertEqual(try XCTUnwrap(snip.summary).mean, -0.001 / 3, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(snip.summary).halfWidth, 4.302653 * 0.0011547005 / 3.0.squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(try XCTUnwrap(snip.detectable), PairedPower.minimumDetectableEffect(pairs: 3) * 0.0011547005, accuracy: 1e-8)
        XCTAssertEqual(PairedPower.minimumDetectableEffect(pairs: 3), 3.26, accuracy: 0.02, "simulated noncentral t: 3.26 σ_d")
        XCTAssertTrue(md.contains("| series − magnitude | ×4 |"), md)
        XCTAssertTrue(md.contains("| snip | -0.03 ± 0.29 [0.38] |") || md.contains("| snip | −0.03 ± 0.29 [0.38] |"), md)
        XCTAssertTrue(md.contains("| random | -14.00 (all equal) |"), "σ_d = 0: no interval, not bold: \(md)")
        XCTAssertNil(report.pairedReference(.atInit), "no magnitude@init series")
        let csv = report.pairedCSV().split(separator: "\n")
        XCTAssertEqual(csv[0], "series,reference,stage,ratio,n,mean_difference,ci95_low,ci95_high,sd_difference,detectable_80")
        XCTAssertEqual(csv.count, 3)

        // A run not completed: n of planned, and no number.
        var partial = results
        partial[partial.count - 1].status = "stopped"
        partial[partial.count - 1].finalAccuracy = nil
        let r2 = PruningSweepReport(name: "t", results: partial, criteria: config.criteria, atInit: config.atInit)
        XCTAssertTrue(r2.markdown().contains("(2 of 3)"), r2.markdown())
        // With one seed left in a series, nothing is said about its noise.
        for i in partial.indices where partial[i].cell.criterion == "snip" && partial[i].cell.seed > 0 { partial[i].finalAccuracy = nil }
        let r3 = PruningSweepReport(name: "t", results: partial, criteria: config.criteria, atInit: config.atInit)
        XCTAssertEqual(r3.winners(.afterTraining).first?.untested, ["snip"])
        XCTAssertEqual(r3.winners(.afterTraining).first?.insideNoise, [])
    }

    /// A seed's cells prune its dense run and are compared by seed, so a seed whose dense run ran on
    /// another machine is named before any of its cells trains here; other seeds are not.
    func testASeedWhoseDenseRunRanElsewhereIsNamedBeforeItsCellsTrain() throws {
        let config = try Self.parse(Self.file())
        let root = TemporaryDirectory("masklab-prune-sweep-machines")
        let sweep = PruningSweep(config: config, root: root.url)
        let seedRuns = sweep.seedRuns
        XCTAssertEqual(seedRuns.map(\.seed), [0, 1])
        XCTAssertEqual(seedRuns[0].runs.count, config.cells.filter { $0.seed == 0 }.count)
        XCTAssertTrue(seedRuns[0].runs.contains { $0.layout.directory == sweep.denseLayout(seed: 0).directory }, "the dense run is one of the seed's runs")
        let dense = sweep.denseLayout(seed: 1)
        try FileManager.default.createDirectory(at: dense.directory, withIntermediateDirectories: true)
        try "command: masklab train\ncommit: x\nmachine: Linux 6.18 x86_64, Intel(R) Xeon(R) Processor, 2 cores\nblas: OpenBLAS 0.3.21 SkylakeX\n"
            .write(to: dense.command, atomically: true, encoding: .utf8)
        let here = RunOrigin(commit: "x", cpu: "AMD EPYC", blas: "OpenBLAS 0.3.21 Cooperlake").hardware
        let pending = sweep.phases[1].jobs.map(\.directory)   // every after-training cell of both seeds
        let conflicts = SeedMachineGuard.conflicts(seedRuns, pending: pending, hardware: here)
        XCTAssertEqual(conflicts.map(\.seed), [1])
        XCTAssertEqual(conflicts[0].elsewhere.map(\.run), ["dense seed 1"])
        XCTAssertFalse(conflicts[0].here.isEmpty)
        XCTAssertTrue(conflicts[0].here.allSatisfy { $0.hasSuffix("seed 1") }, "\(conflicts[0].here)")
        let message = SeedMachineGuard.message(conflicts, path: sweep.directory.path, hardware: here)
        XCTAssertTrue(message.contains("seed 1: dense seed 1 ran on Intel(R) Xeon(R) Processor · OpenBLAS 0.3.21 SkylakeX;"), message)
        XCTAssertTrue(SweepError.mixedMachines(path: sweep.directory.path, message: message).description.hasSuffix("Nothing was trained."))
    }
}
