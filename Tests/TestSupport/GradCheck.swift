import Foundation
import TensorCore
import Stats
import Layers

/// Finite-difference gradient checks against a double-precision reference.
///
/// The layer under test runs in `Float`; the test supplies a plain `Double` implementation of the
/// same forward pass (`reference`). With a fixed random upstream gradient `r`, the scalar
/// `f = Σ r ⊙ forward(x, θ)` is differentiated numerically on the Double reference by central
/// differences (h = 1e-5, truncation and rounding error ≈ 1e-9), and compared with the Float
/// analytic backward. Because the reference is Double, the only noise left is Float rounding in
/// the layer itself, so the tolerance can be tight:
///
///     |analytic − numeric| ≤ atol + rtol · |numeric|,  default atol = 1e-4, rtol = 1e-3
///
/// The check also compares the Float forward output with the reference (same tolerance), so a
/// wrong forward cannot hide behind a matching wrong backward.
public enum GradCheck {
    /// The result for one tensor: the worst entry and whether all entries were within tolerance.
    public struct Report: CustomStringConvertible {
        public let tensor: String
        public let checked: Int
        public let worst: LargestDifference?
        public let worstExcess: Double
        public var passed: Bool { worstExcess <= 0 }
        public var description: String {
            "\(tensor): \(checked) entries, \(worst.map(String.init(describing:)) ?? "none")" + (passed ? "" : " — OUT OF TOLERANCE")
        }
    }

    /// Reference forward: input values, parameter values by name → output values (all Double).
    public typealias ReferenceForward = (_ input: [Double], _ parameters: [String: [Double]]) -> [Double]

    /// Checks `layer` (already prepared for `inputShape`) on a random input.
    ///
    /// - Parameters:
    ///   - parameters: the layer's parameters to check (their current values are used).
    ///   - input: input values, or nil for uniform on [−1, 1] from `seed`.
    ///   - maxEntries: at most this many entries per tensor are checked numerically (chosen at random).
    ///   - step: the central-difference step h; deep ReLU networks need a smaller one (a step that
    ///     moves some of their many activations across 0 measures the kink, not the derivative).
    /// - Returns: one report per checked tensor: "output", "input", then each parameter.
    public static func check(layer: Layer, inputShape: Shape, parameters: [Parameter], store: ParameterStore,
                             input: [Float]? = nil, seed: UInt64 = 1, mode: ForwardMode = .frozenStatistics,
                             atol: Double = 1e-4, rtol: Double = 1e-3, maxEntries: Int = 60, step: Double = 1e-5,
                             reference: ReferenceForward) -> [Report] {
        let rng = RandomStream(seed: seed)
        let xs = TensorStorage(count: inputShape.count)
        let x = xs.tensor(inputShape)
        x.copy(from: input ?? (0..<inputShape.count).map { _ in rng.uniform(-1, 1) })

        let y = layer.forward(x, mode: mode)
        let r = (0..<y.count).map { _ in Double(rng.uniform(-1, 1)) }
        let rs = TensorStorage(count: y.count)
        let dy = rs.tensor(y.shape)
        dy.copy(from: r.map(Float.init))
        let yFloat = y.toArray().map(Double.init)
        store.zeroGradients()
        let dx = layer.backward(dy)

        var params: [String: [Double]] = [:]
        for p in parameters { params[p.name] = p.value.toArray().map(Double.init) }
        let x0 = x.toArray().map(Double.init)
        func f(_ xin: [Double], _ ps: [String: [Double]]) -> Double {
            let out = reference(xin, ps)
            precondition(out.count == r.count, "reference output has \(out.count) values, layer has \(r.count)")
            var s = 0.0
            for i in out.indices { s += out[i] * r[i] }
            return s
        }
        let h = step
        var reports: [Report] = []
        reports.append(compare("output", analytic: yFloat, numeric: reference(x0, params), indices: Array(yFloat.indices), atol: atol, rtol: rtol))

        func pick(_ n: Int) -> [Int] {
            if n <= maxEntries { return Array(0..<n) }
            var chosen = Set<Int>()
            while chosen.count < maxEntries { chosen.insert(rng.integer(below: n)) }
            return chosen.sorted()
        }
        if layer.computesInputGradient {
            let idx = pick(x0.count)
            let numeric = idx.map { i -> Double in
                var a = x0, b = x0
                a[i] += h; b[i] -= h
                return (f(a, params) - f(b, params)) / (2 * h)
            }
            let analytic = dx.toArray().map(Double.init)
            reports.append(compare("input", analytic: idx.map { analytic[$0] }, numeric: numeric, indices: idx, atol: atol, rtol: rtol))
        }
        for p in parameters {
            let base = params[p.name]!
            let idx = pick(base.count)
            let numeric = idx.map { i -> Double in
                var a = params, b = params
                a[p.name]![i] += h; b[p.name]![i] -= h
                return (f(x0, a) - f(x0, b)) / (2 * h)
            }
            let analytic = p.grad.toArray().map(Double.init)
            reports.append(compare(p.name, analytic: idx.map { analytic[$0] }, numeric: numeric, indices: idx, atol: atol, rtol: rtol))
        }
        return reports
    }

    static func compare(_ name: String, analytic: [Double], numeric: [Double], indices: [Int], atol: Double, rtol: Double) -> Report {
        var worst: LargestDifference?
        var excess = -Double.infinity
        for k in analytic.indices {
            let e = abs(analytic[k] - numeric[k]) - (atol + rtol * abs(numeric[k]))
            if e > excess || e.isNaN {
                excess = e.isNaN ? .infinity : e
                worst = LargestDifference(index: indices[k], expected: numeric[k], actual: analytic[k])
            }
        }
        return Report(tensor: name, checked: analytic.count, worst: worst, worstExcess: analytic.isEmpty ? 0 : excess)
    }
}

/// Double-precision reference forwards of the basic layers, for gradient checks.
public enum ReferenceLayers {
    /// `y[n, o] = Σ_i x[n, i] W[o, i] + b[o]`.
    public static func linear(_ x: [Double], weight: [Double], bias: [Double]?, inFeatures: Int, outFeatures: Int) -> [Double] {
        let n = x.count / inFeatures
        var y = [Double](repeating: 0, count: n * outFeatures)
        for r in 0..<n {
            for o in 0..<outFeatures {
                var s = bias?[o] ?? 0
                for i in 0..<inFeatures { s += x[r * inFeatures + i] * weight[o * inFeatures + i] }
                y[r * outFeatures + o] = s
            }
        }
        return y
    }

    public static func relu(_ x: [Double]) -> [Double] { x.map { max($0, 0) } }

    /// Batch-statistics BatchNorm over `[N, C, S]` with biased variance.
    public static func batchNorm(_ x: [Double], gamma: [Double], beta: [Double], channels c: Int, spatial s: Int, epsilon: Double = 1e-5) -> [Double] {
        let n = x.count / (c * s)
        var y = x
        for ch in 0..<c {
            var vals: [Double] = []
            for i in 0..<n { for j in 0..<s { vals.append(x[i * c * s + ch * s + j]) } }
            let mean = vals.reduce(0, +) / Double(vals.count)
            let variance = vals.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(vals.count)
            for i in 0..<n { for j in 0..<s {
                let k = i * c * s + ch * s + j
                y[k] = gamma[ch] * (x[k] - mean) / (variance + epsilon).squareRoot() + beta[ch]
            } }
        }
        return y
    }

    /// Mean softmax cross-entropy of `[N, K]` logits.
    public static func crossEntropy(_ logits: [Double], labels: [Int32], classes k: Int) -> Double {
        let n = logits.count / k
        var total = 0.0
        for i in 0..<n {
            let row = logits[(i * k)..<((i + 1) * k)]
            let m = row.max()!
            let z = row.reduce(0) { $0 + exp($1 - m) }
            total += m + log(z) - logits[i * k + Int(labels[i])]
        }
        return total / Double(n)
    }
}
