/// The shape of a tensor: up to four dimensions stored inline, so making one never allocates.
///
/// Dimensions are outermost first (PyTorch order): a batch of images is `[N, C, H, W]`, a
/// linear weight `[out, in]`, a batch of features `[N, F]`.
public struct Shape: Equatable, Hashable, Sendable, CustomStringConvertible {
    public private(set) var rank: Int
    @usableFromInline var d0: Int, d1: Int, d2: Int, d3: Int

    /// A shape from its dimensions (0 to 4 of them, each ≥ 0).
    public init(_ dims: Int...) { self.init(dims) }

    /// A shape from an array of dimensions (0 to 4 of them, each ≥ 0).
    public init(_ dims: [Int]) {
        precondition(dims.count <= 4, "Shape supports rank ≤ 4, got \(dims)")
        precondition(dims.allSatisfy { $0 >= 0 }, "negative dimension in \(dims)")
        rank = dims.count
        d0 = dims.count > 0 ? dims[0] : 1
        d1 = dims.count > 1 ? dims[1] : 1
        d2 = dims.count > 2 ? dims[2] : 1
        d3 = dims.count > 3 ? dims[3] : 1
    }

    /// Dimension `i` (0-based, outermost first).
    @inlinable public subscript(i: Int) -> Int {
        get {
            precondition(i >= 0 && i < rank, "dimension \(i) out of range for rank \(rank)")
            switch i { case 0: return d0; case 1: return d1; case 2: return d2; default: return d3 }
        }
        set {
            precondition(i >= 0 && i < rank, "dimension \(i) out of range for rank \(rank)")
            switch i { case 0: d0 = newValue; case 1: d1 = newValue; case 2: d2 = newValue; default: d3 = newValue }
        }
    }

    /// The number of elements (1 for a scalar shape).
    @inlinable public var count: Int { d0 * d1 * d2 * d3 }

    /// The dimensions as an array (allocates; not for hot loops).
    public var dims: [Int] { (0..<rank).map { self[$0] } }

    /// Elements per entry of the outermost dimension (`count / self[0]`).
    @inlinable public var rowSize: Int { rank == 0 ? 1 : d1 * d2 * d3 }

    /// The same shape with the outermost (batch) dimension replaced.
    @inlinable public func withBatch(_ n: Int) -> Shape {
        var s = self
        s[0] = n
        return s
    }

    public var description: String { "[" + dims.map(String.init).joined(separator: ", ") + "]" }
}
