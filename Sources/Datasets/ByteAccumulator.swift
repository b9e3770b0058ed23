/// A growable byte buffer filled by `memcpy`, for assembling file contents from chunks.
///
/// `Array.append(contentsOf:)` is fast in release builds but goes element by element through
/// the generic path in debug builds (≈ 40 s for CIFAR-10's 184 MB); this keeps debug builds
/// and tests quick.
final class ByteAccumulator {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 1 << 16) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// Appends `bytes`, growing geometrically.
    func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        if count + bytes.count > capacity {
            var newCapacity = capacity * 2
            while newCapacity < count + bytes.count { newCapacity *= 2 }
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            grown.update(from: base, count: count)
            base.deallocate()
            base = grown
            capacity = newCapacity
        }
        (base + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    /// A copy of the bytes as an array.
    func toArray() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialised in
            if count > 0 { buffer.baseAddress!.update(from: base, count: count) }
            initialised = count
        }
    }
}

/// `bytes[range]` as a new array, copied with `memcpy` (see `ByteAccumulator` on debug builds).
func copyBytes(_ bytes: [UInt8], _ range: Range<Int>) -> [UInt8] {
    bytes.withUnsafeBufferPointer { src in
        [UInt8](unsafeUninitializedCapacity: range.count) { dst, initialised in
            if range.count > 0 { dst.baseAddress!.update(from: src.baseAddress! + range.lowerBound, count: range.count) }
            initialised = range.count
        }
    }
}
