import TensorCore
import Stats

/// A model ready to train: its layers, its parameters in one store, and its loss.
///
/// `prepare(batch:)` allocates every buffer once for the largest batch; afterwards
/// `forward`/`backward` allocate nothing. Parameter and buffer names are PyTorch's
/// `state_dict` keys.
public final class Network: @unchecked Sendable {
    /// Registry name and configuration, e.g. "mlp" or "resnet18(width: 16)".
    public let name: String
    public let body: Layer
    public let store: ParameterStore
    /// Shape of one input sample, e.g. `[1, 28, 28]` or `[3, 32, 32]`.
    public let sampleShape: Shape
    public let classes: Int
    public let loss: SoftmaxCrossEntropy
    public private(set) var preparedBatch = 0
    /// The body's dropout layers in forward order (numbered so), whose masks `beginStep` selects.
    public let dropoutLayers: [Dropout]

    public init(name: String, body: Layer, store: ParameterStore, sampleShape: Shape, classes: Int) {
        self.name = name
        self.body = body
        self.store = store
        self.sampleShape = sampleShape
        self.classes = classes
        loss = SoftmaxCrossEntropy(classes: classes)
        body.computesInputGradient = false
        func dropouts(_ layer: Layer) -> [Dropout] {
            if let d = layer as? Dropout { return [d] }
            return (layer as? Sequential)?.layers.flatMap { dropouts($0) } ?? []
        }
        dropoutLayers = dropouts(body)
        for (i, d) in dropoutLayers.enumerated() { d.index = i }
    }

    /// Tells the stochastic layers (dropout) which training step the next forward belongs to:
    /// their masks are functions of (`seed`, layer, `iteration`), so a resumed run draws the same
    /// ones as an uninterrupted run. The trainer calls it before each step's forward.
    public func beginStep(seed: UInt64, iteration: Int) {
        let streams = RandomStreams(seed: seed)
        for d in dropoutLayers { d.beginStep(streams: streams, iteration: iteration) }
    }

    /// Allocates buffers for batches of up to `batch` samples (no-op if already prepared for it).
    public func prepare(batch: Int) {
        guard batch != preparedBatch else { return }
        var s = [batch] + sampleShape.dims
        if s.count > 4 { s = [batch, sampleShape.count] }
        let out = body.prepare(input: Shape(s))
        precondition(out.rowSize == classes, "\(name): output \(out) does not have \(classes) classes")
        loss.prepare(batch: batch)
        preparedBatch = batch
    }

    /// Logits `[N, classes]` for inputs `x` `[N, …sampleShape]` (N ≤ the prepared batch).
    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor { body.forward(x, mode: mode) }

    /// Accumulates parameter gradients for `dlogits` `[N, classes]`.
    public func backward(_ dlogits: Tensor) { _ = body.backward(dlogits) }

    /// Multiply-accumulates of one forward pass per sample (see `Layer.forwardMACsPerSample`).
    public var forwardMACsPerSample: Int { body.forwardMACsPerSample }

    /// Number of trainable scalars.
    public var parameterCount: Int { store.count }
}
