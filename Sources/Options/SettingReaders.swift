/// Which settings of a config record each variant of a registry reads, e.g. SGD reads
/// `momentum` and Adam `beta1`: the settings some variant reads and another ignores, and which
/// ones a given variant ignores (so they can be refused when given, or left out of comparisons).
public struct SettingReaders: Sendable {
    /// Variant name → the keys (relative to the record) it reads among the variant-specific ones.
    public let reads: [(name: String, keys: [String])]

    public init(_ reads: [(name: String, keys: [String])]) { self.reads = reads }

    /// The keys some variant reads, in declaration order (the union of `reads`).
    public var specificKeys: [String] {
        var seen = Set<String>()
        return reads.flatMap(\.keys).filter { seen.insert($0).inserted }
    }

    /// The keys of `specificKeys` that variant `name` ignores ([] for an unknown name).
    public func unreadKeys(of name: String) -> [String] {
        guard let own = reads.first(where: { $0.name == name })?.keys else { return [] }
        return specificKeys.filter { !own.contains($0) }
    }

    /// The variants that read `key`, in declaration order.
    public func readers(of key: String) -> [String] {
        reads.filter { $0.keys.contains(key) }.map(\.name)
    }
}
