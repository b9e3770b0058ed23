/// Which channels of each group structured pruning keeps: in every group the ⌊r·C⌉ lowest-scored
/// channels (C = the group's width, r the ratio, rounded half away from zero) are removed and the
/// rest kept in their original order. Ties keep the lower channel index first, so the selection
/// is a pure function of the weights (no seed).
public struct StructuredSelection: Sendable, Equatable {
    /// Per group, in `ChannelGroup.groups` order: the producer's module, its width before
    /// pruning, and the kept channel indices (ascending).
    public let names: [String]
    public let widths: [Int]
    public let channels: [[Int]]

    /// The selection for `groups` by `criterion`, removing the share `ratio` in [0, 1) of each
    /// group's channels. A ratio that would remove every channel of a group is refused, naming it.
    public static func select(_ groups: [ChannelGroup], criterion: any StructuredCriterion, ratio: Double) throws(PruningError) -> StructuredSelection {
        guard ratio >= 0 && ratio < 1 else { throw .invalid("the structured ratio must be in [0, 1), got \(ratio)") }
        guard !groups.isEmpty else { throw .invalid("the model has no channel group to prune (no layer whose outputs feed only the next layer)") }
        var channels: [[Int]] = []
        for g in groups {
            let removed = Int((ratio * Double(g.width)).rounded())
            guard removed < g.width else {
                throw .invalid("ratio \(ratio) removes all \(g.width) channels of \(g.name) (round(\(ratio) × \(g.width)) = \(removed)); a ratio must stay below (C − 0.5)/C = \((Double(g.width) - 0.5) / Double(g.width)) to keep one")
            }
            let s = try criterion.scores(g)
            precondition(s.count == g.width, "structured criterion \(criterion.name): \(s.count) scores for \(g.width) channels of \(g.name)")
            if let bad = s.firstIndex(where: { !$0.isFinite }) {
                throw .nonFinite(criterion: criterion.name, tensor: g.name, entry: bad, value: s[bad])
            }
            let order = s.indices.sorted { (s[$0], -$0) > (s[$1], -$1) }   // best first, lower index first on ties
            channels.append(order.prefix(g.width - removed).sorted())
        }
        return StructuredSelection(names: groups.map(\.name), widths: groups.map(\.width), channels: channels)
    }
}
