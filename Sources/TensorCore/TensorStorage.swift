#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An owned, 64-byte aligned, zero-initialised block of `Float`s; the only way TensorCore allocates.
///
/// Layers allocate their activation and gradient buffers once, when the model is prepared for a
/// batch size; parameters, gradients and optimiser state each live in one `TensorStorage`. Views
/// (`Tensor`) into a storage are valid while the storage is alive.
///
/// A storage of at least `lazyThresholdBytes` is an anonymous `mmap`: the kernel hands out zero
/// pages, and a page becomes resident (counts in RSS) only when it is first written. A network
/// prepared for the evaluation batch (1000) but trained on 128 therefore keeps resident only the
/// parts of its buffers that its passes write: the backward's buffers hold 128 images, not 1000.
/// The values computed are the same either way; smaller storages come from the heap, zeroed.
public final class TensorStorage: @unchecked Sendable {
    /// Total bytes held by all live storages in this process (for the benchmark's memory report),
    /// resident or not.
    nonisolated(unsafe) public private(set) static var liveBytes: Int = 0
    /// Number of storages ever allocated (tests use it to check that a training step allocates none).
    nonisolated(unsafe) public private(set) static var allocationCount: Int = 0
    /// Storages of this many bytes or more are mapped lazily (`mmap`) instead of zeroed on the heap.
    public static let lazyThresholdBytes = 1 << 20

    /// The first element (`package`: only MaskLab's own targets touch raw memory).
    package let base: UnsafeMutablePointer<Float>
    public let count: Int
    /// The mapped length in bytes when the storage is an `mmap` (0: heap).
    private let mappedBytes: Int

    /// Allocates `count` floats, all zero.
    public init(count: Int) {
        precondition(count >= 0, "negative storage size \(count)")
        self.count = count
        let bytes = max(count, 1) * 4
        if bytes >= Self.lazyThresholdBytes,
           let mapped = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), mapped != MAP_FAILED {
            // Page-aligned (so 64-byte aligned) and zero-filled by the kernel, untouched until written.
            base = mapped.bindMemory(to: Float.self, capacity: max(count, 1))
            mappedBytes = bytes
        } else {
            let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            raw.initializeMemory(as: Float.self, repeating: 0, count: max(count, 1))
            base = raw.assumingMemoryBound(to: Float.self)
            mappedBytes = 0
        }
        TensorStorage.liveBytes += count * 4
        TensorStorage.allocationCount += 1
    }

    deinit {
        TensorStorage.liveBytes -= count * 4
        if mappedBytes > 0 { munmap(UnsafeMutableRawPointer(base), mappedBytes) } else { base.deallocate() }
    }

    /// Whether the storage is a lazily mapped one (at least `lazyThresholdBytes`).
    public var isMapped: Bool { mappedBytes > 0 }

    /// A view of the whole storage with the given shape (`shape.count` must fit).
    public func tensor(_ shape: Shape, offset: Int = 0) -> Tensor {
        precondition(offset >= 0 && offset + shape.count <= count,
                     "view \(shape) at offset \(offset) exceeds storage of \(count)")
        return Tensor(base + offset, shape)
    }
}
