import Foundation

/// Tick values and labels for one plot axis.
///
/// Linear axes get about five ticks on a "nice" step (1, 2, 2.5 or 5 × 10^k; an integer axis,
/// such as epochs, only 1, 2 or 5 × 10^k with k ≥ 0), and every label carries exactly the
/// decimals its step needs, the same for all labels of the axis: with step 0.0025 the ticks
/// read 0.9400, 0.9425, 0.9450, so evenly spaced gridlines carry evenly spaced, distinct labels.
/// Logarithmic axes get ticks at 1, 2 and 5 × 10^k, each labelled with the decimals its own
/// value needs (100, 50, 20, 10, 5, 2, 1, 0.5).
public enum PlotAxis {
    /// How values map to positions along the axis.
    public enum Scale: Sendable, Equatable {
        case linear
        /// log₁₀ of the value; only positive values can be drawn.
        case log
    }

    /// One tick: its value and its label.
    public struct Tick: Sendable, Equatable {
        public var value: Double
        public var label: String
    }

    /// The ticks covering [lo, hi] (lo < hi; both > 0 for `.log`).
    public static func ticks(_ lo: Double, _ hi: Double, scale: Scale = .linear, integer: Bool = false) -> [Tick] {
        guard lo.isFinite, hi.isFinite, hi > lo else { return [] }
        switch scale {
        case .linear: return linearTicks(lo, hi, integer: integer)
        case .log: return logTicks(lo, hi)
        }
    }

    /// The step for about five ticks over `span`: 1, 2, 2.5 or 5 × 10^k (integer axes: 1, 2 or
    /// 5 × 10^k, at least 1).
    public static func step(span: Double, integer: Bool = false) -> Double {
        let raw = span / 5
        let magnitude = pow(10, floor(log10(raw)))
        let multiples: [Double] = integer ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10]
        let step = multiples.map { $0 * magnitude }.first { $0 >= raw * (1 - 1e-12) } ?? raw
        return integer ? max(1, step.rounded()) : step
    }

    /// Decimals needed to print multiples of `step` exactly (0 for integer steps), at most 12.
    public static func decimals(for step: Double) -> Int {
        for d in 0...12 {
            let scaled = step * pow(10, Double(d))
            if abs(scaled - scaled.rounded()) <= 1e-9 * max(1, abs(scaled)) { return d }
        }
        return 12
    }

    /// `value` printed with `decimals` decimals; minus zero prints as "0".
    public static func label(_ value: Double, decimals: Int) -> String {
        let s = String(format: "%.\(decimals)f", value)
        return Double(s) == 0 ? String(format: "%.\(decimals)f", 0.0) : s
    }

    static func linearTicks(_ lo: Double, _ hi: Double, integer: Bool) -> [Tick] {
        let step = step(span: hi - lo, integer: integer)
        let digits = decimals(for: step)
        var out: [Tick] = []
        // Count multiples of the step (k·step) so that rounding never accumulates.
        var k = ceil(lo / step - 1e-9)
        while k * step <= hi + step * 1e-9 {
            let v = k * step
            out.append(Tick(value: v, label: label(v, decimals: digits)))
            k += 1
        }
        return out
    }

    /// Ticks at `values` (those inside `range`, sorted, each once), each labelled with the
    /// decimals its own value needs: the swept values of a sweep, so that every point has a label.
    public static func ticks(at values: [Double], within range: ClosedRange<Double>) -> [Tick] {
        Set(values.filter { $0.isFinite && $0 >= range.lowerBound * (1 - 1e-9) && $0 <= range.upperBound * (1 + 1e-9) }).sorted()
            .map { Tick(value: $0, label: label($0, decimals: decimals(for: $0))) }
    }

    static func logTicks(_ lo: Double, _ hi: Double) -> [Tick] {
        guard lo > 0 else { return linearTicks(lo, hi, integer: false) }
        var out: [Tick] = []
        // Fewer than two decades: 1, 2, 5 × 10^k; more than four: only the decades.
        let decades = log10(hi) - log10(lo)
        let multiples: [Double] = decades > 4 ? [1] : decades < 0.7 ? [1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9] : [1, 2, 5]
        var e = floor(log10(lo))
        while e <= ceil(log10(hi)) {
            let base = pow(10, e)
            for m in multiples {
                let v = m * base
                guard v >= lo * (1 - 1e-9), v <= hi * (1 + 1e-9) else { continue }
                out.append(Tick(value: v, label: label(v, decimals: decimals(for: v))))
            }
            e += 1
        }
        return out
    }
}
