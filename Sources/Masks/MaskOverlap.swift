/// How much two masks over the same tensors keep the same weights: the Jaccard index of their
/// kept sets, per tensor and over all tensors,
///
///     J(A, B) = |A ∩ B| / |A ∪ B|      (kept entries; 1 = the same weights, 0 = disjoint)
///
/// Two masks that keep nothing are the same set: J = 1 when the union is empty.
public struct MaskOverlap: Sendable, Equatable {
    /// One tensor (or `all`).
    public struct Row: Sendable, Equatable {
        public var name: String
        public var intersection: Int
        public var union: Int
        public var jaccard: Double { union == 0 ? 1 : Double(intersection) / Double(union) }
    }

    /// Per tensor, in the first mask's order.
    public var rows: [Row]
    /// Over all tensors (name `all`).
    public var total: Row

    /// The overlap of `a` and `b`, which must hold the same tensor names with the same shapes
    /// (in any order); else the first difference (in `a`'s order, then `b`'s) is named.
    public init(_ a: [BinaryMask], _ b: [BinaryMask]) throws(MaskAnalyticsError) {
        let second = Dictionary(b.map { ($0.name, $0) }, uniquingKeysWith: { x, _ in x })
        let firstNames = Set(a.map(\.name))
        var out: [Row] = []
        for x in a {
            guard let y = second[x.name], y.shape == x.shape else {
                throw .masksDiffer(tensor: x.name, first: x.shape, second: second[x.name]?.shape)
            }
            var both = 0, either = 0
            for (p, q) in zip(x.kept, y.kept) {
                if p && q { both += 1 }
                if p || q { either += 1 }
            }
            out.append(Row(name: x.name, intersection: both, union: either))
        }
        if let extra = b.first(where: { !firstNames.contains($0.name) }) {
            throw .masksDiffer(tensor: extra.name, first: nil, second: extra.shape)
        }
        rows = out
        total = Row(name: "all", intersection: out.reduce(0) { $0 + $1.intersection }, union: out.reduce(0) { $0 + $1.union })
    }
}
