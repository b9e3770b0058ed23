/// A way of ranking the channels of a `ChannelGroup` for structured pruning: one score per
/// channel, larger = more worth keeping. `StructuredSelection` turns the scores into the kept
/// channels; the criterion never decides counts.
///
/// A sibling of `PruningCriterion` rather than one of its kind: those score every weight of the
/// masked tensors and feed `MaskBuilder`, these score whole channels of a group and decide a
/// smaller architecture. A new criterion is one file (a type with a static `entry`) plus one line
/// in `StructuredCriterionRegistry`.
public protocol StructuredCriterion {
    /// The registry name.
    var name: String { get }
    /// One score per channel of `group` (`group.width` entries).
    func scores(_ group: ChannelGroup) throws(PruningError) -> [Float]
}

/// One entry of the structured criterion registry.
public struct StructuredCriterionEntry: Sendable {
    public let name: String
    public let summary: String
    public let make: @Sendable () -> any StructuredCriterion
}
