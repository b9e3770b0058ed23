import TensorCore
import Layers

/// A copy of every parameter value and float buffer of a network (θ0, θk, a level's start),
/// restored by copying back. Counters (`num_batches_tracked`) are set to `counters`.
public struct WeightSnapshot: Sendable, Equatable {
    public var values: [Float]
    public var buffers: [Float]
    public var counters: [Int64]

    /// The current state of `store`.
    public init(_ store: ParameterStore) {
        values = store.values.tensor(Shape(store.count)).toArray()
        buffers = store.bufferValues.tensor(Shape(store.bufferValues.count)).toArray()
        counters = store.counters.map(\.value)
    }

    /// Writes the snapshot back into `store` (which must be the same model).
    public func restore(into store: ParameterStore) {
        precondition(values.count == store.count && buffers.count == store.bufferValues.count && counters.count == store.counters.count,
                     "snapshot of \(values.count) values / \(buffers.count) buffer entries does not fit a store of \(store.count) / \(store.bufferValues.count)")
        store.values.tensor(Shape(store.count)).copy(from: values)
        if !buffers.isEmpty { store.bufferValues.tensor(Shape(buffers.count)).copy(from: buffers) }
        for (c, v) in zip(store.counters, counters) { c.value = v }
    }

    /// The values of parameter `p` in this snapshot.
    public func values(of p: Parameter) -> [Float] { Array(values[p.offset..<(p.offset + p.shape.count)]) }
}
