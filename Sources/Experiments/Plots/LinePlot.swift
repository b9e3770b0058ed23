import Foundation

/// A line chart written as a standalone SVG: several series over a shared x axis, optional
/// bands or error bars (e.g. a confidence interval), vertical markers, axis ticks from
/// `PlotAxis`, a legend, a title and an optional subtitle.
public struct LinePlot: Sendable {
    /// How a series' band is drawn.
    public enum BandStyle: Sendable {
        /// A shaded area between low and high.
        case shaded
        /// A vertical bar with caps at each x.
        case errorBars
    }

    /// One line: points (x, y), an optional band (x, low, high) drawn under it.
    public struct Series: Sendable {
        public var label: String
        public var points: [(x: Double, y: Double)]
        public var band: [(x: Double, low: Double, high: Double)]
        /// A fixed colour (e.g. `LinePlot.testColour`); nil takes the palette colour of its index.
        public var colour: String?
        public var dashed: Bool
        public var bandStyle: BandStyle
        public init(label: String, points: [(x: Double, y: Double)], band: [(x: Double, low: Double, high: Double)] = [],
                    colour: String? = nil, dashed: Bool = false, bandStyle: BandStyle = .shaded) {
            self.label = label
            self.points = points
            self.band = band
            self.colour = colour
            self.dashed = dashed
            self.bandStyle = bandStyle
        }
    }

    /// A labelled vertical line at `x` (e.g. the endpoints of an interpolation).
    public struct Marker: Sendable {
        public var x: Double
        public var label: String
        public init(x: Double, label: String) {
            self.x = x
            self.label = label
        }
    }

    public var title: String
    /// A smaller line under the title (e.g. what the endpoints are); empty for none.
    public var subtitle = ""
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var markers: [Marker] = []
    public var width = 720.0, height = 440.0
    /// Fixed y range; nil fits the data.
    public var yRange: ClosedRange<Double>?
    public var xScale = PlotAxis.Scale.linear
    /// Larger x to the left (e.g. % of weights remaining, falling from 100 as pruning proceeds).
    public var xReversed = false
    /// The x values are counts (epochs, iterations): ticks only at integers.
    public var xInteger = false
    /// Ticks at exactly these x values (e.g. the swept ratios 1, 4, 16; the x range grows to hold
    /// them); nil: chosen from the range.
    public var xTicks: [Double]?

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
    /// The colours every MaskLab plot gives these splits.
    public static let testColour = "#1f77b4", trainColour = "#d62728", validationColour = "#2ca02c"

    public init(title: String, xLabel: String, yLabel: String, series: [Series], yRange: ClosedRange<Double>? = nil) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.yRange = yRange
    }

    /// The chart as SVG text.
    public func svg() -> String {
        let left = 70.0, right = 190.0, top = subtitle.isEmpty ? 40.0 : 56.0, bottom = 55.0
        let pw = width - left - right, ph = height - top - bottom
        let usable: (Double) -> Bool = { xScale == .log ? $0 > 0 && $0.isFinite : $0.isFinite }
        let xs = (series.flatMap { $0.points.map(\.x) + $0.band.map(\.x) } + markers.map(\.x) + (xTicks ?? [])).filter(usable)
        let ys = series.flatMap { $0.points.map(\.y) + $0.band.flatMap { [$0.low, $0.high] } }.filter(\.isFinite)
        var (x0, x1) = (xs.min() ?? 0, xs.max() ?? 1)
        var (y0, y1) = yRange.map { ($0.lowerBound, $0.upperBound) } ?? (ys.min() ?? 0, ys.max() ?? 1)
        if x1 <= x0 { (x0, x1) = xScale == .log ? (x0 / 2, x0 * 2) : (x0 - 1, x0 + 1) }
        if y1 <= y0 { y1 = y0 + 1; y0 -= 1 }
        if yRange == nil { let pad = (y1 - y0) * 0.05; y0 -= pad; y1 += pad }
        let tx: (Double) -> Double = xScale == .log ? { log10($0) } : { $0 }
        let (t0, t1) = (tx(x0), tx(x1))
        func px(_ x: Double) -> Double {
            let u = (tx(x) - t0) / (t1 - t0)
            return left + (xReversed ? 1 - u : u) * pw
        }
        func py(_ y: Double) -> Double { top + (1 - (y - y0) / (y1 - y0)) * ph }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        func drawable(_ p: (x: Double, y: Double)) -> Bool { usable(p.x) && p.y.isFinite }

        // Shrink the title's font until it fits the width (about 0.55 em per character).
        let titleSize = min(15, (width - 20) / max(1, Double(title.count) * 0.55))
        var s = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(f(width / 2))" y="22" text-anchor="middle" font-size="\(f(titleSize))">\(escape(title))</text>

        """
        if !subtitle.isEmpty {
            let size = min(11, (width - 20) / max(1, Double(subtitle.count) * 0.55))
            s += "<text x=\"\(f(width / 2))\" y=\"40\" text-anchor=\"middle\" font-size=\"\(f(size))\" fill=\"#444\">\(escape(subtitle))</text>\n"
        }
        for t in PlotAxis.ticks(y0, y1) {
            s += "<line x1=\"\(f(left))\" x2=\"\(f(left + pw))\" y1=\"\(f(py(t.value)))\" y2=\"\(f(py(t.value)))\" stroke=\"#e5e5e5\"/>\n"
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(py(t.value) + 4))\" text-anchor=\"end\">\(t.label)</text>\n"
        }
        for t in xTicks.map({ PlotAxis.ticks(at: $0, within: x0...x1) }) ?? PlotAxis.ticks(x0, x1, scale: xScale, integer: xInteger) {
            s += "<line x1=\"\(f(px(t.value)))\" x2=\"\(f(px(t.value)))\" y1=\"\(f(top))\" y2=\"\(f(top + ph))\" stroke=\"#f0f0f0\"/>\n"
            s += "<text x=\"\(f(px(t.value)))\" y=\"\(f(top + ph + 16))\" text-anchor=\"middle\">\(t.label)</text>\n"
        }
        for m in markers where usable(m.x) && m.x >= x0 && m.x <= x1 {
            s += "<line x1=\"\(f(px(m.x)))\" x2=\"\(f(px(m.x)))\" y1=\"\(f(top))\" y2=\"\(f(top + ph))\" stroke=\"#555\" stroke-dasharray=\"4 3\"/>\n"
            s += "<text x=\"\(f(px(m.x)))\" y=\"\(f(top + 13))\" text-anchor=\"middle\" font-weight=\"bold\" fill=\"#333\">\(escape(m.label))</text>\n"
        }
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(pw))\" height=\"\(f(ph))\" fill=\"none\" stroke=\"#333\"/>\n"
        s += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(height - 14))\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        s += "<text transform=\"translate(18 \(f(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>\n"
        var legendY = top + 14
        for (i, series) in series.enumerated() {
            let color = series.colour ?? Self.palette[i % Self.palette.count]
            let band = series.band.filter { usable($0.x) && $0.low.isFinite && $0.high.isFinite }
            switch series.bandStyle {
            case .shaded where !band.isEmpty:
                let upper = band.map { "\(f(px($0.x))),\(f(py($0.high)))" }
                let lower = band.reversed().map { "\(f(px($0.x))),\(f(py($0.low)))" }
                s += "<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(color)\" fill-opacity=\"0.18\" stroke=\"none\"/>\n"
            case .errorBars:
                for b in band {
                    let x = px(b.x)
                    s += "<path d=\"M \(f(x - 4)) \(f(py(b.high))) H \(f(x + 4)) M \(f(x)) \(f(py(b.high))) V \(f(py(b.low))) M \(f(x - 4)) \(f(py(b.low))) H \(f(x + 4))\" stroke=\"\(color)\" stroke-width=\"1.2\" fill=\"none\"/>\n"
                }
            default: break
            }
            let dash = series.dashed ? " stroke-dasharray=\"6 4\"" : ""
            let pts = series.points.filter(drawable).map { "\(f(px($0.x))),\(f(py($0.y)))" }
            s += "<polyline points=\"\(pts.joined(separator: " "))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dash)/>\n"
            if series.points.count <= 40 {
                for p in series.points where drawable(p) {
                    s += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"2.5\" fill=\"\(color)\"/>\n"
                }
            }
            // Legend entries wrap onto a second line when long.
            s += "<line x1=\"\(f(left + pw + 12))\" x2=\"\(f(left + pw + 34))\" y1=\"\(f(legendY - 4))\" y2=\"\(f(legendY - 4))\" stroke=\"\(color)\" stroke-width=\"3\"\(dash)/>\n"
            for line in Self.wrap(series.label, width: 21) {
                s += "<text x=\"\(f(left + pw + 40))\" y=\"\(f(legendY))\">\(escape(line))</text>\n"
                legendY += 15
            }
            legendY += 4
        }
        s += "</svg>\n"
        return s
    }

    /// Writes the SVG to `url`.
    public func write(to url: URL) throws {
        try svg().write(to: url, atomically: true, encoding: .utf8)
    }

    /// Several charts stacked vertically in one SVG document.
    public static func stacked(_ plots: [LinePlot]) -> String {
        let width = plots.map(\.width).max() ?? 0, height = plots.map(\.height).reduce(0, +)
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\">\n"
        var y = 0.0
        for p in plots {
            s += "<g transform=\"translate(0 \(Int(y)))\">\(p.svg())</g>\n"
            y += p.height
        }
        return s + "</svg>\n"
    }

    /// `text` split at spaces into lines of at most about `width` characters.
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = [], current = ""
        for word in text.split(separator: " ") {
            if !current.isEmpty && current.count + 1 + word.count > width {
                lines.append(current)
                current = String(word)
            } else {
                current += (current.isEmpty ? "" : " ") + word
            }
        }
        return lines + (current.isEmpty ? [] : [current])
    }

    func escape(_ s: String) -> String { SVGText.escape(s) }
}
