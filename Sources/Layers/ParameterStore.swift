import TensorCore
import Stats

/// Collects parameter and buffer declarations while a model is built, then allocates them.
///
/// Layers call `parameter(…)`/`buffer(…)` in their initialisers with their module path
/// (`"layer1.0.conv1"`); `finish()` lays every parameter out in one value allocation and one
/// gradient allocation, in declaration order, and every float buffer in a third.
public final class ParameterBuilder {
    private var parameters: [Parameter] = []
    private var buffers: [StateBuffer] = []
    private var counters: [CounterBuffer] = []
    private var names = Set<String>()
    /// Every name in declaration order, which is PyTorch's `state_dict` order when layers declare
    /// their tensors in module-registration order (parameters, then buffers, module by module).
    private var order: [String] = []

    public init() {}

    /// Declares a trainable tensor named `module + "." + name`.
    public func parameter(_ module: String, _ name: String, shape: Shape, role: ParameterRole,
                          initializer: Initializer) -> Parameter {
        let full = Self.join(module, name)
        precondition(names.insert(full).inserted, "duplicate parameter name \(full)")
        let p = Parameter(name: full, shape: shape, role: role, initializer: initializer)
        parameters.append(p)
        order.append(full)
        return p
    }

    /// Declares a non-trainable float tensor (e.g. `bn1.running_var`, initial 1).
    public func buffer(_ module: String, _ name: String, shape: Shape, initialValue: Float) -> StateBuffer {
        let full = Self.join(module, name)
        precondition(names.insert(full).inserted, "duplicate buffer name \(full)")
        let b = StateBuffer(name: full, shape: shape, initialValue: initialValue)
        buffers.append(b)
        order.append(full)
        return b
    }

    /// Declares an int64 counter (e.g. `bn1.num_batches_tracked`).
    public func counter(_ module: String, _ name: String) -> CounterBuffer {
        let full = Self.join(module, name)
        precondition(names.insert(full).inserted, "duplicate buffer name \(full)")
        let c = CounterBuffer(name: full)
        counters.append(c)
        order.append(full)
        return c
    }

    /// Allocates and binds everything declared so far; values are not yet initialised.
    public func finish() -> ParameterStore {
        ParameterStore(parameters: parameters, buffers: buffers, counters: counters, stateDictOrder: order)
    }

    static func join(_ module: String, _ name: String) -> String { module.isEmpty ? name : module + "." + name }
}

/// Every parameter of a model in one value allocation and one gradient allocation (named views
/// into each), plus the non-trainable buffers. Optimisers add their state as further allocations
/// of the same total size, so they can sweep all parameters as flat arrays.
public final class ParameterStore: @unchecked Sendable {
    public let parameters: [Parameter]
    public let buffers: [StateBuffer]
    public let counters: [CounterBuffer]
    /// All parameter values, concatenated in declaration order.
    public let values: TensorStorage
    /// All parameter gradients, same layout as `values`.
    public let grads: TensorStorage
    /// All float buffers, concatenated.
    public let bufferValues: TensorStorage
    /// Total number of trainable scalars.
    public let count: Int
    /// Every tensor name in PyTorch `state_dict` order.
    public let stateDictOrder: [String]

    init(parameters: [Parameter], buffers: [StateBuffer], counters: [CounterBuffer], stateDictOrder: [String]) {
        self.stateDictOrder = stateDictOrder
        self.parameters = parameters
        self.buffers = buffers
        self.counters = counters
        var total = 0
        for (i, p) in parameters.enumerated() {
            p.index = i
            p.offset = total
            total += p.shape.count
        }
        count = total
        values = TensorStorage(count: total)
        grads = TensorStorage(count: total)
        for p in parameters {
            p.value = values.tensor(p.shape, offset: p.offset)
            p.grad = grads.tensor(p.shape, offset: p.offset)
            p.effective = p.value
        }
        var btotal = 0
        for b in buffers { btotal += b.shape.count }
        bufferValues = TensorStorage(count: btotal)
        var off = 0
        for b in buffers {
            b.value = bufferValues.tensor(b.shape, offset: off)
            off += b.shape.count
        }
        resetBuffers()
    }

    /// Fills every parameter from its initializer, drawing from stream (initialisation, index) so
    /// that each parameter's initial values depend only on the seed and its position.
    public func initialise(streams: RandomStreams) {
        for p in parameters {
            let rng = streams.stream(.initialisation, p.index)
            let t = p.value
            switch p.initializer {
            case let .uniform(bound):
                for i in 0..<t.count { t[i] = rng.uniform(-bound, bound) }
            case let .constant(v):
                t.fill(v)
            case let .normal(std):
                for i in 0..<t.count { t[i] = Float(rng.gaussian(sigma: Double(std))) }
            }
        }
        resetBuffers()
    }

    /// Running statistics and counters back to PyTorch's initial values.
    public func resetBuffers() {
        for b in buffers { b.value.fill(b.initialValue) }
        for c in counters { c.value = 0 }
    }

    /// Sets every gradient to zero.
    public func zeroGradients() { grads.tensor(Shape(count)).fill(0) }

    /// The parameter called `name`, if any.
    public func parameter(named name: String) -> Parameter? { parameters.first { $0.name == name } }

    /// Every tensor's name and shape in PyTorch `state_dict` order (counters have shape `[]`).
    public var shapes: [(name: String, shape: [Int])] {
        var byName: [String: [Int]] = [:]
        for p in parameters { byName[p.name] = p.shape.dims }
        for b in buffers { byName[b.name] = b.shape.dims }
        for c in counters { byName[c.name] = [] }
        return stateDictOrder.map { ($0, byName[$0]!) }
    }

    /// The first NaN or infinite value among the parameters, then the float buffers, then `extra`
    /// (e.g. optimiser state): its tensor's name, flat (row-major) index and value; nil when every
    /// value is finite.
    public func firstNonFinite(also extra: [(name: String, tensor: Tensor)] = []) -> (name: String, index: Int, value: Float)? {
        let named = parameters.map { ($0.name, $0.value) } + buffers.map { ($0.name, $0.value) } + extra.map { ($0.name, $0.tensor) }
        for (name, t) in named {
            for (i, x) in t.buffer.enumerated() where !x.isFinite { return (name, i, x) }
        }
        return nil
    }
}

extension ParameterStore {
    /// Runs `body` with backward passes accumulating the gradients of `kept` only: every other
    /// parameter's `accumulatesGradient` is off, so the layers skip its weight-gradient products
    /// (the values of the kept gradients and of every input gradient are the same bits as
    /// without the scope). Restored on the way out; scopes do not nest.
    public func withGradients<R>(only kept: [Parameter], _ body: () -> R) -> R {
        let keep = Set(kept.map { ObjectIdentifier($0) })
        for p in parameters {
            precondition(p.accumulatesGradient, "\(p.name): gradient scopes do not nest")
            p.accumulatesGradient = keep.contains(ObjectIdentifier(p))
        }
        defer { for p in parameters { p.accumulatesGradient = true } }
        return body()
    }
}
