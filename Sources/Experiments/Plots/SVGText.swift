import Foundation

/// The pieces every hand-written SVG figure shares: the opening tag on a white background, a
/// title whose font shrinks to fit the width, coordinates to one decimal and escaped text.
enum SVGText {
    /// `v` (pixels) to one decimal.
    static func number(_ v: Double) -> String { String(format: "%.1f", v) }

    /// `s` with the characters that would break SVG text or a double-quoted attribute escaped
    /// (`&`, `<`, `>`, `"`).
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// The `<svg>` opening tag for a `width` × `height` figure and its white background.
    static func open(width: Double, height: Double) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    }

    /// The title at the top left, its font shrunk from `size` until it fits `width` (about 0.55 em
    /// per character).
    static func title(_ title: String, width: Double, size: Double = 14) -> String {
        let fitted = min(size, (width - 20) / max(1, Double(title.count) * 0.55))
        return "<text x=\"10\" y=\"22\" font-size=\"\(number(fitted))\">\(escape(title))</text>\n"
    }
}
