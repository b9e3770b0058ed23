import Foundation

/// DropConnect keep probabilities from importance, with a fixed mean keep rate:
///
///     p_i = clip(c · w_i, p_min, 1),   c > 0 chosen so that (1/n) Σ p_i = q.
///
/// mean(p) is continuous and non-decreasing in c, equal to p_min for small c and to 1 for large
/// c (every w_i > 0 in log space), so a solution exists whenever p_min ≤ q ≤ 1. `solve` brackets
/// log c, bisects in Double until the set of clipped entries stops changing, then solves the
/// linear equation on that set exactly:
///
///     c = (q·n − #{p_i = 1} − p_min·#{p_i = p_min}) / Σ_{free} w_i,
///
/// so the mean of the Float results equals q to float rounding (≲ 1e-7), far inside the 1e-6
/// the tests ask for. Works from log w so that tiny importances do not underflow first.
public enum KeepProbabilities {
    /// The shares of `p` at 1 and at the floor `pMin` (the solver diagnostics' share_p1 and
    /// share_pmin): p ≥ 1, and p < 1 within 1e-6 above `pMin` (the drop variant's 1 − (1 − p_min)
    /// rounds near p_min).
    public static func shares(_ p: UnsafeBufferPointer<Float>, minimum pMin: Double) -> (atOne: Double, atMinimum: Double) {
        guard p.count > 0 else { return (0, 0) }
        let floor = Float(pMin) + 1e-6
        var ones = 0, floors = 0
        for x in p { if x >= 1 { ones += 1 } else if x <= floor { floors += 1 } }
        return (Double(ones) / Double(p.count), Double(floors) / Double(p.count))
    }

    /// Writes the keep probabilities p for keep rate `q` into `p` (same count as `logW`) and
    /// returns log c.
    @discardableResult
    public static func solve(logW: UnsafeBufferPointer<Float>, keepRate q: Double, minimum pMin: Double,
                             into p: UnsafeMutableBufferPointer<Float>) -> Double {
        let n = logW.count
        precondition(n > 0 && p.count == n, "keep probabilities: \(n) importances, \(p.count) outputs")
        precondition(pMin >= 0 && pMin <= q && q <= 1, "keep probabilities need 0 ≤ p_min ≤ q ≤ 1, got p_min \(pMin), q \(q)")
        if q >= 1 || q <= pMin {
            p.initialize(repeating: Float(q))
            return q >= 1 ? Double.infinity : -Double.infinity
        }
        var lmin = Float.infinity, lmax = -Float.infinity
        for l in logW { lmin = min(lmin, l); lmax = max(lmax, l) }
        let logPMin = pMin > 0 ? Foundation.log(pMin) : -800.0
        // At lo every c·w ≤ p_min (mean = p_min < q); at hi every c·w ≥ 1 (mean = 1 > q).
        var lo = logPMin - Double(lmax) - 1, hi = -Double(lmin) + 1
        func mean(_ logc: Double) -> Double {
            var s = 0.0
            for l in logW { s += min(max(Foundation.exp(logc + Double(l)), pMin), 1) }
            return s / Double(n)
        }
        var logc = 0.5 * (lo + hi)
        for _ in 0..<200 {
            logc = 0.5 * (lo + hi)
            if let exact = exactSolution(logW, q: q, pMin: pMin, logPMin: logPMin, at: logc) {
                logc = exact
                break
            }
            if mean(logc) < q { lo = logc } else { hi = logc }
            if hi - lo < 1e-14 { break }
        }
        for i in 0..<n { p[i] = Float(min(max(Foundation.exp(logc + Double(logW[i])), pMin), 1)) }
        return logc
    }

    /// Keep probabilities for importance used as the probability of *dropping* a weight, with
    /// the same mean keep rate q:
    ///
    ///     d_i = clip(c · w_i, 0, 1 − p_min),   c > 0 chosen so that (1/n) Σ d_i = 1 − q,
    ///     p_i = 1 − d_i                          (so p_min ≤ p_i ≤ 1 and mean(p) = q).
    ///
    /// Higher importance gives a lower keep probability. Since d_i / (1 − p_min) =
    /// clip(c′·w_i, 0, 1) with c′ = c / (1 − p_min), this is `solve` with keep rate
    /// (1 − q)/(1 − p_min) ≤ 1 and no lower clip, mirrored. Returns log c′.
    @discardableResult
    public static func solveDrop(logW: UnsafeBufferPointer<Float>, keepRate q: Double, minimum pMin: Double,
                                 into p: UnsafeMutableBufferPointer<Float>) -> Double {
        precondition(pMin >= 0 && pMin <= q && q <= 1, "keep probabilities need 0 ≤ p_min ≤ q ≤ 1, got p_min \(pMin), q \(q)")
        if pMin >= 1 {
            p.initialize(repeating: 1)
            return -Double.infinity
        }
        let logc = solve(logW: logW, keepRate: min(1, (1 - q) / (1 - pMin)), minimum: 0, into: p)
        let span = 1 - pMin
        for i in 0..<p.count { p[i] = Float(1 - span * Double(p[i])) }
        return logc
    }

    /// The exact log c if the entries clipped at `logc` stay clipped at the linear solution.
    static func exactSolution(_ logW: UnsafeBufferPointer<Float>, q: Double, pMin: Double, logPMin: Double, at logc: Double) -> Double? {
        var ones = 0, mins = 0
        var free = 0.0
        for l in logW {
            let t = logc + Double(l)
            if t >= 0 { ones += 1 } else if t <= logPMin { mins += 1 } else { free += Foundation.exp(Double(l)) }
        }
        let rest = q * Double(logW.count) - Double(ones) - pMin * Double(mins)
        guard free > 0, rest > 0 else { return nil }
        let c = Foundation.log(rest / free)
        // Consistency: the classification must be the same at the candidate.
        for l in logW {
            let t0 = logc + Double(l), t1 = c + Double(l)
            if (t0 >= 0) != (t1 >= 0) || (t0 <= logPMin) != (t1 <= logPMin) { return nil }
        }
        return c
    }
}
