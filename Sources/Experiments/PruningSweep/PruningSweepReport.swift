import Foundation
import Stats

/// The report of a pruning sweep: every run's numbers (`results.csv`), per series and ratio the
/// mean with a 95% interval over seeds (`summary.csv`), test accuracy against the compression
/// ratio and against the theoretical FLOP reduction (`PruningCost`), one SVG per plot with the
/// random baseline on each, and `REPORT.md` with the tables, per ratio the best series and
/// which others lie inside the noise of it, and every series paired against `magnitude`
/// (`PruningSweepReport+Paired`, also `paired.csv`).
///
/// Series: every after-training criterion starts at ratio 1 from the shared fine-tuned runs;
/// every at-init series (`<criterion>@init`) starts from the dense runs. "Inside the noise" =
/// the paired 95% interval (Student t over the seeds both have; each seed's cells share one dense
/// run and its data order) of the difference to the best series contains 0.
public struct PruningSweepReport: Sendable {
    /// One run and its numbers (nil while not completed).
    public struct Result: Sendable {
        public var cell: PruningSweepCell
        public var status: String
        public var finalAccuracy: Double?
        public var bestAccuracy: Double?
        /// Achieved compression, FLOP reduction and effective compression (prunable entries /
        /// kept entries on an input–output path), from the run's `mask_analytics.csv`.
        public var compression: Double?
        public var flopReduction: Double?
        public var effectiveCompression: Double?

        public init(cell: PruningSweepCell, status: String, finalAccuracy: Double? = nil, bestAccuracy: Double? = nil,
                    compression: Double? = nil, flopReduction: Double? = nil, effectiveCompression: Double? = nil) {
            self.cell = cell
            self.status = status
            self.finalAccuracy = finalAccuracy
            self.bestAccuracy = bestAccuracy
            self.compression = compression
            self.flopReduction = flopReduction
            self.effectiveCompression = effectiveCompression
        }
    }

    /// One point of a series: a ratio, its completed runs by seed.
    public struct Point: Sendable {
        public var series: String
        public var stage: PruningSweepCell.Stage
        public var ratio: Double
        public var planned: Int
        public var runs: [Result]

        var accuracies: [Double] { runs.compactMap(\.finalAccuracy) }
        var accuracy: Summary? { accuracies.isEmpty ? nil : Summary(accuracies) }
        func mean(_ key: KeyPath<Result, Double?>) -> Double? {
            let v = runs.compactMap { $0[keyPath: key] }.filter(\.isFinite)
            return v.isEmpty ? nil : v.reduce(0, +) / Double(v.count)
        }
        /// Final test accuracy by seed.
        var bySeed: [UInt64: Double] {
            Dictionary(runs.compactMap { r in r.finalAccuracy.map { (r.cell.seed, $0) } }, uniquingKeysWith: { a, _ in a })
        }
        /// This point's accuracy minus `other`'s, per seed both have, in seed order.
        func differences(from other: Point) -> [Double] {
            let a = bySeed, b = other.bySeed
            return a.keys.sorted().compactMap { s in a[s].flatMap { x in b[s].map { x - $0 } } }
        }
    }

    public var name: String
    public var results: [Result]
    /// The criteria in the file's order (after training, at init).
    public var criteria: [String]
    public var atInit: [String]
    /// What the runs were (budgets, scope) for the report's header.
    public var setup: [String]

    public init(name: String, results: [Result], criteria: [String], atInit: [String], setup: [String] = []) {
        self.name = name
        self.results = results
        self.criteria = criteria
        self.atInit = atInit
        self.setup = setup
    }

    /// Reads every run folder of `sweep`.
    public static func read(_ sweep: PruningSweep) throws(RunError) -> PruningSweepReport {
        let cost = try PruningCost(config: sweep.config.base)
        var results: [Result] = []
        for cell in sweep.config.cells {
            let layout = sweep.layout(cell)
            var r = Result(cell: cell, status: "not run")
            if let data = try? Data(contentsOf: layout.summary),
               let o = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let s = o["status"] as? String {
                r.status = s
                if s == "completed" {
                    r.finalAccuracy = o["finalTestAccuracy"] as? Double
                    r.bestAccuracy = o["bestTestAccuracy"] as? Double
                    let kept = cell.config.masks == nil ? [] : PruningCost.readMaskAnalytics(layout.directory.appendingPathComponent("mask_analytics.csv"))
                    if let kept {
                        let reduction = try cost.reduction(kept: kept)
                        r.compression = reduction.compression
                        r.flopReduction = reduction.flops
                        let effective = kept.compactMap(\.effectiveKept)
                        if effective.count == kept.count {
                            let e = effective.reduce(0, +)
                            r.effectiveCompression = kept.isEmpty ? 1 : e > 0 ? Double(kept.reduce(0) { $0 + $1.entries }) / Double(e) : .infinity
                        }
                    }
                }
            } else if FileManager.default.fileExists(atPath: layout.config.path) {
                r.status = "started"
            }
            results.append(r)
        }
        let c = sweep.config
        let setup = [
            "dense: \(c.base.synopsis(seeds: c.seeds))",
            "fine-tuning: \(c.finetune.synopsis)",
            "pruning: masks \(c.masks.magnitudeScope.rawValue), exclude [\(c.masks.exclude.map(\.rawValue).joined(separator: ", "))]"
                + (c.masks.keepOutput.map { ", output layer keeps \($0)" } ?? "") + ", criterion batches \(c.masks.pruning.batches)",
            "seeds: \(c.seeds.map(String.init).joined(separator: ", ")); ratios: \(c.ratios.map(PruningSweepCell.ratioText).joined(separator: ", "))",
            String(format: "dense forward MACs per sample: %d (linear weight: 1 MAC, conv weight: OH·OW MACs)", cost.denseMACs),
        ]
        return PruningSweepReport(name: c.name, results: results, criteria: c.criteria, atInit: c.atInit, setup: setup)
    }

    // MARK: - Series

    /// The points of every series: after-training criteria (ratio 1 = the shared fine-tuned runs),
    /// then at-init criteria (ratio 1 = the dense runs).
    public var points: [Point] {
        var out: [Point] = []
        let ratios = Array(Set(results.map(\.cell.ratio))).sorted()
        func add(_ series: String, _ stage: PruningSweepCell.Stage, criterion: String) {
            for r in ratios {
                let cells = results.filter { x in
                    if r == 1 {
                        return stage == .afterTraining ? (x.cell.stage == .afterTraining && x.cell.criterion == nil) : x.cell.stage == .dense
                    }
                    return x.cell.stage == stage && x.cell.criterion == criterion && x.cell.ratio == r
                }
                if !cells.isEmpty { out.append(Point(series: series, stage: stage, ratio: r, planned: cells.count, runs: cells.filter { $0.finalAccuracy != nil })) }
            }
        }
        for c in criteria { add(c, .afterTraining, criterion: c) }
        for c in atInit { add("\(c)@init", .atInit, criterion: c) }
        return out
    }

    // MARK: - Tables

    /// `results.csv`: one row per run.
    public func resultsCSV() -> String {
        var out = "stage,criterion,ratio,seed,status,final_test_accuracy,best_test_accuracy,compression,flop_reduction,effective_compression,folder\n"
        for r in results {
            let c = r.cell
            out += [c.stage.rawValue, c.criterion ?? "", PruningSweepCell.ratioText(c.ratio), String(c.seed), r.status,
                    Self.number(r.finalAccuracy), Self.number(r.bestAccuracy), Self.number(r.compression ?? (r.finalAccuracy != nil ? 1 : nil)),
                    Self.number(r.flopReduction ?? (r.finalAccuracy != nil ? 1 : nil)), Self.number(r.effectiveCompression ?? (r.finalAccuracy != nil ? 1 : nil)),
                    "runs/" + c.folder].joined(separator: ",") + "\n"
        }
        return out
    }

    /// `summary.csv`: per series and ratio, n and planned, mean and 95% half-width of the final
    /// test accuracy (half-width empty for n = 1), mean compression, FLOP reduction and effective compression.
    public func summaryCSV() -> String {
        var out = "series,stage,ratio,n,planned,final_test_accuracy_mean,final_test_accuracy_ci95,compression,flop_reduction,effective_compression\n"
        for p in points {
            let s = p.accuracy
            out += [p.series, p.stage.rawValue, PruningSweepCell.ratioText(p.ratio), String(p.runs.count), String(p.planned),
                    Self.number(s?.mean), s.map { $0.count > 1 ? Self.number($0.halfWidth) : "" } ?? "",
                    Self.number(compression(p)), Self.number(flops(p)), Self.number(p.mean(\.effectiveCompression) ?? (p.runs.isEmpty ? nil : 1))]
                .joined(separator: ",") + "\n"
        }
        return out
    }

    func compression(_ p: Point) -> Double? { p.mean(\.compression) ?? (p.runs.isEmpty ? nil : 1) }
    func flops(_ p: Point) -> Double? { p.mean(\.flopReduction) ?? (p.runs.isEmpty ? nil : 1) }

    /// Per stage and ratio > 1: the series with the highest mean accuracy, the others inside its
    /// noise (the paired 95% interval of the difference over common seeds contains 0) or clearly
    /// worse, and those with fewer than 2 seeds in common with it (nothing can be said).
    public func winners(_ stage: PruningSweepCell.Stage) -> [(ratio: Double, best: String, insideNoise: [String], clearlyWorse: [String], untested: [String])] {
        let ps = points.filter { $0.stage == stage && $0.ratio > 1 && !$0.runs.isEmpty }
        var out: [(ratio: Double, best: String, insideNoise: [String], clearlyWorse: [String], untested: [String])] = []
        for r in Array(Set(ps.map(\.ratio))).sorted() {
            let here = ps.filter { $0.ratio == r }
            guard let best = here.max(by: { ($0.accuracy?.mean ?? 0) < ($1.accuracy?.mean ?? 0) }) else { continue }
            var inside: [String] = [], worse: [String] = [], untested: [String] = []
            for p in here where p.series != best.series {
                let d = best.differences(from: p)
                if d.count < 2 {
                    untested.append(p.series)
                } else if Summary(d).mean - Summary(d).halfWidth > 0 {
                    worse.append(p.series)
                } else {
                    inside.append(p.series)
                }
            }
            out.append((r, best.series, inside, worse, untested))
        }
        return out
    }

    /// `REPORT.md`: setup, plots, the table per stage, the winners and every run's status.
    public func markdown() -> String {
        var out = "# Pruning sweep \(name)\n\n"
        out += "Test accuracy after pruning to each compression ratio (prunable weights / kept prunable weights), mean ± 95% interval "
        out += "over seeds (Student t). FLOP reduction = dense forward MACs / MACs left (a pruned weight removes its MACs; see PruningCost).\n\n"
        for line in setup { out += "- \(line)\n" }
        out += "\n"
        for (file, _) in plots() { out += "![\(file)](\(file))\n" }
        for stage in [PruningSweepCell.Stage.afterTraining, .atInit] {
            let ps = points.filter { $0.stage == stage }
            guard !ps.isEmpty else { continue }
            out += stage == .afterTraining ? "\n## Pruned after training, then fine-tuned\n\n" : "\n## Pruned at initialisation, trained from scratch\n\n"
            let ratios = Array(Set(ps.map(\.ratio))).sorted()
            out += "| series | " + ratios.map { "×\(PruningSweepCell.ratioText($0))" }.joined(separator: " | ") + " |\n"
            out += "|---|" + ratios.map { _ in "---|" }.joined() + "\n"
            for series in orderedSeries(ps) {
                out += "| \(series) | " + ratios.map { r in ps.first { $0.series == series && $0.ratio == r }.map(Self.cellText) ?? "" }.joined(separator: " | ") + " |\n"
            }
            out += "\n| ratio | achieved compression | FLOP reduction | effective compression (range over series) |\n|---|---|---|---|\n"
            for r in ratios {
                let here = ps.filter { $0.ratio == r && !$0.runs.isEmpty }
                func range(_ v: [Double]) -> String {
                    guard let lo = v.min(), let hi = v.max() else { return "" }
                    return abs(hi - lo) < 0.005 ? String(format: "%.2f", lo) : String(format: "%.2f–%.2f", lo, hi)
                }
                out += "| ×\(PruningSweepCell.ratioText(r)) | \(range(here.compactMap(compression))) | \(range(here.compactMap(flops))) | "
                    + "\(range(here.compactMap { $0.mean(\.effectiveCompression) ?? 1 }.filter(\.isFinite))) |\n"
            }
            let w = winners(stage)
            if !w.isEmpty {
                out += "\nBest series per ratio; \"inside the noise\" = the paired 95% interval of its difference to the best contains 0.\n\n"
                out += "| ratio | best | inside the noise of the best | clearly worse | fewer than 2 common seeds |\n|---|---|---|---|---|\n"
                for x in w {
                    out += "| ×\(PruningSweepCell.ratioText(x.ratio)) | \(x.best) | \(x.insideNoise.joined(separator: ", ")) | "
                        + "\(x.clearlyWorse.joined(separator: ", ")) | \(x.untested.joined(separator: ", ")) |\n"
                }
            }
            out += pairedMarkdown(stage)
        }
        out += "\n## Runs\n\n| run | folder | status |\n|---|---|---|\n"
        for r in results { out += "| \(r.cell.label) | runs/\(r.cell.folder) | \(r.status) |\n" }
        return out
    }

    func orderedSeries(_ ps: [Point]) -> [String] {
        var seen: [String] = []
        for p in ps where !seen.contains(p.series) { seen.append(p.series) }
        return seen
    }

    static func cellText(_ p: Point) -> String {
        guard let s = p.accuracy else { return "—" }
        let n = p.runs.count == p.planned ? "" : " (\(p.runs.count) of \(p.planned))"
        return (s.count > 1 ? String(format: "%.4f ± %.4f", s.mean, s.halfWidth) : String(format: "%.4f (n = 1)", s.mean)) + n
    }

    static func number(_ v: Double?) -> String {
        guard let v else { return "" }
        return v.isFinite ? String(format: "%.6f", v) : "inf"
    }

    // MARK: - Plots

    /// One SVG per plot: after training (and at init, when the sweep has such cells) against the
    /// compression ratio and against the FLOP reduction, log-scaled x, every series with its 95%
    /// band; the random baseline (after training) drawn black and dashed on every plot. Each comes
    /// twice: the full accuracy range, and zoomed to the better half of the non-random series (from
    /// the lowest per-ratio median of their means to the highest mean; points below left out),
    /// where the leading criteria's differences are visible.
    public func plots() -> [(file: String, svg: String)] {
        var out: [(file: String, svg: String)] = []
        let stages: [(PruningSweepCell.Stage, String, String)] = [(.afterTraining, "after-training", "pruned after training, fine-tuned"),
                                                                  (.atInit, "at-init", "pruned at initialisation, trained from scratch")]
        let axes: [(String, String, (Point) -> Double?)] = [("compression", "compression ratio (prunable weights / kept), log scale", compression),
                                                            ("flops", "theoretical FLOP reduction (dense MACs / MACs left), log scale", flops)]
        for (stage, tag, title) in stages {
            var ps = points.filter { $0.stage == stage }
            guard !ps.isEmpty else { continue }
            if stage == .atInit { ps += points.filter { $0.series == "random" && $0.stage == .afterTraining } }
            for zoom in [false, true] {
                for (axis, label, x) in axes {
                    var plot = plot(ps, stage: stage, x: x, zoom: zoom)
                    // The swept (nominal) ratios label the compression axis: the measured compression
                    // of a point (15.9995 for ×16, further off with keepOutput) sits beside its tick.
                    if axis == "compression" { plot.xTicks = ps.map(\.ratio) }
                    plot.title = "\(name): test accuracy, \(title)" + (zoom ? " (zoomed)" : "")
                    plot.xLabel = label
                    out.append(("\(tag)-accuracy-vs-\(axis)\(zoom ? "-zoom" : "").svg", plot.svg()))
                }
            }
        }
        return out
    }

    /// The line plot of `ps` over `x`; zoomed: the better half of the non-random series (see `plots`), other points left out.
    func plot(_ ps: [Point], stage: PruningSweepCell.Stage, x: (Point) -> Double?, zoom: Bool) -> LinePlot {
        typealias Mean = (x: Double, s: Summary)
        var lines: [(name: String, points: [Mean])] = []
        for name in orderedSeries(ps) {
            let mine = ps.filter { $0.series == name }.compactMap { p -> Mean? in
                guard let v = x(p), v.isFinite, let s = p.accuracy else { return nil }
                return (v, s)
            }
            if !mine.isEmpty { lines.append((name, mine)) }
        }
        func isRandom(_ name: String) -> Bool { name == "random" || name == "random@init" }
        var range: ClosedRange<Double>?
        if zoom {
            // From the lowest per-ratio median of the non-random means to the highest mean: the better half of the series.
            let means = lines.filter { !isRandom($0.name) }.flatMap { $0.points }
            let medians = Dictionary(grouping: means, by: { $0.x }).values.map { group -> Double in
                let m = group.map { $0.s.mean }.sorted()
                return m.count % 2 == 1 ? m[m.count / 2] : (m[m.count / 2 - 1] + m[m.count / 2]) / 2
            }
            if let lo = medians.min(), let hi = means.map({ $0.s.mean }).max(), hi > lo {
                let pad = (hi - lo) * 0.05
                range = (lo - pad)...(hi + pad)
            }
        }
        // Series past the palette's eight colours repeat a colour: they are drawn dashed to stay apart.
        let series = lines.enumerated().map { (i, line) -> LinePlot.Series in
            let shown = range.map { r in line.points.filter { r.contains($0.s.mean) } } ?? line.points
            let label = line.name == "random" && stage == .atInit ? "random (after training)" : line.name
            return LinePlot.Series(label: label, points: shown.map { (x: $0.x, y: $0.s.mean) },
                                   band: shown.filter { $0.s.count > 1 }.map { p in
                                       // An accuracy's interval ends at 0 and 1.
                                       let (lo, hi) = (max(0, p.s.mean - p.s.halfWidth), min(1, p.s.mean + p.s.halfWidth))
                                       return range.map { (x: p.x, low: max(lo, $0.lowerBound), high: min(hi, $0.upperBound)) } ?? (x: p.x, low: lo, high: hi)
                                   },
                                   colour: line.name == "random" ? "#000000" : nil, dashed: isRandom(line.name) || i >= LinePlot.palette.count)
        }
        var plot = LinePlot(title: "", xLabel: "", yLabel: "final test accuracy", series: series, yRange: range)
        plot.subtitle = "mean over seeds with 95% band; random baseline dashed" + (range == nil ? "" : "; zoomed to the better half, points below the axis left out")
        plot.xScale = .log
        return plot
    }

    /// Writes `results.csv`, `summary.csv`, `paired.csv`, the plots and `REPORT.md` into `directory`.
    public func write(to directory: URL) throws(SweepError) {
        do {
            try RunFolder.writeAtomically(Data(resultsCSV().utf8), to: directory.appendingPathComponent("results.csv"))
            try RunFolder.writeAtomically(Data(summaryCSV().utf8), to: directory.appendingPathComponent("summary.csv"))
            try RunFolder.writeAtomically(Data(pairedCSV().utf8), to: directory.appendingPathComponent("paired.csv"))
            for (file, svg) in plots() { try RunFolder.writeAtomically(Data(svg.utf8), to: directory.appendingPathComponent(file)) }
            try RunFolder.writeAtomically(Data(markdown().utf8), to: directory.appendingPathComponent("REPORT.md"))
        } catch { throw .folder(error) }
    }
}
