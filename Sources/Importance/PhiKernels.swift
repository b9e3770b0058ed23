import Foundation
import TensorCore

/// The two elementwise pieces of φ(w) = L(x − γ·w⊙g) around the forward/backward pass:
/// the shifted weights before it and ∇φ after it. Parallel over contiguous chunks (each
/// element is independent, so results do not depend on the thread count).
public enum PhiKernels {
    /// shifted_i = x_i − γ · exp(logW_i) · g_i   (n entries).
    public static func shift(x: UnsafePointer<Float>, logW: UnsafePointer<Float>, gradient g: UnsafePointer<Float>,
                             gamma: Float, into shifted: UnsafeMutablePointer<Float>, count n: Int) {
        let box = UncheckedSendable((x, logW, g, shifted))
        Parallel.forEachChunk(n, costPerItem: 8) { _, r in
            let (x, l, g, out) = box.value
            for i in r { out[i] = x[i] - gamma * Foundation.exp(l[i]) * g[i] }
        }
    }

    /// d_i = −γ · g_i · G_i, where G = ∇L at the shifted weights   (n entries).
    public static func phiGradient(gradient g: UnsafePointer<Float>, shiftedGradient G: UnsafePointer<Float>,
                                   gamma: Float, into d: UnsafeMutablePointer<Float>, count n: Int) {
        let box = UncheckedSendable((g, G, d))
        Parallel.forEachChunk(n, costPerItem: 2) { _, r in
            let (g, G, d) = box.value
            for i in r { d[i] = -gamma * g[i] * G[i] }
        }
    }
}
