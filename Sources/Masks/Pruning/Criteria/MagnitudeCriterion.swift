/// `magnitude`: s = |w| (the weights as they are: trained for IMP, initial for a mask at the
/// start of training). Ties break by flat index, as MaskLab's magnitude masks always have.
public struct MagnitudeCriterion: PruningCriterion {
    public let name = "magnitude"
    public var breaksTiesByIndex: Bool { true }
    public var needsData: Bool { false }

    public init() {}

    public func scores(_ context: ScoringContext) throws(PruningError) -> [[Float]] {
        context.parameters.indices.map { context.maskedWeights($0).map(abs) }
    }

    public static let entry = CriterionEntry(name: "magnitude", summary: "|w| (Han et al. 2015; IMP, Frankle & Carbin 2019)") { _ in MagnitudeCriterion() }
}
