import Foundation

/// A scatter chart as a standalone SVG: groups of (x, y) points in distinct colours, optional
/// per-group notes in the legend (e.g. a correlation), axis ticks, a title.
public struct ScatterPlot: Sendable {
    public struct Group: Sendable {
        public var label: String
        public var points: [(x: Double, y: Double)]
        public init(label: String, points: [(x: Double, y: Double)]) {
            self.label = label
            self.points = points
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var groups: [Group]
    public var width = 720.0, height = 440.0

    public init(title: String, xLabel: String, yLabel: String, groups: [Group]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.groups = groups
    }

    /// The chart as SVG text.
    public func svg() -> String {
        let left = 70.0, right = 250.0, top = 40.0, bottom = 55.0
        let pw = width - left - right, ph = height - top - bottom
        let xs = groups.flatMap { $0.points.map(\.x) }.filter(\.isFinite), ys = groups.flatMap { $0.points.map(\.y) }.filter(\.isFinite)
        var x0 = xs.min() ?? 0, x1 = xs.max() ?? 1, y0 = ys.min() ?? 0, y1 = ys.max() ?? 1
        if x1 - x0 < 1e-12 { x0 -= 0.5; x1 += 0.5 }
        if y1 - y0 < 1e-12 { y0 -= 0.5; y1 += 0.5 }
        let padX = (x1 - x0) * 0.04, padY = (y1 - y0) * 0.06
        x0 -= padX; x1 += padX; y0 -= padY; y1 += padY
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * pw }
        func py(_ y: Double) -> Double { top + (1 - (y - y0) / (y1 - y0)) * ph }
        let f = SVGText.number, escape = SVGText.escape
        var s = SVGText.open(width: width, height: height)
        s += SVGText.title(title, width: width)
        for t in PlotAxis.ticks(y0, y1) {
            s += "<line x1=\"\(f(left))\" x2=\"\(f(left + pw))\" y1=\"\(f(py(t.value)))\" y2=\"\(f(py(t.value)))\" stroke=\"#eee\"/>\n"
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(py(t.value) + 4))\" text-anchor=\"end\">\(t.label)</text>\n"
        }
        for t in PlotAxis.ticks(x0, x1) {
            s += "<line x1=\"\(f(px(t.value)))\" x2=\"\(f(px(t.value)))\" y1=\"\(f(top))\" y2=\"\(f(top + ph))\" stroke=\"#f0f0f0\"/>\n"
            s += "<text x=\"\(f(px(t.value)))\" y=\"\(f(top + ph + 16))\" text-anchor=\"middle\">\(t.label)</text>\n"
        }
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(pw))\" height=\"\(f(ph))\" fill=\"none\" stroke=\"#333\"/>\n"
        s += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(height - 14))\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        s += "<text transform=\"translate(18 \(f(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>\n"
        for (i, g) in groups.enumerated() {
            let color = LinePlot.palette[i % LinePlot.palette.count]
            for p in g.points where p.x.isFinite && p.y.isFinite {
                s += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"3\" fill=\"\(color)\" fill-opacity=\"0.75\"/>\n"
            }
            let ly = top + 14 + Double(i) * 18
            s += "<circle cx=\"\(f(left + pw + 20))\" cy=\"\(f(ly - 4))\" r=\"4\" fill=\"\(color)\"/>\n"
            s += "<text x=\"\(f(left + pw + 30))\" y=\"\(f(ly))\">\(escape(g.label))</text>\n"
        }
        s += "</svg>\n"
        return s
    }
}
