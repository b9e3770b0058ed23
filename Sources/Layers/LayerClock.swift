import TensorCore

/// Opt-in wall-clock totals of the training passes, layer by layer (`masklab bench --layers`).
///
/// Layers take a slot when they are prepared: `Sequential` one for each child that is not itself
/// a container, `BasicBlock` one for each of its convolutions, for `bn1` and for its output pass
/// (`bn2`, the projection's BatchNorm, the residual add and the ReLU, which it computes itself).
/// While the clock runs, they time their training forward and backward calls into their slot.
/// Only the calling thread records: a layer call returns once its parallel regions have ended,
/// so a slot's time includes the pool's work, and the slots of one step add up to the step less
/// the loss, the optimiser and the gaps between calls. Passes in `.inference` mode are never
/// timed (their layers are fused differently); every other mode is. Off (the default), a call costs one load and one branch and
/// nothing is recorded; on, it reads the clock twice and allocates nothing.
///
/// A slot is found by its name, so preparing a network again reuses its slots. Two networks
/// with the same layer names share slots: time one at a time. A `Sequential` nested in another
/// names its parameterless children from its own first layer on (no model nests them today).
public enum LayerClock {
    /// One slot: a layer (or a block's part) and its totals since `start()`.
    public struct Entry: Sendable, Equatable, Codable {
        /// The layer's module name (e.g. "layer1.0.conv1"), or for a layer without parameters
        /// the previous child's name (its module, a block's module, or such a chain; "input"
        /// for the first) with its type appended ("bn1+ReLU", "conv2+ReLU+MaxPool2d").
        public let name: String
        /// What it computes, e.g. "Conv2d 3×3/1 16→16 at 32×32, winogradF2Fused".
        public var kind: String
        /// The kind of work, for totals over layers: "Conv2d " + the lowering, "BatchNorm", or the type.
        public var group: String
        /// Multiply-accumulates of one forward pass per sample (0 for layers without products).
        public var macsPerSample: Int
        /// Whether the backward computes the input gradient too (the first layer's does not):
        /// the backward does 2 × `macsPerSample` per sample then, else 1 ×.
        public var inputGradient: Bool
        /// Wall time of the timed forward calls, nanoseconds, and how many there were.
        public var forwardNanoseconds = 0, forwardCalls = 0
        /// Wall time of the timed backward calls, nanoseconds, and how many there were.
        public var backwardNanoseconds = 0, backwardCalls = 0

        public init(name: String, kind: String, group: String, macsPerSample: Int, inputGradient: Bool = true) {
            self.name = name
            self.kind = kind
            self.group = group
            self.macsPerSample = macsPerSample
            self.inputGradient = inputGradient
        }
    }

    nonisolated(unsafe) public private(set) static var isRunning = false
    nonisolated(unsafe) private static var table: [Entry] = []
    nonisolated(unsafe) private static var slots: [String: Int] = [:]
    /// Per slot, the rank of its first timed call since `start()` (`Int.max`: not called yet).
    nonisolated(unsafe) private static var firstCall: [Int] = []
    nonisolated(unsafe) private static var calls = 0

    /// The slot called `name` (made on first use; the other arguments replace the old values).
    public static func slot(_ name: String, kind: String, group: String, macsPerSample: Int, inputGradient: Bool = true) -> Int {
        if let i = slots[name] {
            table[i].kind = kind
            table[i].group = group
            table[i].macsPerSample = macsPerSample
            table[i].inputGradient = inputGradient
            return i
        }
        table.append(Entry(name: name, kind: kind, group: group, macsPerSample: macsPerSample, inputGradient: inputGradient))
        firstCall.append(Int.max)
        slots[name] = table.count - 1
        return table.count - 1
    }

    /// Clears every slot's totals and starts recording.
    public static func start() {
        for i in table.indices {
            table[i].forwardNanoseconds = 0
            table[i].forwardCalls = 0
            table[i].backwardNanoseconds = 0
            table[i].backwardCalls = 0
            firstCall[i] = Int.max
        }
        calls = 0
        isRunning = true
    }

    /// Stops recording and returns the slots timed since `start()`, in the order of their first
    /// call (for training steps: the forward order).
    public static func stop() -> [Entry] {
        isRunning = false
        return table.indices.filter { firstCall[$0] != Int.max }.sorted { firstCall[$0] < firstCall[$1] }.map { table[$0] }
    }

    /// `body()`, its wall time added to slot `slot`'s forward total while the clock runs.
    @inline(__always)
    public static func forward<T>(_ slot: Int, _ body: () -> T) -> T {
        guard isRunning, slot >= 0 else { return body() }
        return timed(slot, body) { table[slot].forwardNanoseconds += $0; table[slot].forwardCalls += 1 }
    }

    /// `body()`, its wall time added to slot `slot`'s backward total while the clock runs.
    @inline(__always)
    public static func backward<T>(_ slot: Int, _ body: () -> T) -> T {
        guard isRunning, slot >= 0 else { return body() }
        return timed(slot, body) { table[slot].backwardNanoseconds += $0; table[slot].backwardCalls += 1 }
    }

    /// `body()` for slot `slot`, then `record` with its wall time in nanoseconds.
    private static func timed<T>(_ slot: Int, _ body: () -> T, record: (Int) -> Void) -> T {
        if firstCall[slot] == Int.max {
            firstCall[slot] = calls
            calls += 1
        }
        let t0 = Parallel.nanoseconds()
        let result = body()
        record(Parallel.nanoseconds() - t0)
        return result
    }

    /// The slot of `layer`, a child of a `Sequential` with input `input`, named after `previous`
    /// (the name of the child before it, nil for the first) when it has no parameters; −1 for a
    /// container (`Sequential`, `BasicBlock`), whose parts take slots of their own.
    static func slot(for layer: Layer, input: Shape, previous: String?) -> (slot: Int, name: String?) {
        if layer is Sequential || layer is BasicBlock { return (-1, nil) }
        let type = String(describing: Swift.type(of: layer))
        let name: String
        switch layer {
        case let conv as Conv2d: name = conv.weight.module
        case let linear as Linear: name = linear.weight.module
        case let norm as BatchNorm: name = norm.scale.module
        default: name = (previous ?? "input") + "+" + type
        }
        let group = (layer as? Conv2d).map { "Conv2d " + $0.lowering.rawValue } ?? type
        return (slot(name, kind: describe(layer, input: input), group: group, macsPerSample: layer.forwardMACsPerSample,
                     inputGradient: layer.computesInputGradient), name)
    }

    /// What `layer` computes on `input`, for the report.
    static func describe(_ layer: Layer, input: Shape) -> String {
        let type = String(describing: Swift.type(of: layer))
        let map = input.rank == 4 ? " at \(input[2])×\(input[3])" : ""
        switch layer {
        case let conv as Conv2d:
            return "\(type) \(conv.kernel)×\(conv.kernel)/\(conv.stride) \(conv.inChannels)→\(conv.outChannels)\(map), \(conv.lowering.rawValue)"
        case let linear as Linear:
            return "\(type) \(linear.inFeatures)→\(linear.outFeatures)"
        case let norm as BatchNorm:
            return "\(type) \(norm.channels)\(map)" + (norm.relu ? " + ReLU" : "")
        default:
            return "\(type) \(input)"
        }
    }
}
