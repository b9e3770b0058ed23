import Foundation

/// Heat maps of values in [0, 1] as a standalone SVG: one or more panels, each a matrix with
/// labelled rows and columns (e.g. the pairwise overlaps of masks, overall and per layer), the
/// value printed in each cell, a shared colour scale from white (0) to dark blue (1).
public struct HeatMapPlot: Sendable {
    /// One matrix: `values[row][column]`, NaN for a cell without a value.
    public struct Panel: Sendable {
        public var title: String
        public var values: [[Double]]
        public init(title: String, values: [[Double]]) {
            self.title = title
            self.values = values
        }
    }

    public var title: String
    /// A smaller line under the title (e.g. what the values are); empty for none.
    public var subtitle = ""
    public var rowLabels: [String]
    public var columnLabels: [String]
    public var panels: [Panel]
    /// Panels per row of the figure.
    public var panelsPerRow = 4
    /// Side of one cell, in pixels.
    public var cell = 40.0

    public init(title: String, rowLabels: [String], columnLabels: [String], panels: [Panel]) {
        precondition(panels.allSatisfy { $0.values.count == rowLabels.count && $0.values.allSatisfy { $0.count == columnLabels.count } },
                     "heat map \(title): every panel needs \(rowLabels.count) × \(columnLabels.count) values")
        self.title = title
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.panels = panels
    }

    /// The colour of `value` (clamped to [0, 1]): white → #08306b.
    public static func colour(_ value: Double) -> String {
        let v = min(1, max(0, value))
        func channel(_ end: Double) -> Int { Int((255 + (end - 255) * v).rounded()) }
        return String(format: "#%02x%02x%02x", channel(8), channel(48), channel(107))
    }

    /// The figure as SVG text.
    public func svg() -> String {
        // About 6.5 px per character at font size 11; column labels run at −45°.
        let rowLabelWidth = Double(rowLabels.map(\.count).max() ?? 0) * 6.5 + 10
        let columnLabelHeight = Double(columnLabels.map(\.count).max() ?? 0) * 6.5 * 0.71 + 14
        let panelWidth = rowLabelWidth + Double(columnLabels.count) * cell + columnLabelHeight + 20
        let panelHeight = 20 + columnLabelHeight + Double(rowLabels.count) * cell + 16
        let perRow = max(1, min(panelsPerRow, panels.count))
        let header = subtitle.isEmpty ? 34.0 : 50.0, scaleWidth = 70.0
        let width = max(Double(perRow) * panelWidth + scaleWidth, 360)
        let height = header + Double((panels.count + perRow - 1) / perRow) * panelHeight + 10
        var s = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="11">
        <rect width="100%" height="100%" fill="white"/>
        <text x="10" y="22" font-size="\(f(min(15, (width - 20) / max(1, Double(title.count) * 0.55))))">\(escape(title))</text>

        """
        if !subtitle.isEmpty {
            s += "<text x=\"10\" y=\"40\" font-size=\"\(f(min(11, (width - 20) / max(1, Double(subtitle.count) * 0.55))))\" fill=\"#444\">\(escape(subtitle))</text>\n"
        }
        for (k, panel) in panels.enumerated() {
            let ox = Double(k % perRow) * panelWidth, oy = header + Double(k / perRow) * panelHeight
            let gx = ox + rowLabelWidth, gy = oy + 20 + columnLabelHeight
            s += "<g>\n<text x=\"\(f(gx))\" y=\"\(f(oy + 13))\" font-weight=\"bold\">\(escape(panel.title))</text>\n"
            for (j, label) in columnLabels.enumerated() {
                let x = gx + (Double(j) + 0.5) * cell
                s += "<text transform=\"translate(\(f(x)) \(f(gy - 6))) rotate(-45)\">\(escape(label))</text>\n"
            }
            for (i, label) in rowLabels.enumerated() {
                let y = gy + (Double(i) + 0.5) * cell
                s += "<text x=\"\(f(gx - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(escape(label))</text>\n"
                for (j, v) in panel.values[i].enumerated() {
                    let x = gx + Double(j) * cell
                    guard v.isFinite else {
                        s += "<rect x=\"\(f(x))\" y=\"\(f(y - cell / 2))\" width=\"\(f(cell))\" height=\"\(f(cell))\" fill=\"#f4f4f4\" stroke=\"white\"/>\n"
                        continue
                    }
                    s += "<rect x=\"\(f(x))\" y=\"\(f(y - cell / 2))\" width=\"\(f(cell))\" height=\"\(f(cell))\" fill=\"\(Self.colour(v))\" stroke=\"white\"/>\n"
                    s += "<text x=\"\(f(x + cell / 2))\" y=\"\(f(y + 4))\" text-anchor=\"middle\" font-size=\"10\" fill=\"\(v > 0.55 ? "white" : "black")\">\(String(format: "%.2f", v))</text>\n"
                }
            }
            s += "</g>\n"
        }
        // The colour scale, 0 at the bottom and 1 at the top.
        let sx = width - scaleWidth + 20, sy = header + 20, sh = 160.0
        for step in 0..<20 {
            let v = (Double(step) + 0.5) / 20
            s += "<rect x=\"\(f(sx))\" y=\"\(f(sy + sh * (1 - Double(step + 1) / 20)))\" width=\"14\" height=\"\(f(sh / 20 + 0.5))\" fill=\"\(Self.colour(v))\"/>\n"
        }
        s += "<rect x=\"\(f(sx))\" y=\"\(f(sy))\" width=\"14\" height=\"\(f(sh))\" fill=\"none\" stroke=\"#333\"/>\n"
        s += "<text x=\"\(f(sx + 18))\" y=\"\(f(sy + 4))\">1</text>\n<text x=\"\(f(sx + 18))\" y=\"\(f(sy + sh + 4))\">0</text>\n"
        return s + "</svg>\n"
    }

    /// Writes the SVG to `url`.
    public func write(to url: URL) throws { try svg().write(to: url, atomically: true, encoding: .utf8) }

    private func f(_ v: Double) -> String { String(format: "%.1f", v) }

    func escape(_ s: String) -> String { SVGText.escape(s) }
}
