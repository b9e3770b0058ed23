/// Which settings of a config record each variant of a registry reads, e.g. SGD reads
/// `momentum` and Adam `beta1`, or the importance sampler every key under `importance`: the
/// settings some variant reads and another ignores, and which ones a given variant ignores (so
/// they can be refused when given, or left out of comparisons). One mechanism for the optimiser,
/// schedule and mask registries.
///
/// A read key that names a group ("importance") stands for every key under it
/// ("importance.eta", "importance.steps.max").
public struct SettingReaders: Sendable {
    /// Variant name → the keys (relative to the record) it reads among the variant-specific ones.
    public let reads: [(name: String, keys: [String])]
    /// The keys the variants are judged on; nil: the union of `reads` (the keys not listed by
    /// any variant are then common, read by all).
    public let candidates: [String]?

    /// - Parameters:
    ///   - reads: each variant's read keys (groups allowed).
    ///   - candidates: every key a variant may ignore, when a variant can ignore even the
    ///     settings no variant lists (the mask sampler `none` reads nothing, not even `keep`).
    public init(_ reads: [(name: String, keys: [String])], candidates: [String]? = nil) {
        self.reads = reads
        self.candidates = candidates
    }

    /// Whether a read entry (a key, or a group naming every key under it) covers `key`.
    public static func covers(_ read: String, _ key: String) -> Bool {
        key == read || key.hasPrefix(read + ".")
    }

    /// The keys variants are judged on, in declaration order: `candidates`, or the union of `reads`.
    public var specificKeys: [String] {
        if let candidates { return candidates }
        var seen = Set<String>()
        return reads.flatMap(\.keys).filter { seen.insert($0).inserted }
    }

    /// Whether variant `name` reads `key` (true for an unknown name: nothing is refused for it).
    public func reads(_ name: String, _ key: String) -> Bool {
        guard let own = reads.first(where: { $0.name == name })?.keys else { return true }
        return own.contains { Self.covers($0, key) }
    }

    /// The keys of `specificKeys` that variant `name` ignores ([] for an unknown name).
    public func unreadKeys(of name: String) -> [String] {
        specificKeys.filter { !reads(name, $0) }
    }

    /// The variants that read `key`, in declaration order.
    public func readers(of key: String) -> [String] {
        reads.filter { $0.keys.contains { Self.covers($0, key) } }.map(\.name)
    }
}
