import Foundation

/// Plain twins of `PhiKernels` over arrays.
public enum PhiKernelsReference {
    public static func shift(x: [Float], logW: [Float], gradient g: [Float], gamma: Float) -> [Float] {
        x.indices.map { x[$0] - gamma * Foundation.exp(logW[$0]) * g[$0] }
    }

    public static func phiGradient(gradient g: [Float], shiftedGradient G: [Float], gamma: Float) -> [Float] {
        g.indices.map { -gamma * g[$0] * G[$0] }
    }
}
