/// An owned, 64-byte aligned, zero-initialised block of `Float`s; the only way TensorCore allocates.
///
/// Layers allocate their activation and gradient buffers once, when the model is prepared for a
/// batch size; parameters, gradients and optimiser state each live in one `TensorStorage`. Views
/// (`Tensor`) into a storage are valid while the storage is alive.
public final class TensorStorage: @unchecked Sendable {
    /// Total bytes held by all live storages in this process (for the benchmark's memory report).
    nonisolated(unsafe) public private(set) static var liveBytes: Int = 0
    /// Number of storages ever allocated (tests use it to check that a training step allocates none).
    nonisolated(unsafe) public private(set) static var allocationCount: Int = 0

    /// The first element (`package`: only MaskLab's own targets touch raw memory).
    package let base: UnsafeMutablePointer<Float>
    public let count: Int

    /// Allocates `count` floats, all zero.
    public init(count: Int) {
        precondition(count >= 0, "negative storage size \(count)")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        raw.initializeMemory(as: Float.self, repeating: 0, count: max(count, 1))
        base = raw.assumingMemoryBound(to: Float.self)
        TensorStorage.liveBytes += count * 4
        TensorStorage.allocationCount += 1
    }

    deinit {
        TensorStorage.liveBytes -= count * 4
        base.deallocate()
    }

    /// A view of the whole storage with the given shape (`shape.count` must fit).
    public func tensor(_ shape: Shape, offset: Int = 0) -> Tensor {
        precondition(offset >= 0 && offset + shape.count <= count,
                     "view \(shape) at offset \(offset) exceeds storage of \(count)")
        return Tensor(base + offset, shape)
    }
}
