import Foundation

/// A forest plot of paired differences as a standalone SVG: one row per contrast with its
/// per-seed differences as dots, the mean as a diamond and its 95% interval as a bar, a line at
/// zero and a shaded band for an equivalence margin ±δ. Differences are drawn in the units they
/// are given in (e.g. test accuracy as a fraction).
///
/// Reading it: a bar that misses zero is a difference the interval excludes; a bar inside the
/// band is a difference smaller than the margin on both sides; a bar crossing both zero and a
/// band edge is inconclusive.
public struct PairedDifferencePlot: Sendable {
    /// One contrast.
    public struct Row: Sendable {
        public var label: String
        /// The per-seed differences (first − second).
        public var points: [Double]
        /// The mean difference; nil draws no diamond (no pair).
        public var mean: Double?
        /// The 95% interval of the mean; nil draws no bar (fewer than two pairs, or σ_d = 0).
        public var interval: ClosedRange<Double>?
        /// A note shown at the row's right end (e.g. the verdict).
        public var note: String
        /// Drawn in bold (e.g. a declared primary contrast).
        public var emphasised: Bool

        public init(label: String, points: [Double], mean: Double?, interval: ClosedRange<Double>?, note: String = "", emphasised: Bool = false) {
            self.label = label
            self.points = points
            self.mean = mean
            self.interval = interval
            self.note = note
            self.emphasised = emphasised
        }
    }

    public var title: String
    public var xLabel: String
    public var rows: [Row]
    /// The equivalence margin δ > 0 (the band is −δ … +δ); nil draws no band.
    public var margin: Double?
    public var width = 900.0
    public let rowHeight = 34.0
    public let left = 250.0, right = 230.0, top = 44.0, bottom = 58.0

    public init(title: String, xLabel: String, rows: [Row], margin: Double?) {
        self.title = title
        self.xLabel = xLabel
        self.rows = rows
        self.margin = margin
    }

    /// The figure's height: the margins plus one band per row.
    public var height: Double { top + bottom + rowHeight * Double(max(rows.count, 1)) }

    /// The drawn x range: every point, interval end, 0 and ±margin, padded by 6% on each side.
    public var xRange: ClosedRange<Double> {
        var values: [Double] = [0]
        for r in rows {
            values += r.points
            if let m = r.mean { values.append(m) }
            if let i = r.interval { values += [i.lowerBound, i.upperBound] }
        }
        if let margin, margin > 0 { values += [-margin, margin] }
        let finite = values.filter(\.isFinite)
        var lo = finite.min() ?? -1, hi = finite.max() ?? 1
        if hi - lo < 1e-12 { lo -= 0.5; hi += 0.5 }
        let pad = (hi - lo) * 0.06
        return (lo - pad)...(hi + pad)
    }

    /// The x pixel of value `x`.
    public func pixel(_ x: Double) -> Double {
        let range = xRange
        return left + (x - range.lowerBound) / (range.upperBound - range.lowerBound) * (width - left - right)
    }

    /// The y pixel of row `i`'s centre line.
    public func rowCentre(_ i: Int) -> Double { top + rowHeight * (Double(i) + 0.5) }

    /// The chart as SVG text.
    public func svg() -> String {
        let pw = width - left - right, ph = rowHeight * Double(max(rows.count, 1))
        let range = xRange
        let f = SVGText.number, escape = SVGText.escape
        var s = SVGText.open(width: width, height: height)
        s += SVGText.title(title, width: width)
        if let margin, margin > 0 {
            let x0 = pixel(-margin), x1 = pixel(margin)
            s += "<rect class=\"margin\" x=\"\(f(x0))\" y=\"\(f(top))\" width=\"\(f(x1 - x0))\" height=\"\(f(ph))\" fill=\"#2ca02c\" fill-opacity=\"0.12\"/>\n"
            s += "<text x=\"\(f(x1 - 3))\" y=\"\(f(top - 6))\" text-anchor=\"end\" fill=\"#2ca02c\">±\(String(format: "%g", margin))</text>\n"
        }
        for t in PlotAxis.ticks(range.lowerBound, range.upperBound) {
            s += "<line x1=\"\(f(pixel(t.value)))\" x2=\"\(f(pixel(t.value)))\" y1=\"\(f(top))\" y2=\"\(f(top + ph))\" stroke=\"#eee\"/>\n"
            s += "<text x=\"\(f(pixel(t.value)))\" y=\"\(f(top + ph + 16))\" text-anchor=\"middle\">\(t.label)</text>\n"
        }
        s += "<line class=\"zero\" x1=\"\(f(pixel(0)))\" x2=\"\(f(pixel(0)))\" y1=\"\(f(top))\" y2=\"\(f(top + ph))\" stroke=\"#555\" stroke-dasharray=\"4 3\"/>\n"
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(pw))\" height=\"\(f(ph))\" fill=\"none\" stroke=\"#333\"/>\n"
        s += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(height - 16))\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        for (i, r) in rows.enumerated() {
            let y = rowCentre(i)
            let weight = r.emphasised ? " font-weight=\"bold\"" : ""
            s += "<text x=\"\(f(left - 8))\" y=\"\(f(y + 4))\" text-anchor=\"end\"\(weight)>\(escape(r.label))</text>\n"
            if !r.note.isEmpty {
                s += "<text x=\"\(f(left + pw + 8))\" y=\"\(f(y + 4))\" font-size=\"11\" fill=\"#444\">\(escape(r.note))</text>\n"
            }
            for p in r.points where p.isFinite {
                s += "<circle class=\"seed\" cx=\"\(f(pixel(p)))\" cy=\"\(f(y - 7))\" r=\"3\" fill=\"#1f77b4\" fill-opacity=\"0.6\"/>\n"
            }
            if let interval = r.interval, interval.lowerBound.isFinite, interval.upperBound.isFinite {
                s += "<line class=\"interval\" x1=\"\(f(pixel(interval.lowerBound)))\" x2=\"\(f(pixel(interval.upperBound)))\" y1=\"\(f(y + 5))\" y2=\"\(f(y + 5))\" stroke=\"#000\" stroke-width=\"2\"/>\n"
                for end in [interval.lowerBound, interval.upperBound] {
                    s += "<line x1=\"\(f(pixel(end)))\" x2=\"\(f(pixel(end)))\" y1=\"\(f(y + 1))\" y2=\"\(f(y + 9))\" stroke=\"#000\" stroke-width=\"2\"/>\n"
                }
            }
            if let mean = r.mean, mean.isFinite {
                let x = pixel(mean), d = 5.0
                s += "<polygon class=\"mean\" points=\"\(f(x)),\(f(y + 5 - d)) \(f(x + d)),\(f(y + 5)) \(f(x)),\(f(y + 5 + d)) \(f(x - d)),\(f(y + 5))\" fill=\"#d62728\"/>\n"
            }
        }
        s += "</svg>\n"
        return s
    }
}
