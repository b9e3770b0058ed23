import Foundation
import Stats

/// The paired analysis of a comparison: for every declared endpoint, the primary contrasts
/// (Holm-corrected over the contrasts of that endpoint) and, marked exploratory, every other
/// arm against each reference arm. Pure: built from the curves and the declaration, no files.
///
/// Per contrast a − b the rows hold the per-seed differences over the seeds where both arms
/// reached the endpoint, and from them (`Stats`): the mean with its 95% t interval and the
/// paired t-test (`PairedComparison`), the Wilcoxon signed-rank test, TOST against the margin
/// (`EquivalenceTest`), and the smallest difference the paired t-test detects with 80% power
/// at α/m (the first step of Holm over m primary contrasts) given the observed σ_d
/// (`PairedPower`, in the metric's units). Verdicts (two-sided, α = 0.05): "a > b" or "a < b"
/// when the Holm-adjusted paired-t p < α, "equivalent within ±δ" when the TOST p < α (both can
/// hold for a tiny but real difference), otherwise "inconclusive at this power". When every
/// per-seed difference is the same (σ_d = 0, e.g. two arms at chance accuracy in a smoke run) the
/// t statistics are undefined: such a row says "no test: every difference is Δ (σ_d = 0)" and
/// shows no t-based p-value (the Wilcoxon signed-rank p, which needs no variance, stays),
/// equivalence or detectable effect, rather than the limits (p 0 or 1) that would read as
/// certainty. Holm's family is every declared contrast of the endpoint (m as declared); a row
/// that cannot be tested (n < 2 or σ_d = 0) counts in it with p = 1.
public struct ComparePairedTable: Sendable {
    public enum Family: String, Sendable { case primary, exploratory }

    public struct Row: Sendable {
        public var family: Family
        public var endpoint: PairedEndpoint
        public var first: String, second: String
        public var seeds: [UInt64]
        /// first − second per seed (in `seeds` order).
        public var differences: [Double]
        public var paired: PairedComparison?
        public var wilcoxon: WilcoxonSignedRank?
        /// Holm-adjusted paired-t p over the primary contrasts of this endpoint; nil for exploratory rows.
        public var holmP: Double?
        public var holmFamilySize: Int
        /// The endpoint's equivalence margin δ.
        public var margin: Double
        public var equivalence: EquivalenceTest?
        /// Smallest mean difference detectable with 80% power at `powerAlpha`, in the metric's units.
        public var detectable: Double?
        public var powerAlpha: Double

        /// Whether the paired t-test applies: at least two pairs, not all differences equal.
        public var isTestable: Bool { paired != nil && !isDegenerate }

        /// Whether the t-based statistics are undefined: at least two pairs, all differences equal
        /// (`PairedComparison.isDegenerate`).
        public var isDegenerate: Bool { paired?.isDegenerate ?? false }

        /// The verdict of the row (see the type's documentation).
        public func verdict(alpha: Double = 0.05) -> String {
            guard let paired else { return "no test (n = \(seeds.count) < 2)" }
            if isDegenerate {
                return String(format: "no test: every difference is %+.4g (σ_d = 0)", paired.meanDifference)
            }
            var parts: [String] = []
            let p = family == .primary ? (holmP ?? paired.p) : paired.p
            if p < alpha { parts.append(paired.meanDifference > 0 ? "\(first) > \(second)" : "\(first) < \(second)") }
            if let e = equivalence, e.isEquivalent(alpha: alpha) { parts.append("equivalent within ±\(String(format: "%g", e.margin))") }
            return parts.isEmpty ? "inconclusive at this power" : parts.joined(separator: "; ")
        }
    }

    public let rows: [Row]
    /// The analysis's shared equivalence margin δ (an endpoint may have its own: `Row.margin`).
    public let margin: Double
    public let alpha: Double

    /// The analysis of `table` as `analysis` declares it; "final" is epoch `finalEpoch` (nil: the
    /// last logged epoch of each run).
    public init(_ table: CompareTable, analysis: CompareAnalysis, finalEpoch: Int?, alpha: Double = 0.05) {
        self.margin = analysis.margin
        self.alpha = alpha
        let m = analysis.contrasts.count
        var rows: [Row] = []
        var detectable: [String: Double] = [:]   // the power integral is slow; one per (n, α)
        func effect(_ n: Int, _ a: Double) -> Double {
            if let e = detectable["\(n) \(a)"] { return e }
            let e = PairedPower.minimumDetectableEffect(pairs: n, alpha: a)
            detectable["\(n) \(a)"] = e
            return e
        }
        for endpoint in analysis.endpoints {
            var primary = analysis.contrasts.map {
                Self.row(table, .primary, endpoint, $0.first, $0.second, finalEpoch: finalEpoch, margin: analysis.margin(for: endpoint), powerAlpha: alpha / Double(m), effect: effect)
            }
            // Holm over every declared contrast, m fixed by the declaration: a contrast that cannot
            // be tested (n < 2, or σ_d = 0) enters with p = 1, so that leaving it out after seeing
            // the data cannot make the others less conservative than declared.
            let adjusted = HolmCorrection.adjust(primary.map { $0.isTestable ? $0.paired?.p ?? 1 : 1 })
            for i in primary.indices {
                primary[i].holmFamilySize = primary.count
                if primary[i].isTestable { primary[i].holmP = adjusted[i] }
            }
            rows += primary
            var done = Set(analysis.contrasts.map { Set([$0.first, $0.second]) })
            for reference in analysis.references {
                for arm in table.arms where arm != reference && !done.contains(Set([arm, reference])) {
                    done.insert(Set([arm, reference]))
                    rows.append(Self.row(table, .exploratory, endpoint, arm, reference, finalEpoch: finalEpoch, margin: analysis.margin(for: endpoint), powerAlpha: alpha, effect: effect))
                }
            }
        }
        self.rows = rows
    }

    static func row(_ table: CompareTable, _ family: Family, _ endpoint: PairedEndpoint, _ a: String, _ b: String,
                    finalEpoch: Int?, margin: Double, powerAlpha: Double, effect: (Int, Double) -> Double) -> Row {
        var seeds: [UInt64] = [], d: [Double] = []
        let second = Dictionary((table.runs[b] ?? []).map { ($0.seed, $0) }, uniquingKeysWith: { x, _ in x })
        for run in table.runs[a] ?? [] {
            guard let other = second[run.seed], let x = endpoint.value(run, finalEpoch: finalEpoch),
                  let y = endpoint.value(other, finalEpoch: finalEpoch) else { continue }
            seeds.append(run.seed)
            d.append(x - y)
        }
        let paired = PairedComparison(differences: d)
        let detectable = paired.map { effect($0.count, powerAlpha) * $0.standardDeviation }
        return Row(family: family, endpoint: endpoint, first: a, second: b, seeds: seeds, differences: d, paired: paired,
                   wilcoxon: d.isEmpty ? nil : WilcoxonSignedRank(differences: d), holmP: nil, holmFamilySize: 0, margin: margin,
                   equivalence: EquivalenceTest(differences: d, margin: margin), detectable: detectable, powerAlpha: powerAlpha)
    }

    public func rows(_ family: Family) -> [Row] { rows.filter { $0.family == family } }

    // MARK: - Text

    /// One family's rows as a Markdown table.
    public func markdown(_ family: Family) -> String {
        let list = rows(family)
        guard !list.isEmpty else { return "(no \(family.rawValue) contrasts)\n" }
        let margins = Set(list.map(\.margin))
        let tostHeader = margins.count == 1 ? "TOST p (±\(String(format: "%g", list[0].margin)))" : "TOST p (±δ of the endpoint)"
        var md = "| endpoint | contrast | n | mean Δ [95% CI] | paired t p | Wilcoxon p | "
            + (family == .primary ? "Holm p | " : "") + "\(tostHeader) | verdict | detectable at 80% power |\n"
        md += "|---|---|---|---|---|---|" + (family == .primary ? "---|" : "") + "---|---|---|\n"
        for r in list {
            var cells = [r.endpoint.label, "\(r.first) − \(r.second)", "\(r.seeds.count)"]
            if let c = r.paired, r.isDegenerate {
                cells.append(String(format: "%+.4f (all %d equal, no interval)", c.meanDifference, c.count))
                cells.append("—")
            } else if let c = r.paired {
                cells.append(String(format: "%+.4f [%+.4f, %+.4f]", c.meanDifference, c.interval.lower, c.interval.upper))
                cells.append(CompareTable.pValue(c.p))
            } else {
                cells.append(r.differences.first.map { String(format: "%+.4f (n = 1, no interval)", $0) } ?? "—")
                cells.append("—")
            }
            let degenerate = r.isDegenerate
            cells.append(r.wilcoxon.map { CompareTable.pValue($0.p) } ?? "—")
            if family == .primary {
                cells.append(degenerate ? "—" : r.holmP.map { "\(CompareTable.pValue($0)) (m = \(r.holmFamilySize))" } ?? "—")
            }
            cells.append(degenerate ? "—" : r.equivalence.map {
                CompareTable.pValue($0.p) + (margins.count == 1 ? "" : " (±\(String(format: "%g", r.margin)))")
            } ?? "—")
            cells.append(r.verdict(alpha: alpha))
            cells.append(degenerate ? "— (σ_d 0)" : r.detectable.map { String(format: "%.4f (σ_d %.4f, α %.3g)", $0, r.paired?.standardDeviation ?? 0, r.powerAlpha) } ?? "—")
            md += "| " + cells.joined(separator: " | ") + " |\n"
        }
        return md
    }

    /// paired.csv: one line per row, primary first; empty cells where a statistic needs more seeds.
    public func csv() -> String {
        var out = "family,endpoint,first,second,n,seeds,differences,mean_difference,ci95_low,ci95_high,sd_difference,t,p_t,p_wilcoxon,p_holm,holm_m,margin,p_tost,verdict,detectable80,power_alpha\n"
        for r in rows(.primary) + rows(.exploratory) {
            let c = r.paired
            let t = r.isDegenerate ? nil : c   // σ_d = 0: no t, p, interval width, TOST or power
            let fields: [String] = [
                r.family.rawValue, r.endpoint.label, r.first, r.second, "\(r.seeds.count)",
                r.seeds.map(String.init).joined(separator: ";"), r.differences.map { "\($0)" }.joined(separator: ";"),
                c.map { "\($0.meanDifference)" } ?? "", t.map { "\($0.interval.lower)" } ?? "", t.map { "\($0.interval.upper)" } ?? "",
                c.map { "\($0.standardDeviation)" } ?? "", t.map { "\($0.t)" } ?? "", t.map { "\($0.p)" } ?? "",
                r.wilcoxon.map { "\($0.p)" } ?? "", r.holmP.map { "\($0)" } ?? "", r.family == .primary ? "\(r.holmFamilySize)" : "",
                "\(r.margin)", t == nil ? "" : r.equivalence.map { "\($0.p)" } ?? "", r.verdict(alpha: alpha),
                t == nil ? "" : r.detectable.map { "\($0)" } ?? "", "\(r.powerAlpha)",
            ]
            out += fields.joined(separator: ",") + "\n"
        }
        return out
    }
}
