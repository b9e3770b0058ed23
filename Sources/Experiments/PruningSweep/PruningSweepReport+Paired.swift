import Foundation
import Stats

/// Paired differences of every series against a reference criterion (`magnitude`, the usual
/// baseline of pruning papers): per ratio, the per-seed differences of final test accuracy over
/// the seeds both have (each seed's cells share one dense run and its data order), their mean
/// with a 95% Student-t interval, and the smallest difference a paired t-test at α = 0.05 detects
/// with 80% power given their standard deviation σ_d (`PairedPower`). With 3 seeds that is
/// ≈ 3.3 σ_d, so differences below it are "inside the noise" whatever their sign.
extension PruningSweepReport {
    /// `series` − `reference` at one ratio of one stage.
    public struct PairedRow: Sendable {
        public var series: String
        public var reference: String
        public var stage: PruningSweepCell.Stage
        public var ratio: Double
        /// Per common seed, in seed order.
        public var differences: [Double]
        /// nil with fewer than 2 common seeds.
        public var summary: Summary?
        /// Smallest detectable difference (80% power, α = 0.05), in accuracy units; nil with < 2 seeds.
        public var detectable: Double?
    }

    /// The reference series of `stage`: `magnitude` after training, `magnitude@init` at init,
    /// when the sweep has it.
    public func pairedReference(_ stage: PruningSweepCell.Stage) -> String? {
        let name = stage == .atInit ? "magnitude@init" : "magnitude"
        return points.contains { $0.stage == stage && $0.series == name } ? name : nil
    }

    /// Every other series against the reference at every ratio > 1 of `stage` (empty without a reference).
    public func pairedRows(_ stage: PruningSweepCell.Stage) -> [PairedRow] {
        guard let reference = pairedReference(stage) else { return [] }
        let ps = points.filter { $0.stage == stage && $0.ratio > 1 }
        var detectableBySeeds: [Int: Double] = [:]   // the power integral is slow: one per seed count
        var rows: [PairedRow] = []
        for series in orderedSeries(ps) where series != reference {
            for p in ps where p.series == series {
                guard let ref = ps.first(where: { $0.series == reference && $0.ratio == p.ratio }) else { continue }
                let d = p.differences(from: ref)
                var row = PairedRow(series: series, reference: reference, stage: stage, ratio: p.ratio, differences: d)
                if d.count >= 2 {
                    let s = Summary(d)
                    row.summary = s
                    let unit = detectableBySeeds[d.count] ?? PairedPower.minimumDetectableEffect(pairs: d.count)
                    detectableBySeeds[d.count] = unit
                    row.detectable = unit * s.standardDeviation
                }
                rows.append(row)
            }
        }
        return rows
    }

    /// `paired.csv`: one row per series, stage and ratio against the reference.
    public func pairedCSV() -> String {
        var out = "series,reference,stage,ratio,n,mean_difference,ci95_low,ci95_high,sd_difference,detectable_80\n"
        for stage in [PruningSweepCell.Stage.afterTraining, .atInit] {
            for r in pairedRows(stage) {
                out += [r.series, r.reference, stage.rawValue, PruningSweepCell.ratioText(r.ratio), String(r.differences.count),
                        Self.number(r.summary?.mean), Self.number(r.summary.map { $0.mean - $0.halfWidth }),
                        Self.number(r.summary.map { $0.mean + $0.halfWidth }), Self.number(r.summary?.standardDeviation),
                        Self.number(r.detectable)].joined(separator: ",") + "\n"
            }
        }
        return out
    }

    /// The markdown table of `stage` in points of accuracy (empty without a reference).
    func pairedMarkdown(_ stage: PruningSweepCell.Stage) -> String {
        let rows = pairedRows(stage)
        guard let reference = pairedReference(stage), !rows.isEmpty else { return "" }
        let ratios = Array(Set(rows.map(\.ratio))).sorted()
        var out = "\nPaired by seed against `\(reference)`, in points of test accuracy: mean difference ± 95% half-width, and in brackets "
        out += "the smallest difference a paired t-test (α = 0.05) detects with 80% power given the observed σ_d; **bold** where the "
        out += "interval excludes 0. A difference smaller than the bracket is inside the noise, whatever its sign. \"all equal\": every "
        out += "seed gave the same difference (σ_d = 0), so there is no interval or test.\n\n"
        out += "| series − \(reference) | " + ratios.map { "×\(PruningSweepCell.ratioText($0))" }.joined(separator: " | ") + " |\n"
        out += "|---|" + ratios.map { _ in "---|" }.joined() + "\n"
        for series in orderedSeries(points.filter { $0.stage == stage }) where series != reference {
            let cells = ratios.map { r -> String in
                guard let row = rows.first(where: { $0.series == series && $0.ratio == r }) else { return "" }
                guard let s = row.summary, let detectable = row.detectable else { return "n = \(row.differences.count)" }
                // σ_d = 0 (to the rounding of values read from CSV): no interval, nothing to bold.
                if PairedComparison.hasNoSpread(standardDeviation: s.standardDeviation, mean: s.mean) { return String(format: "%+.2f (all equal)", 100 * s.mean) }
                let text = String(format: "%+.2f ± %.2f", 100 * s.mean, 100 * s.halfWidth)
                let clear = s.mean - s.halfWidth > 0 || s.mean + s.halfWidth < 0
                return (clear ? "**\(text)**" : text) + String(format: " [%.2f]", 100 * detectable)
            }
            out += "| \(series) | " + cells.joined(separator: " | ") + " |\n"
        }
        return out
    }
}
