import CVectorMath

/// The per-element update of Adam and AdamW (the optimisers of `Training`) over flat buffers, eight
/// elements at a time, with denormal numbers flushed to zero.
///
/// For every element i of `range` (`g` the gradient, `p` the parameter, `m`, `v` the moments):
///
///     decoupled (AdamW):  p ← p · (1 − lr·wd)          otherwise (Adam):  g ← g + wd · p
///     m ← β₁·m + (1 − β₁)·g
///     v ← β₂·v + (1 − β₂)·g·g
///     p ← p − stepSize · m / (√v / correction2Sqrt + ε)
///
/// The same IEEE operations in the same order as the old scalar loop (no fused multiply-add;
/// square root and division correctly rounded), with one difference `Reference.adamUpdate`
/// spells out: an input below 2⁻¹²⁶ ≈ 1.2·10⁻³⁸ in magnitude counts as ±0 and a result the
/// processor finds that small becomes ±0 (flush-to-zero and denormals-are-zero, on for the
/// duration of the call only, as TensorFlow does for its CPU kernels). Without it the first
/// moment of a weight whose input is almost always 0 (MNIST's border pixels) shrinks by β₁ = 0.9
/// per step into the denormal range and, as 0.9·m rounds back to m there, never leaves it: every
/// later step takes the processor's microcode path for it, and the optimiser took 57% of an
/// Adam MLP training step (LeNet-300-100, 1 thread: 18 600 img/s in epoch 2 against 56 000 now;
/// SGD 63 000). What the flush can change: a flushed m moves its parameter by less than
/// lr·2⁻¹²⁶/((1 − β₁ᵗ)·ε), below half an ulp of any parameter above ≈ 10⁻²⁵ in magnitude (lr 10⁻³,
/// ε 10⁻⁸); a flushed v leaves the denominator √v/√(1 − β₂ᵗ) + ε unchanged for ε ≥ 6·10⁻¹¹ (the
/// default is 10⁻⁸), while a smaller ε can make the step differ.
public enum AdamUpdate {
    /// The step's constants: `stepSize` = lr / (1 − β₁ᵗ), `correction2Sqrt` = √(1 − β₂ᵗ),
    /// `shrink` = 1 − lr·wd (AdamW only), `weightDecay` = wd of the range.
    public struct Coefficients: Sendable {
        public var beta1: Float, beta2: Float, epsilon: Float
        public var stepSize: Float, correction2Sqrt: Float
        public var weightDecay: Float, shrink: Float
        public var decoupled: Bool

        public init(beta1: Float, beta2: Float, epsilon: Float, stepSize: Float, correction2Sqrt: Float,
                    weightDecay: Float, shrink: Float, decoupled: Bool) {
            (self.beta1, self.beta2, self.epsilon) = (beta1, beta2, epsilon)
            (self.stepSize, self.correction2Sqrt) = (stepSize, correction2Sqrt)
            (self.weightDecay, self.shrink, self.decoupled) = (weightDecay, shrink, decoupled)
        }
    }

    /// Updates `values[range]`, `firstMoment[range]` and `secondMoment[range]` from `grads[range]`.
    /// The four buffers must not overlap.
    @inlinable
    public static func apply(values: UnsafeMutablePointer<Float>, grads: UnsafePointer<Float>,
                             firstMoment: UnsafeMutablePointer<Float>, secondMoment: UnsafeMutablePointer<Float>,
                             range: Range<Int>, _ c: Coefficients) {
        typealias V = SIMD8<Float>
        let b1 = V(repeating: c.beta1), b2 = V(repeating: c.beta2)
        let a1 = V(repeating: 1 - c.beta1), a2 = V(repeating: 1 - c.beta2)
        let wd = V(repeating: c.weightDecay), shrink = V(repeating: c.shrink)
        let step = V(repeating: c.stepSize), c2 = V(repeating: c.correction2Sqrt), eps = V(repeating: c.epsilon)
        @inline(__always) func update(_ p: inout V, _ g: V, _ m: inout V, _ v: inout V) {
            var g = g
            if c.decoupled { p = p * shrink } else { g = g + wd * p }
            m = b1 * m + a1 * g
            v = b2 * v + a2 * g * g
            let denom = masklab_sqrt8(v) / c2 + eps
            p = p - step * m / denom
        }
        let previous = masklab_flush_denormals_begin()
        defer { masklab_flush_denormals_end(previous) }
        var i = range.lowerBound
        while i + 8 <= range.upperBound {
            var p = UnsafeRawPointer(values + i).loadUnaligned(as: V.self)
            let g = UnsafeRawPointer(grads + i).loadUnaligned(as: V.self)
            var m = UnsafeRawPointer(firstMoment + i).loadUnaligned(as: V.self)
            var v = UnsafeRawPointer(secondMoment + i).loadUnaligned(as: V.self)
            update(&p, g, &m, &v)
            UnsafeMutableRawPointer(values + i).storeBytes(of: p, as: V.self)
            UnsafeMutableRawPointer(firstMoment + i).storeBytes(of: m, as: V.self)
            UnsafeMutableRawPointer(secondMoment + i).storeBytes(of: v, as: V.self)
            i += 8
        }
        if i < range.upperBound {   // the tail, in the lanes of one vector (unused lanes are zero)
            var p = V(), g = V(), m = V(), v = V()
            for k in 0..<(range.upperBound - i) {
                (p[k], g[k], m[k], v[k]) = (values[i + k], grads[i + k], firstMoment[i + k], secondMoment[i + k])
            }
            update(&p, g, &m, &v)
            for k in 0..<(range.upperBound - i) {
                (values[i + k], firstMoment[i + k], secondMoment[i + k]) = (p[k], m[k], v[k])
            }
        }
    }
}
