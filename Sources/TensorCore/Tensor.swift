/// A view of contiguous `Float`s with a shape: a pointer and an inline `Shape`, so copying or
/// reshaping one never allocates.
///
/// A `Tensor` does not own its memory: it points into a `TensorStorage` (or another buffer) that
/// must outlive it. Layers keep their buffers' storages; the parameter store keeps the weights'.
///
/// The raw pointer (`pointer`, `buffer`, the pointer initialiser) is `package`-scoped: MaskLab's own
/// targets use it in their kernels; code outside the package sees values, shapes and copies only.
public struct Tensor: @unchecked Sendable {
    @usableFromInline package let pointer: UnsafeMutablePointer<Float>
    public var shape: Shape

    @usableFromInline package init(_ pointer: UnsafeMutablePointer<Float>, _ shape: Shape) {
        self.pointer = pointer
        self.shape = shape
    }

    /// Number of elements.
    @inlinable public var count: Int { shape.count }

    /// The elements as a mutable buffer (valid while the owning storage lives).
    @inlinable package var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer, count: shape.count)
    }

    /// The same memory with another shape of equal element count.
    public func reshaped(_ s: Shape) -> Tensor {
        precondition(s.count == count, "cannot reshape \(shape) to \(s)")
        return Tensor(pointer, s)
    }

    /// The first `n` entries of the outermost dimension (a smaller final batch).
    @inlinable public func batch(_ n: Int) -> Tensor {
        precondition(n <= shape[0], "batch \(n) exceeds capacity \(shape[0])")
        return Tensor(pointer, shape.withBatch(n))
    }

    /// Entry `i` of the outermost dimension (e.g. one image of a batch).
    public func row(_ i: Int) -> Tensor {
        precondition(i >= 0 && i < shape[0], "row \(i) out of range for \(shape)")
        var s = shape
        s[0] = 1
        return Tensor(pointer + i * shape.rowSize, s)
    }

    /// Element at a flat index.
    @inlinable public subscript(i: Int) -> Float {
        get { pointer[i] }
        nonmutating set { pointer[i] = newValue }
    }

    /// A copy of the elements as an array (allocates; for tests and reports).
    public func toArray() -> [Float] { Array(buffer) }

    /// Copies `values` in (their count must equal `count`).
    public func copy(from values: [Float]) {
        precondition(values.count == count, "copy of \(values.count) values into \(shape)")
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: count) }
    }

    /// Copies another tensor's elements in (same count).
    public func copy(from other: Tensor) {
        precondition(other.count == count, "copy of \(other.shape) into \(shape)")
        pointer.update(from: other.pointer, count: count)
    }

    /// Sets every element to `value`.
    public func fill(_ value: Float) { pointer.update(repeating: value, count: count) }
}
