/// One tensor of a pruning mask as the analytics see it: the weight's PyTorch name, its shape
/// and, per entry (row-major, the parameter's layout), whether the weight is kept.
public struct BinaryMask: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    /// One flag per entry: true = kept, false = pruned.
    public var kept: [Bool]

    public init(name: String, shape: [Int], kept: [Bool]) {
        precondition(shape.reduce(1, *) == kept.count, "mask \(name): shape \(shape) holds \(shape.reduce(1, *)) entries, got \(kept.count) flags")
        self.name = name
        self.shape = shape
        self.kept = kept
    }

    /// From multipliers (0 = pruned, anything else = kept), e.g. a `MaskSet` slice or a mask file's F32 values.
    public init<C: Collection>(name: String, shape: [Int], multipliers: C) where C.Element == Float {
        self.init(name: name, shape: shape, kept: multipliers.map { $0 != 0 })
    }

    public var entries: Int { kept.count }
    public var keptCount: Int { kept.reduce(0) { $0 + ($1 ? 1 : 0) } }
}

extension MaskSet {
    /// The current multipliers of every masked parameter as binary masks (nonzero = kept).
    public func binaryMasks() -> [BinaryMask] {
        parameters.indices.map { i in BinaryMask(name: parameters[i].name, shape: parameters[i].shape.dims, multipliers: multipliers(i).buffer) }
    }
}
