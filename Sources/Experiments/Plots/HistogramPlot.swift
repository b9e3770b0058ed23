import Foundation

/// Histograms as SVG: one small panel per item (e.g. per layer), each with one or more series
/// drawn as step lines over the same bin edges, so distributions can be overlaid (importance
/// with and without regularisation). Counts are shown as shares of the series' total, on a
/// linear scale per panel; the under- and overflow are separate bins beside the axis, labelled
/// with the edge they lie beyond (e.g. "≤-6" for log₁₀ w ≤ −6).
public struct HistogramPlot: Sendable {
    /// One overlaid distribution: counts per bin, plus under- and overflow.
    public struct Series: Sendable {
        public var label: String
        public var counts: [Int]
        public var underflow: Int, overflow: Int
        public init(label: String, counts: [Int], underflow: Int = 0, overflow: Int = 0) {
            self.label = label
            self.counts = counts
            self.underflow = underflow
            self.overflow = overflow
        }
    }

    /// One panel: a title and its series.
    public struct Panel: Sendable {
        public var title: String
        public var series: [Series]
        public init(title: String, series: [Series]) {
            self.title = title
            self.series = series
        }
    }

    public var title: String
    public var xLabel: String
    /// `bins + 1` increasing edges shared by every series.
    public var edges: [Double]
    public var panels: [Panel]
    /// Panels per row; nil fits the grid to the number of panels (all in one row up to four,
    /// then about a square, at most five per row).
    public var columns: Int?
    public var panelWidth = 280.0, panelHeight = 180.0
    /// Labels of the underflow and overflow bins; nil writes "≤ first edge" and "> last edge".
    public var underflowLabel: String?, overflowLabel: String?

    public init(title: String, xLabel: String, edges: [Double], panels: [Panel]) {
        self.title = title
        self.xLabel = xLabel
        self.edges = edges
        self.panels = panels
    }

    static let colours = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]

    /// The number of panels per row for `count` panels.
    public static func columns(for count: Int) -> Int {
        count <= 4 ? max(count, 1) : min(5, Int(Double(count).squareRoot().rounded(.up)))
    }

    /// The whole figure as an SVG document.
    public func svg() -> String {
        let columns = max(1, self.columns ?? Self.columns(for: panels.count))
        let rows = (panels.count + columns - 1) / columns
        let labels = panels.first?.series.map(\.label) ?? []
        let legendColumns = max(1, Int(Double(columns) * panelWidth / 180))
        let legendRows = (labels.count + legendColumns - 1) / legendColumns
        let top = 44.0 + Double(legendRows) * 16
        let width = max(Double(columns) * panelWidth, 560), height = top + Double(rows) * panelHeight + 10
        let note = "y: share of the tensor's entries per bin, scaled per panel; outer bins: values beyond the axis"
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="10">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(width / 2)" y="18" text-anchor="middle" font-size="\(f(min(14, (width - 20) / max(1, Double(title.count) * 0.55))))">\(escape(title))</text>
        <text x="\(width / 2)" y="32" text-anchor="middle" fill="#444">\(escape(note))</text>

        """
        for (i, l) in labels.enumerated() {
            let x = 10 + Double(i % legendColumns) * 180, y = 46 + Double(i / legendColumns) * 16
            out += "<line x1=\"\(x)\" y1=\"\(y - 4)\" x2=\"\(x + 20)\" y2=\"\(y - 4)\" stroke=\"\(Self.colours[i % Self.colours.count])\" stroke-width=\"2\"/>"
            out += "<text x=\"\(x + 26)\" y=\"\(y)\">\(escape(l))</text>\n"
        }
        for (p, panel) in panels.enumerated() {
            let ox = Double(p % columns) * panelWidth, oy = top + Double(p / columns) * panelHeight
            out += panelSVG(panel, x: ox, y: oy)
        }
        return out + "</svg>\n"
    }

    /// One panel: the bins between the first and last edge on the main axis, the underflow and
    /// overflow as separate labelled bins to its left and right, and a y axis of shares scaled
    /// to the largest bin of the main axis (an outer bin taller than that is clipped and its
    /// share written on it, so one spike does not flatten the rest).
    private func panelSVG(_ panel: Panel, x ox: Double, y oy: Double) -> String {
        let outer = 18.0, gap = 5.0
        let under = ox + 46, left = under + outer + gap, right = ox + panelWidth - 10 - outer - gap, over = right + gap
        let topY = oy + 16, bottom = oy + panelHeight - 30
        let lo = edges.first ?? 0, hi = edges.last ?? 1
        func px(_ v: Double) -> Double { left + (v - lo) / (hi - lo) * (right - left) }
        var shares: [(bins: [Double], under: Double, over: Double)] = []
        for s in panel.series {
            let total = Double(s.counts.reduce(0, +) + s.underflow + s.overflow)
            shares.append((s.counts.map { total > 0 ? Double($0) / total : 0 },
                           total > 0 ? Double(s.underflow) / total : 0, total > 0 ? Double(s.overflow) / total : 0))
        }
        var ymax = shares.flatMap(\.bins).max() ?? 0
        if ymax <= 0 { ymax = shares.flatMap { [$0.under, $0.over] }.max() ?? 0 }
        ymax = ymax > 0 ? ymax * 1.05 : 1
        func py(_ v: Double) -> Double { bottom - min(v, ymax) / ymax * (bottom - topY) }
        var out = "<g>\n<text x=\"\((left + right) / 2)\" y=\"\(oy + 11)\" text-anchor=\"middle\">\(escape(panel.title))</text>\n"
        for (x0, x1) in [(under, under + outer), (left, right), (over, over + outer)] {
            out += "<rect x=\"\(f(x0))\" y=\"\(f(topY))\" width=\"\(f(x1 - x0))\" height=\"\(f(bottom - topY))\" fill=\"none\" stroke=\"#999\"/>\n"
        }
        // x ticks on whole numbers of the axis, about four of them; the ends are named by the outer bins' labels.
        let tickStep = max(1.0, ((hi - lo) / 4).rounded())
        var t = lo.rounded(.up)
        while t <= hi {
            defer { t += tickStep }
            if t == lo || t == hi { continue }
            out += "<text x=\"\(f(px(t)))\" y=\"\(f(bottom + 11))\" text-anchor=\"middle\">\(fmt(t))</text>"
        }
        out += "<text x=\"\(f(under + outer / 2))\" y=\"\(f(bottom + 11))\" text-anchor=\"middle\" font-size=\"8\">\(escape(underflowLabel ?? "≤\(fmt(lo))"))</text>"
        out += "<text x=\"\(f(over + outer / 2))\" y=\"\(f(bottom + 11))\" text-anchor=\"middle\" font-size=\"8\">\(escape(overflowLabel ?? ">\(fmt(hi))"))</text>"
        out += "<text x=\"\(f((left + right) / 2))\" y=\"\(f(bottom + 24))\" text-anchor=\"middle\">\(escape(xLabel))</text>"
        // y axis: 0, the top, and its label.
        let digits = PlotAxis.decimals(for: (ymax * 1000).rounded() / 1000)
        out += "<text x=\"\(f(under - 3))\" y=\"\(f(topY + 8))\" text-anchor=\"end\">\(PlotAxis.label(ymax, decimals: min(max(digits, 2), 3)))</text>"
        out += "<text x=\"\(f(under - 3))\" y=\"\(f(bottom))\" text-anchor=\"end\">0</text>\n"
        out += "<text transform=\"translate(\(f(ox + 10)) \(f((topY + bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">share</text>\n"
        for (i, v) in shares.enumerated() {
            let colour = Self.colours[i % Self.colours.count]
            var d = "M \(f(px(lo))) \(f(py(0)))"
            for b in v.bins.indices where b + 1 < edges.count {
                d += " L \(f(px(edges[b]))) \(f(py(v.bins[b]))) L \(f(px(edges[b + 1]))) \(f(py(v.bins[b])))"
            }
            d += " L \(f(px(hi))) \(f(py(0)))"
            out += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\" opacity=\"0.85\"/>\n"
            // The outer bins: one thin bar per series side by side, clipped at the top with the share written on it.
            for (share, x0) in [(v.under, under), (v.over, over)] where share > 0 {
                let w = outer / Double(max(shares.count, 1)), bx = x0 + Double(i) * w
                out += "<rect x=\"\(f(bx))\" y=\"\(f(py(share)))\" width=\"\(f(w))\" height=\"\(f(bottom - py(share)))\" fill=\"\(colour)\" opacity=\"0.7\"/>\n"
                if share > ymax {
                    let (tx, anchor) = x0 == under ? (under + outer + 2, "start") : (over - 2, "end")
                    out += "<text x=\"\(f(tx))\" y=\"\(f(topY + 9 + Double(i) * 9))\" text-anchor=\"\(anchor)\" font-size=\"8\" fill=\"\(colour)\">\(Int((share * 100).rounded()))%</text>\n"
                }
            }
        }
        return out + "</g>\n"
    }

    private func f(_ v: Double) -> String { String(format: "%.1f", v) }

    private func fmt(_ x: Double) -> String { String(format: "%g", (x * 1000).rounded() / 1000) }

    func escape(_ s: String) -> String { SVGText.escape(s) }

    /// Writes the SVG to `url`.
    public func write(to url: URL) throws { try svg().write(to: url, atomically: true, encoding: .utf8) }
}
