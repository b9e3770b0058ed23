import Foundation
import Masks

/// The importance histograms of one run (`importance_histograms.csv`: iteration, epoch, refresh,
/// tensor, log10w_low, log10w_high, count) as a `HistogramPlot`: one panel per tensor, one line
/// per refresh, so the evolution of the distribution over training is visible at a glance.
public enum ImportanceHistogramFigure {
    /// The figure for the file at `url`; nil when it is missing or has no complete histogram.
    ///
    /// Damaged files do not stop a report: a malformed row (wrong field count, a non-number) is
    /// skipped, a row repeated for the same tensor, refresh and bin (a log written twice) keeps
    /// its last value, and a refresh whose bins do not match the others' is left out.
    public static func read(_ url: URL, title: String) -> HistogramPlot? {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        var tensors: [String] = []
        var refreshes: [(refresh: Int, epoch: Int)] = []
        // "tensor#refresh" → bins by their low edge (−∞ for the underflow) → (high edge, count).
        var cells: [String: [Double: (high: Double, count: Int)]] = [:]
        let rows = text.split(separator: "\n").dropFirst()
        // Epochs count from 1; a file of an older MaskLab counts from 0 (`MaskLogRow.epochShift`).
        let shift = rows.first.map { MaskLogRow.epochShift(firstRow: $0.split(separator: ",", omittingEmptySubsequences: false)) } ?? 0
        for line in rows {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 7, !f[3].isEmpty, let epoch = Int(f[1]), let refresh = Int(f[2]), let low = Double(f[4]), let high = Double(f[5]),
                  low < high, let count = Int(f[6]), count >= 0 else { continue }
            let tensor = f[3]
            if !tensors.contains(tensor) { tensors.append(tensor) }
            if !refreshes.contains(where: { $0.refresh == refresh }) { refreshes.append((refresh, epoch + shift)) }
            cells["\(tensor)#\(refresh)", default: [:]][low] = (high, count)
        }
        // The finite bins of the fullest cell give the edges; they must be contiguous.
        guard let reference = cells.values.max(by: { $0.count < $1.count }) else { return nil }
        let bins = reference.filter { $0.key.isFinite && $0.value.high.isFinite }.sorted { $0.key < $1.key }
        guard !bins.isEmpty, zip(bins, bins.dropFirst()).allSatisfy({ $0.value.high == $1.key }) else { return nil }
        let edges = bins.map(\.key) + [bins[bins.count - 1].value.high]
        let panels = tensors.map { t in
            HistogramPlot.Panel(title: t, series: refreshes.compactMap { r -> HistogramPlot.Series? in
                guard let cell = cells["\(t)#\(r.refresh)"] else { return nil }
                let counts = bins.compactMap { cell[$0.key]?.count }
                guard counts.count == bins.count else { return nil }
                return HistogramPlot.Series(label: "refresh \(r.refresh) (epoch \(r.epoch))", counts: counts,
                                            underflow: cell[-.infinity]?.count ?? 0, overflow: cell[edges[edges.count - 1]]?.count ?? 0)
            })
        }
        var plot = HistogramPlot(title: title, xLabel: "log₁₀ w", edges: edges, panels: panels)
        plot.setImportanceOuterLabels()
        return plot
    }
}

extension HistogramPlot {
    /// Labels the outer bins of a log₁₀ w histogram as values of w ("≤1e-6", ">1e3").
    public mutating func setImportanceOuterLabels() {
        guard let lo = edges.first, let hi = edges.last else { return }
        underflowLabel = "≤1e\(Int(lo.rounded()))"
        overflowLabel = ">1e\(Int(hi.rounded()))"
    }
}
