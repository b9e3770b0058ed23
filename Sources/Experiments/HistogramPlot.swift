import Foundation

/// Histograms as SVG: one small panel per item (e.g. per layer), each with one or more series
/// drawn as step lines over the same bin edges, so distributions can be overlaid (importance
/// with and without regularisation). Counts are shown as shares of the panel's total, on a
/// linear scale; the under- and overflow go into the first and last bins' outer halves.
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
    public var columns = 4
    public var panelWidth = 260.0, panelHeight = 170.0

    public init(title: String, xLabel: String, edges: [Double], panels: [Panel]) {
        self.title = title
        self.xLabel = xLabel
        self.edges = edges
        self.panels = panels
    }

    static let colours = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]

    /// The whole figure as an SVG document.
    public func svg() -> String {
        let rows = (panels.count + columns - 1) / max(columns, 1)
        let legendHeight = 24.0, top = 30.0 + legendHeight
        let width = Double(columns) * panelWidth, height = top + Double(rows) * panelHeight + 10
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="10">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(width / 2)" y="18" text-anchor="middle" font-size="14">\(escape(title))</text>

        """
        let labels = panels.first?.series.map(\.label) ?? []
        for (i, l) in labels.enumerated() {
            let x = 10 + Double(i) * 170
            out += "<line x1=\"\(x)\" y1=\"\(36)\" x2=\"\(x + 20)\" y2=\"36\" stroke=\"\(Self.colours[i % Self.colours.count])\" stroke-width=\"2\"/>"
            out += "<text x=\"\(x + 26)\" y=\"40\">\(escape(l))</text>\n"
        }
        for (p, panel) in panels.enumerated() {
            let ox = Double(p % columns) * panelWidth, oy = top + Double(p / columns) * panelHeight
            out += panelSVG(panel, x: ox, y: oy)
        }
        return out + "</svg>\n"
    }

    private func panelSVG(_ panel: Panel, x ox: Double, y oy: Double) -> String {
        let left = ox + 36, right = ox + panelWidth - 8, topY = oy + 16, bottom = oy + panelHeight - 28
        let lo = edges.first ?? 0, hi = edges.last ?? 1
        func px(_ v: Double) -> Double { left + (v - lo) / (hi - lo) * (right - left) }
        var shares: [[Double]] = []
        var ymax = 0.0
        for s in panel.series {
            let total = Double(s.counts.reduce(0, +) + s.underflow + s.overflow)
            var v = s.counts.map { total > 0 ? Double($0) / total : 0 }
            if !v.isEmpty, total > 0 {
                v[0] += Double(s.underflow) / total
                v[v.count - 1] += Double(s.overflow) / total
            }
            ymax = max(ymax, v.max() ?? 0)
            shares.append(v)
        }
        ymax = ymax > 0 ? ymax * 1.05 : 1
        func py(_ v: Double) -> Double { bottom - v / ymax * (bottom - topY) }
        var out = "<g>\n<text x=\"\((left + right) / 2)\" y=\"\(oy + 11)\" text-anchor=\"middle\">\(escape(panel.title))</text>\n"
        out += "<rect x=\"\(left)\" y=\"\(topY)\" width=\"\(right - left)\" height=\"\(bottom - topY)\" fill=\"none\" stroke=\"#999\"/>\n"
        let tickStep = max(1.0, ((hi - lo) / 4).rounded())
        var t = lo.rounded(.up)
        while t <= hi {
            out += "<text x=\"\(px(t))\" y=\"\(bottom + 11)\" text-anchor=\"middle\">\(fmt(t))</text>"
            t += tickStep
        }
        out += "<text x=\"\((left + right) / 2)\" y=\"\(bottom + 23)\" text-anchor=\"middle\">\(escape(xLabel))</text>"
        out += "<text x=\"\(left - 3)\" y=\"\(topY + 8)\" text-anchor=\"end\">\(fmt(ymax))</text>"
        out += "<text x=\"\(left - 3)\" y=\"\(bottom)\" text-anchor=\"end\">0</text>\n"
        for (i, v) in shares.enumerated() {
            var d = "M \(px(lo)) \(py(0))"
            for b in v.indices where b + 1 < edges.count {   // counts beyond the edges (bad input) are not drawn
                d += " L \(px(edges[b])) \(py(v[b])) L \(px(edges[b + 1])) \(py(v[b]))"
            }
            d += " L \(px(hi)) \(py(0))"
            out += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(Self.colours[i % Self.colours.count])\" stroke-width=\"1.5\" opacity=\"0.85\"/>\n"
        }
        return out + "</g>\n"
    }

    private func fmt(_ x: Double) -> String { String(format: "%g", (x * 1000).rounded() / 1000) }

    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// Writes the SVG to `url`.
    public func write(to url: URL) throws { try svg().write(to: url, atomically: true, encoding: .utf8) }
}
