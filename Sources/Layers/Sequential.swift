import TensorCore

/// Layers applied in order; backward runs them in reverse.
public final class Sequential: Layer {
    public private(set) var layers: [Layer]
    public var computesInputGradient = true
    /// Each child's `LayerClock` slot (−1 for a container, which times its own parts).
    private var clockSlots: [Int] = []

    public init(_ layers: [Layer]) { self.layers = layers }

    public func prepare(input: Shape) -> Shape {
        var shape = input
        var previous: String?
        clockSlots = []
        for (i, l) in layers.enumerated() {
            l.computesInputGradient = i == 0 ? computesInputGradient : true
            let output = l.prepare(input: shape)
            let (slot, name) = LayerClock.slot(for: l, input: shape, previous: previous)
            clockSlots.append(slot)
            previous = name ?? (l as? BasicBlock)?.module ?? previous
            shape = output
        }
        return shape
    }

    /// The sum over the layers.
    public var forwardMACsPerSample: Int { layers.reduce(0) { $0 + $1.forwardMACsPerSample } }

    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        var h = x
        if mode == .inference {
            var i = 0
            while i < layers.count {
                if let (y, used) = fusedInference(at: i, h) {
                    h = y
                    i += used
                } else {
                    h = layers[i].forward(h, mode: mode)
                    i += 1
                }
            }
            return h
        }
        let slots = clockSlots
        for (i, l) in layers.enumerated() { h = LayerClock.forward(slots[i]) { l.forward(h, mode: mode) } }
        return h
    }

    /// In inference, a convolution or linear layer followed by a BatchNorm, a ReLU or both runs
    /// as one product whose output pass applies them (`OutputEpilogue`; the same operations as
    /// the separate layers, except that −0 and NaN pass the fused ReLU unchanged). Returns the
    /// output and the number of layers it stands for, or nil when layer `i` starts no such run.
    /// The fused layers keep nothing for a backward.
    private func fusedInference(at i: Int, _ x: Tensor) -> (Tensor, Int)? {
        let conv = layers[i] as? Conv2d, linear = layers[i] as? Linear
        guard conv != nil || linear != nil else { return nil }
        var used = 1
        let norm = i + 1 < layers.count ? layers[i + 1] as? BatchNorm : nil
        if norm != nil { used += 1 }
        let relu = i + used < layers.count && layers[i + used] is ReLU
        if relu { used += 1 }
        guard used > 1 else { return nil }
        let epilogue = norm?.inferenceEpilogue(relu: relu) ?? OutputEpilogue(relu: relu)
        let y = conv.map { $0.forward(x, epilogue: epilogue) } ?? linear.map { $0.forward(x, epilogue: epilogue) }
        return y.map { ($0, used) }
    }

    public func backward(_ dy: Tensor) -> Tensor {
        var g = dy
        let slots = clockSlots, children = layers
        for i in children.indices.reversed() { g = LayerClock.backward(slots[i]) { children[i].backward(g) } }
        return g
    }
}
