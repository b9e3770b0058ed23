import Foundation

/// A forest plot of paired differences as a standalone SVG: one row per contrast with its
/// per-seed differences as dots, the mean as a diamond and its 95% interval as a bar, a dashed
/// line at zero and, per row, a shaded band for its equivalence margin ±δ. Differences are drawn
/// in the units they are given in (e.g. test accuracy as a fraction).
///
/// Reading it: a bar that misses zero is a difference its unadjusted 95% interval excludes; a bar
/// inside the band is a difference smaller than the margin on both sides. The verdicts a caller
/// may print as notes can differ at the edges: a Holm-adjusted test needs more than an
/// unadjusted bar clear of zero, and TOST's equivalence is a 90% interval inside the band.
/// The label column and the note column are as wide as their longest text.
public struct PairedDifferencePlot: Sendable {
    /// One contrast.
    public struct Row: Sendable {
        public var label: String
        /// The per-seed differences (first − second).
        public var points: [Double]
        /// The mean difference (with one pair, that pair's difference); nil draws no diamond.
        public var mean: Double?
        /// The 95% interval of the mean; nil draws no bar (fewer than two pairs, or σ_d = 0).
        public var interval: ClosedRange<Double>?
        /// The equivalence margin δ > 0 drawn as the row's band; nil draws none.
        public var margin: Double?
        /// A note shown at the row's right end (e.g. the verdict).
        public var note: String
        /// Drawn in bold (e.g. a declared primary contrast).
        public var emphasised: Bool

        public init(label: String, points: [Double], mean: Double?, interval: ClosedRange<Double>?, margin: Double?,
                    note: String = "", emphasised: Bool = false) {
            (self.label, self.points, self.mean, self.interval, self.margin) = (label, points, mean, interval, margin)
            (self.note, self.emphasised) = (note, emphasised)
        }
    }

    public var title: String
    public var xLabel: String
    public var rows: [Row]
    /// The width of the plotting area between the label and note columns, in pixels.
    public var plotWidth = 420.0
    public let rowHeight = 34.0, top = 44.0, bottom = 58.0

    public init(title: String, xLabel: String, rows: [Row]) {
        self.title = title
        self.xLabel = xLabel
        self.rows = rows
    }

    /// The label column: the longest label at ≈ 0.55 em of the 12-pixel font per character
    /// (0.61 em in bold).
    public var left: Double { max(120, 20 + (rows.map { Double($0.label.count) * ($0.emphasised ? 7.3 : 6.6) }.max() ?? 0)) }
    /// The note column: the longest note at ≈ 0.55 em of the 11-pixel font per character.
    public var right: Double { max(40, 20 + 6.05 * Double(rows.map(\.note.count).max() ?? 0)) }
    /// The figure's width: both columns and the plotting area.
    public var width: Double { left + plotWidth + right }
    /// The figure's height: the margins plus one band per row.
    public var height: Double { top + bottom + rowHeight * Double(max(rows.count, 1)) }

    /// The drawn x range: every point, mean, interval end, 0 and ±margin, padded by 6% on each side.
    public var xRange: ClosedRange<Double> {
        var values: [Double] = [0]
        for r in rows {
            values += r.points
            if let m = r.mean { values.append(m) }
            if let i = r.interval { values += [i.lowerBound, i.upperBound] }
            if let m = r.margin, m > 0 { values += [-m, m] }
        }
        let finite = values.filter(\.isFinite)
        var lo = finite.min() ?? -1, hi = finite.max() ?? 1
        if hi - lo < 1e-12 { lo -= 0.5; hi += 0.5 }
        let pad = (hi - lo) * 0.06
        return (lo - pad)...(hi + pad)
    }

    /// The x pixel of value `x` (`xRange`'s ends map to the plotting area's edges).
    public func pixel(_ x: Double) -> Double { Self.pixel(x, range: xRange, left: left, width: plotWidth) }

    static func pixel(_ x: Double, range: ClosedRange<Double>, left: Double, width: Double) -> Double {
        left + (x - range.lowerBound) / (range.upperBound - range.lowerBound) * width
    }

    /// The vertical offsets of the seed dots' lanes from a row's centre line, in pixels: the first
    /// lane above the bar, then one higher, then one just above the bar's level.
    static let laneOffsets = [-7.0, -13.0, -1.0]

    /// Where the dots at pixels `xs` go: in order of x, each takes the first lane in which no dot
    /// already placed is closer than a dot's diameter (6 px), so seeds with equal or nearly equal
    /// differences stay visible side by side; when every lane is taken there, the last one.
    /// Returns (x, lane) in the order of `xs`.
    static func dotLanes(_ xs: [Double]) -> [(Double, Int)] {
        var lanes = [[Double]](repeating: [], count: laneOffsets.count)
        var placed = [(Double, Int)](repeating: (0, 0), count: xs.count)
        for i in xs.indices.sorted(by: { (xs[$0], $0) < (xs[$1], $1) }) {
            let lane = lanes.indices.first { k in lanes[k].allSatisfy { abs($0 - xs[i]) >= 6 } } ?? lanes.count - 1
            lanes[lane].append(xs[i])
            placed[i] = (xs[i], lane)
        }
        return placed
    }

    /// The y pixel of row `i`'s centre line.
    public func rowCentre(_ i: Int) -> Double { top + rowHeight * (Double(i) + 0.5) }

    /// The chart as SVG text.
    public func svg() -> String {
        let (left, pw, ph, range) = (left, plotWidth, rowHeight * Double(max(rows.count, 1)), xRange)
        let f = SVGText.number, escape = SVGText.escape
        func px(_ x: Double) -> Double { Self.pixel(x, range: range, left: left, width: pw) }
        var s = SVGText.open(width: width, height: height)
        s += SVGText.title(title, width: width)
        for (i, r) in rows.enumerated() {
            guard let margin = r.margin, margin > 0 else { continue }
            s += "<rect class=\"margin\" x=\"\(f(px(-margin)))\" y=\"\(f(rowCentre(i) - rowHeight / 2))\" width=\"\(f(px(margin) - px(-margin)))\" "
                + "height=\"\(f(rowHeight))\" fill=\"#2ca02c\" fill-opacity=\"0.12\"/>\n"
        }
        let margins = Set(rows.compactMap(\.margin))
        if margins.count == 1, let m = margins.first, m > 0 {
            s += "<text x=\"\(f(px(m) - 3))\" y=\"\(f(top - 6))\" text-anchor=\"end\" fill=\"#2ca02c\">±\(String(format: "%g", m))</text>\n"
        }
        for t in PlotAxis.ticks(range.lowerBound, range.upperBound) {
            s += "<line x1=\"\(f(px(t.value)))\" x2=\"\(f(px(t.value)))\" y1=\"\(f(top))\" y2=\"\(f(top + ph))\" stroke=\"#eee\"/>\n"
            s += "<text x=\"\(f(px(t.value)))\" y=\"\(f(top + ph + 16))\" text-anchor=\"middle\">\(t.label)</text>\n"
        }
        s += "<line class=\"zero\" x1=\"\(f(px(0)))\" x2=\"\(f(px(0)))\" y1=\"\(f(top))\" y2=\"\(f(top + ph))\" stroke=\"#555\" stroke-dasharray=\"4 3\"/>\n"
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(pw))\" height=\"\(f(ph))\" fill=\"none\" stroke=\"#333\"/>\n"
        s += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(height - 16))\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        for (i, r) in rows.enumerated() {
            let y = rowCentre(i)
            let weight = r.emphasised ? " font-weight=\"bold\"" : ""
            s += "<text x=\"\(f(left - 8))\" y=\"\(f(y + 4))\" text-anchor=\"end\"\(weight)>\(escape(r.label))</text>\n"
            if !r.note.isEmpty {
                s += "<text x=\"\(f(left + pw + 8))\" y=\"\(f(y + 4))\" font-size=\"11\" fill=\"#444\">\(escape(r.note))</text>\n"
            }
            for (x, lane) in Self.dotLanes(r.points.filter(\.isFinite).map(px)) {
                s += "<circle class=\"seed\" cx=\"\(f(x))\" cy=\"\(f(y + Self.laneOffsets[lane]))\" r=\"3\" fill=\"#1f77b4\" fill-opacity=\"0.6\"/>\n"
            }
            if let interval = r.interval, interval.lowerBound.isFinite, interval.upperBound.isFinite {
                s += "<line class=\"interval\" x1=\"\(f(px(interval.lowerBound)))\" x2=\"\(f(px(interval.upperBound)))\" y1=\"\(f(y + 5))\" y2=\"\(f(y + 5))\" stroke=\"#000\" stroke-width=\"2\"/>\n"
                for end in [interval.lowerBound, interval.upperBound] {
                    s += "<line x1=\"\(f(px(end)))\" x2=\"\(f(px(end)))\" y1=\"\(f(y + 1))\" y2=\"\(f(y + 9))\" stroke=\"#000\" stroke-width=\"2\"/>\n"
                }
            }
            if let mean = r.mean, mean.isFinite {
                let x = px(mean), d = 5.0
                s += "<polygon class=\"mean\" data-x=\"\(f(x))\" points=\"\(f(x)),\(f(y + 5 - d)) \(f(x + d)),\(f(y + 5)) \(f(x)),\(f(y + 5 + d)) \(f(x - d)),\(f(y + 5))\" fill=\"#d62728\"/>\n"
            }
        }
        s += "</svg>\n"
        return s
    }
}
