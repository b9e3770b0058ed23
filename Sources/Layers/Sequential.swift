import TensorCore

/// Layers applied in order; backward runs them in reverse.
public final class Sequential: Layer {
    public private(set) var layers: [Layer]
    public var computesInputGradient = true

    public init(_ layers: [Layer]) { self.layers = layers }

    public func prepare(input: Shape) -> Shape {
        var shape = input
        for (i, l) in layers.enumerated() {
            l.computesInputGradient = i == 0 ? computesInputGradient : true
            shape = l.prepare(input: shape)
        }
        return shape
    }

    /// The sum over the layers.
    public var forwardMACsPerSample: Int { layers.reduce(0) { $0 + $1.forwardMACsPerSample } }

    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        var h = x
        for l in layers { h = l.forward(h, mode: mode) }
        return h
    }

    public func backward(_ dy: Tensor) -> Tensor {
        var g = dy
        for l in layers.reversed() { g = l.backward(g) }
        return g
    }
}
