/// Li et al. (2017, "Pruning Filters for Efficient ConvNets"): the L1 norm of each filter,
/// Σ |W[c, i, kh, kw]| over a convolution's row c (for a linear layer, Σ_i |W[c, i]|, the unit's
/// incoming weights); the bias is not counted. Data-free.
public struct L1FilterCriterion: StructuredCriterion {
    public let name = "l1-filter"

    public init() {}

    public func scores(_ group: ChannelGroup) throws(PruningError) -> [Float] {
        let w = group.producer.value, c = group.width, row = w.count / c
        return (0..<c).map { ch in
            var s: Float = 0
            for j in 0..<row { s += abs(w[ch * row + j]) }
            return s
        }
    }

    public static let entry = StructuredCriterionEntry(
        name: "l1-filter", summary: "L1 norm of each filter / unit's weights (Li et al. 2017)") { L1FilterCriterion() }
}
