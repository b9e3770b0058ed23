import TensorCore
import Stats

/// What a parameter is, for rules that treat kinds differently (weight decay exemption, mask scope).
public enum ParameterRole: String, Sendable, Codable {
    /// A linear or convolution weight (masked by default).
    case weight
    /// A linear or convolution bias.
    case bias
    /// BatchNorm γ (PyTorch `weight`).
    case normScale
    /// BatchNorm β (PyTorch `bias`).
    case normShift
}

/// Where a parameter's initial values come from.
public enum Initializer: Sendable, Equatable {
    /// Uniform on [−bound, bound]; PyTorch's default for `nn.Linear`/`nn.Conv2d` weights and biases
    /// is bound = 1/√fan_in (kaiming_uniform with a = √5).
    case uniform(bound: Float)
    case constant(Float)
    /// Normal with mean 0.
    case normal(std: Float)
}

/// One trainable tensor: a name as in PyTorch's `state_dict`, a shape, and views into the
/// store's single value and gradient allocations.
public final class Parameter: @unchecked Sendable {
    public let name: String
    public let shape: Shape
    public let role: ParameterRole
    public let initializer: Initializer
    /// Which layer a parameter belongs to, e.g. "fc1" for "fc1.weight".
    public var module: String { String(name.split(separator: ".").dropLast().joined(separator: ".")) }
    /// Position in the store (declaration order) and element offset in its allocations.
    public internal(set) var index = -1
    public internal(set) var offset = -1
    /// The values (view into the store's value allocation).
    public internal(set) var value: Tensor = .none
    /// The gradient (view into the store's gradient allocation).
    public internal(set) var grad: Tensor = .none
    /// What the forward and backward passes read as this parameter: `value`, except inside a
    /// `Network.withEffectiveWeights` scope (e.g. a masked copy m ⊙ W for mask target "weights").
    public internal(set) var effective: Tensor = .none
    /// Whether backward passes accumulate this parameter's gradient (true except inside a
    /// `ParameterStore.withGradients(only:)` scope, which skips the weight-gradient products of
    /// the tensors whose gradient nobody reads; input gradients are computed as always).
    public internal(set) var accumulatesGradient = true

    init(name: String, shape: Shape, role: ParameterRole, initializer: Initializer) {
        self.name = name
        self.shape = shape
        self.role = role
        self.initializer = initializer
    }
}

/// A non-trainable float tensor saved with the model (BatchNorm `running_mean`, `running_var`).
public final class StateBuffer: @unchecked Sendable {
    public let name: String
    public let shape: Shape
    public let initialValue: Float
    public internal(set) var value: Tensor = .none
    init(name: String, shape: Shape, initialValue: Float) {
        self.name = name
        self.shape = shape
        self.initialValue = initialValue
    }
}

/// A non-trainable integer saved with the model (BatchNorm `num_batches_tracked`, int64 in PyTorch).
public final class CounterBuffer: @unchecked Sendable {
    public let name: String
    public var value: Int64 = 0
    init(name: String) { self.name = name }
}
