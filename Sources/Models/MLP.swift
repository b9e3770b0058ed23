import Layers
import TensorCore

/// A multilayer perceptron: Flatten → (Linear → ReLU)… → Linear, optionally with BatchNorm1d
/// after each hidden Linear and `Dropout(p)` after each hidden ReLU (`dropout` > 0; no layer at 0).
///
/// Names follow PyTorch modules `fc1`, `fc2`, …, `fcK` (the last is the output layer) and
/// `bn1`, `bn2`, … for the BatchNorm layers; LeNet-300-100 is `hidden: [300, 100]` on 784 inputs.
public enum MLP {
    /// Builds the network for samples of `sampleShape` (flattened) with the given hidden widths.
    public static func make(sampleShape: Shape, hidden: [Int], classes: Int, batchNorm: Bool = false,
                            dropout: Double = 0, name: String) -> Network {
        let builder = ParameterBuilder()
        var layers: [Layer] = [Flatten()]
        var width = sampleShape.count
        for (i, h) in hidden.enumerated() {
            layers.append(Linear("fc\(i + 1)", width, h, builder: builder))
            if batchNorm { layers.append(BatchNorm("bn\(i + 1)", channels: h, builder: builder)) }
            layers.append(ReLU())
            layers += dropoutLayer(dropout)
            width = h
        }
        layers.append(Linear("fc\(hidden.count + 1)", width, classes, builder: builder))
        let store = builder.finish()
        return Network(name: name, body: Sequential(layers), store: store, sampleShape: sampleShape, classes: classes)
    }
}
