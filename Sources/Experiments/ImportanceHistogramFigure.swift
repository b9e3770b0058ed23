import Foundation

/// The importance histograms of one run (`importance_histograms.csv`: iteration, epoch, refresh,
/// tensor, log10w_low, log10w_high, count) as a `HistogramPlot`: one panel per tensor, one line
/// per refresh, so the evolution of the distribution over training is visible at a glance.
public enum ImportanceHistogramFigure {
    /// The figure for the file at `url`; nil when it is missing or empty.
    public static func read(_ url: URL, title: String) -> HistogramPlot? {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        var tensors: [String] = []
        var refreshes: [(refresh: Int, epoch: Int)] = []
        // (tensor, refresh) → (under, counts, over); edges from the finite bins.
        var cells: [String: (under: Int, counts: [Int], over: Int)] = [:]
        var edges: [Double] = []
        var edgesFrom: String?
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 7, let epoch = Int(f[1]), let refresh = Int(f[2]), let count = Int(f[6]) else { continue }
            let tensor = f[3]
            if !tensors.contains(tensor) { tensors.append(tensor) }
            if !refreshes.contains(where: { $0.refresh == refresh }) { refreshes.append((refresh, epoch)) }
            let key = "\(tensor)#\(refresh)"
            var cell = cells[key] ?? (0, [], 0)
            if f[4] == "-inf" { cell.under = count } else if f[5] == "inf" { cell.over = count } else {
                cell.counts.append(count)
                if edgesFrom == nil || edgesFrom == key, let lo = Double(f[4]), let hi = Double(f[5]) {
                    edgesFrom = key
                    if edges.isEmpty { edges.append(lo) }
                    edges.append(hi)
                }
            }
            cells[key] = cell
        }
        guard !tensors.isEmpty, edges.count >= 2 else { return nil }
        let panels = tensors.map { t in
            HistogramPlot.Panel(title: t, series: refreshes.compactMap { r in
                cells["\(t)#\(r.refresh)"].map { HistogramPlot.Series(label: "refresh \(r.refresh) (epoch \(r.epoch + 1))", counts: $0.counts, underflow: $0.under, overflow: $0.over) }
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
