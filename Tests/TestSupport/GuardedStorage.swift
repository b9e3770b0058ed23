import XCTest
import TensorCore

/// A kernel's buffer with 256 sentinel floats after its `count` floats, to catch writes past its
/// end: the floats are filled with a value (NaN for outputs and workspaces, so that unwritten
/// entries show), the sentinels with a NaN of a payload no kernel produces.
public final class GuardedStorage {
    /// Sentinel floats after the buffer.
    public static let guardFloats = 256
    /// The sentinel: a quiet NaN with payload 0x1234.
    public static let sentinel = Float(bitPattern: 0x7fc0_1234)

    /// Floats of the buffer proper.
    public let count: Int
    private let storage: TensorStorage

    /// `count` floats of `value`, then the sentinels.
    public init(count: Int, filling value: Float) {
        self.count = count
        storage = TensorStorage(count: count + Self.guardFloats)
        storage.base.update(repeating: value, count: count)
        (storage.base + count).update(repeating: Self.sentinel, count: Self.guardFloats)
    }

    /// The buffer's first float.
    public var base: UnsafeMutablePointer<Float> { storage.base }

    /// The buffer's floats (without the sentinels).
    public var values: [Float] { Array(UnsafeBufferPointer(start: storage.base, count: count)) }

    /// Fails, naming `what` and the offset, for every sentinel that was overwritten.
    public func assertIntact(_ what: String, file: StaticString = #filePath, line: UInt = #line) {
        for i in 0..<Self.guardFloats {
            XCTAssertEqual(storage.base[count + i].bitPattern, Self.sentinel.bitPattern, "wrote past \(what) at +\(i)", file: file, line: line)
        }
    }
}
