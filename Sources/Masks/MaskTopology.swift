/// The units of a network and the weight tensors between them, at the level on which effective
/// sparsity (Vysogorets & Kempe 2023) asks whether a kept weight can still carry signal.
///
/// A *group* is a set of units: the input (group 0: its channels, or its features for
/// non-image inputs), then every linear layer's output neurons and every convolution's output
/// channels, in forward order; the last group is the output layer. Layers that act unit by unit
/// (BatchNorm, ReLU, dropout, pooling, flatten) add no group. A *connection* joins two groups:
///
/// - a weight tensor `[out, in, k…]` (linear `[out, in]`, convolution OIHW): entry
///   (o, i, …) joins source unit `i / (in / sourceUnits)` to target unit `o`. For a
///   convolution `in` is the channel count, so a kept tap of kernel `W[o, i]` joins input
///   channel i to output channel o whatever its position (channel level, as VK23's code does;
///   it assumes every tap meets the input at some output position, true unless a padded kernel
///   is larger than its feature map). A linear layer after a flatten has `in = C·H·W` inputs
///   over C channel units: column j belongs to channel j / (H·W) (PyTorch's NCHW flatten).
/// - an identity (a ResNet identity shortcut): unit u of the source feeds unit u of the target.
///
/// Several connections into one group add up (a residual block's output sums its main path and
/// its shortcut), so a unit is reached if any of them reaches it.
///
/// Biases and BatchNorm shifts are not connections: a unit whose every input path is cut outputs
/// a constant (its bias or β) that carries nothing of the input, so it does not count as alive
/// — the convention of VK23's code (`effective_masks.py` in avysogorets/effective-sparsity
/// ignores biases).
public struct MaskTopology: Sendable, Equatable {
    /// A weight tensor (or an identity shortcut, `name` nil) from group `source` to group `target`.
    public struct Connection: Sendable, Equatable {
        /// The weight's PyTorch name; nil for an identity.
        public var name: String?
        /// `[out, in, k…]` of the weight; `[units]` for an identity.
        public var shape: [Int]
        public var source: Int
        public var target: Int
    }

    /// Units per group; group 0 is the input, the last group the output.
    public private(set) var groupSizes: [Int]
    public private(set) var connections: [Connection] = []

    /// A topology holding only the input group of `inputUnits` units.
    public init(inputUnits: Int) {
        precondition(inputUnits > 0, "the input needs at least one unit, got \(inputUnits)")
        groupSizes = [inputUnits]
    }

    /// Adds a group of `units` units after every existing one and returns its index.
    public mutating func addGroup(units: Int) -> Int {
        precondition(units > 0, "a group needs at least one unit, got \(units)")
        groupSizes.append(units)
        return groupSizes.count - 1
    }

    /// Joins `source` to `target` (a later group) through the weight `name` of `shape`
    /// `[out, in, k…]`: `out` must be the target's unit count and `in` a multiple of the source's.
    public mutating func connect(_ name: String, shape: [Int], from source: Int, to target: Int) {
        precondition(source < target && target < groupSizes.count, "\(name): groups \(source) → \(target) must run forward")
        precondition(shape.count >= 2 && shape[0] == groupSizes[target] && shape[1] % groupSizes[source] == 0,
                     "\(name) \(shape) does not join \(groupSizes[source]) units to \(groupSizes[target])")
        connections.append(Connection(name: name, shape: shape, source: source, target: target))
    }

    /// Joins unit u of `source` to unit u of `target` (an identity shortcut).
    public mutating func connectIdentity(from source: Int, to target: Int) {
        precondition(source < target && target < groupSizes.count && groupSizes[source] == groupSizes[target],
                     "identity \(source) → \(target) needs two groups of the same size")
        connections.append(Connection(name: nil, shape: [groupSizes[source]], source: source, target: target))
    }

    /// The weight tensors' names and shapes in connection order.
    public var weights: [(name: String, shape: [Int])] { connections.compactMap { c in c.name.map { ($0, c.shape) } } }
}
