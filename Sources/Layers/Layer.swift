import TensorCore

/// How a forward pass treats layers whose behaviour depends on the phase (BatchNorm).
public enum ForwardMode: Sendable, Equatable {
    /// Batch statistics, running statistics updated (PyTorch `train()`).
    case training
    /// Running statistics (PyTorch `eval()`).
    case inference
    /// Batch statistics, running statistics untouched: for inner passes (importance solver,
    /// finite-difference checks) that must not change the model's state.
    case frozenStatistics
    /// Running statistics as `.inference`, but every layer keeps what `backward` needs (no fused
    /// inference passes): for gradients of the evaluation-mode network (SynFlow's scores).
    case differentiableInference

    /// Whether BatchNorm normalises with its running statistics (`.inference`, `.differentiableInference`).
    public var usesRunningStatistics: Bool { self == .inference || self == .differentiableInference }
}

/// A differentiable layer: forward and backward side by side, buffers allocated once.
///
/// Life cycle: parameters are declared to a `ParameterBuilder` in `init`; `prepare(input:)`
/// allocates every activation and gradient buffer for the largest batch; then `forward` and
/// `backward` run without allocating. `backward` *accumulates* into parameter gradients
/// (zeroing them is the trainer's explicit job) and returns the gradient with respect to the
/// input, a view into the layer's own buffer (or an empty tensor when
/// `computesInputGradient` is false, as for the first layer).
public protocol Layer: AnyObject {
    /// Allocates buffers for inputs of shape `input` (its first dimension is the largest batch)
    /// and returns the output shape for that batch.
    func prepare(input: Shape) -> Shape
    /// Output for `x` (batch ≤ the prepared one): a view of the layer's output buffer, valid until
    /// the next forward.
    func forward(_ x: Tensor, mode: ForwardMode) -> Tensor
    /// Given `dy` (the shape of the last output), accumulates parameter gradients and returns `dx`.
    func backward(_ dy: Tensor) -> Tensor
    /// Whether `backward` must produce `dx` (false for the first layer saves a GEMM).
    var computesInputGradient: Bool { get set }
    /// Multiply-accumulates of one forward pass per sample, for the shapes last prepared (the
    /// convention of `torch_anchor.py`: convolutions `O·OH·OW·I·K·K`, linear layers `in·out`;
    /// elementwise work counts 0). Containers sum their children. Training counts 3× this.
    var forwardMACsPerSample: Int { get }
}

extension Layer {
    /// Layers without matrix products do no counted multiply-accumulates.
    public var forwardMACsPerSample: Int { 0 }
}

extension Tensor {
    /// An empty tensor, returned by `backward` when no input gradient is needed.
    public static var none: Tensor { Tensor(UnsafeMutablePointer(bitPattern: 64)!, Shape(0)) }
}
