import Foundation

extension ComparePairedTable {
    /// One family's rows as a forest plot (`paired.svg` for the primary contrasts,
    /// `paired-exploratory.svg` for the others): per row the per-seed differences, the mean, the
    /// unadjusted 95% interval (none where the row cannot be tested), the endpoint's margin band
    /// and the verdict of the table (Holm-adjusted for primary rows). Labels name the endpoint
    /// when the analysis has several; nil when the family has no rows.
    public func figure(_ family: Family, title: String) -> PairedDifferencePlot? {
        let list = rows(family)
        guard !list.isEmpty else { return nil }
        let endpoints = Set(rows.map(\.endpoint.label)), metrics = Set(rows.map(\.endpoint.metric.rawValue))
        let plotted = list.map { r in
            PairedDifferencePlot.Row(
                label: "\(r.first) − \(r.second)" + (endpoints.count > 1 ? " @ \(r.endpoint.label)" : ""),
                points: r.differences, mean: r.paired?.meanDifference ?? (r.differences.count == 1 ? r.differences[0] : nil),
                interval: r.isTestable ? r.paired.map { $0.interval.lower...$0.interval.upper } : nil, margin: r.margin,
                note: "n \(r.seeds.count): " + r.verdict(alpha: alpha), emphasised: family == .primary)
        }
        let metric = metrics.count == 1 ? (endpoints.count == 1 ? endpoints.first ?? "" : metrics.first ?? "") : "each row's endpoint"
        return PairedDifferencePlot(title: title, xLabel: "Δ \(metric), first − second (dots: seeds; diamond: mean; bar: 95% CI; band: ±margin)",
                                    rows: plotted)
    }
}
