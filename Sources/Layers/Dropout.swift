import TensorCore
import Stats

/// Activation dropout (Srivastava et al. 2014) with inverted scaling, PyTorch's `nn.Dropout(p)`:
/// in `.training` mode each element is zeroed with probability `p` and the kept ones are
/// multiplied by 1/(1−p), so the expected output equals the input; in `.inference` and
/// `.frozenStatistics` (the importance solver's and the checks' inner passes) it is the identity.
/// Shapes: `y` and `dx` as `x`; `dx = dy ⊙ m` with the mask `m ∈ {0, 1/(1−p)}` of the last forward.
///
/// Randomness: the mask of a step comes from its own stream (run seed, `RandomPurpose.dropout`,
/// `index`, iteration), restarted at every forward — the network sets the seed and iteration
/// through `Network.beginStep(seed:iteration:)` before each training forward, and numbers its
/// dropout layers in forward order. The mask is therefore a pure function of (seed, layer,
/// step, batch size): a resumed run draws exactly the masks the uninterrupted run would have,
/// with no state in the checkpoint, and repeated forwards within one step see the same mask.
/// Drawing is sequential, so the masks do not depend on the thread count either. Nothing is
/// allocated per step: the mask, output and gradient buffers are allocated in `prepare`.
public final class Dropout: Layer {
    /// The probability of zeroing an element, in [0, 1).
    public let probability: Double
    public var computesInputGradient = true
    /// Position among the network's dropout layers (forward order); set by `Network`.
    public internal(set) var index = 0
    private var streams = RandomStreams(seed: 0)
    private var iteration = 0
    private let stream = RandomStream(seed: 0)
    private var mask = TensorStorage(count: 0), output = TensorStorage(count: 0), inputGrad = TensorStorage(count: 0)
    /// Whether the last forward applied a mask (false in the non-training modes).
    private var masked = false

    public init(probability: Double) {
        precondition(probability >= 0 && probability < 1, "dropout probability must be in [0, 1), got \(probability)")
        self.probability = probability
    }

    /// Selects the stream of training step `iteration` of the run seeded with `streams`.
    public func beginStep(streams: RandomStreams, iteration: Int) {
        self.streams = streams
        self.iteration = iteration
    }

    public func prepare(input: Shape) -> Shape {
        mask = TensorStorage(count: input.count)
        output = TensorStorage(count: input.count)
        inputGrad = TensorStorage(count: computesInputGradient ? input.count : 0)
        return input
    }

    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        masked = mode == .training && probability > 0
        guard masked else { return x }
        streams.reseed(stream, .dropout, index, iteration)
        let m = mask.tensor(x.shape), y = output.tensor(x.shape)
        let scale = Float(1 / (1 - probability))
        for i in 0..<x.count {
            let keep: Float = stream.uniform() >= probability ? scale : 0
            m.pointer[i] = keep
            y.pointer[i] = x.pointer[i] * keep
        }
        return y
    }

    // dx = dy ⊙ m (the mask of the last forward), or dy after an unmasked forward.
    public func backward(_ dy: Tensor) -> Tensor {
        guard computesInputGradient else { return .none }
        guard masked else { return dy }
        let dx = inputGrad.tensor(dy.shape)
        for i in 0..<dy.count { dx.pointer[i] = dy.pointer[i] * mask.base[i] }
        return dx
    }

    /// The mask of the last masked forward, `[N, …]` (values 0 or 1/(1−p)); for tests.
    public func lastMask(_ shape: Shape) -> [Float] { mask.tensor(shape).toArray() }
}
