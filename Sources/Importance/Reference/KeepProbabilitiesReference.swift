/// Plain twin of `KeepProbabilities`: bisection on c in linear space, Double throughout.
public enum KeepProbabilitiesReference {
    public static func solve(_ w: [Double], keepRate q: Double, minimum pMin: Double) -> [Double] {
        func p(_ c: Double) -> [Double] { w.map { min(max(c * $0, pMin), 1) } }
        func mean(_ c: Double) -> Double { p(c).reduce(0, +) / Double(w.count) }
        var lo = 0.0, hi = 1.0
        while mean(hi) < q { hi *= 2 }
        for _ in 0..<300 {
            let mid = 0.5 * (lo + hi)
            if mean(mid) < q { lo = mid } else { hi = mid }
        }
        return p(0.5 * (lo + hi))
    }
}
