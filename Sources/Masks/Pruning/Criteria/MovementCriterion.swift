/// `movement`: s = |w − w0|, how far each weight moved from the reference point w0 (θ0, or
/// the rewind point); `movement-signed`: s = w·(w − w0), positive for weights moving away from
/// zero (the first-order movement score of Sanh et al. 2020, S = −Σ_t g·w ≈ w·(w − w0)/lr for
/// SGD; the brief's −w·(w − w0) is the same ranking read as "prune the largest").
public struct MovementCriterion: PruningCriterion {
    public let name: String
    public let signed: Bool
    public var needsData: Bool { false }

    public init(signed: Bool) {
        self.signed = signed
        name = signed ? "movement-signed" : "movement"
    }

    public func scores(_ context: ScoringContext) throws(PruningError) -> [[Float]] {
        guard let w0 = context.reference else {
            throw .needs(criterion: name, what: "a reference point w0", hint: "masklab prune --reference CHECKPOINT, or a lottery level, whose reference is the level's start")
        }
        return context.parameters.indices.map { i in
            let w = context.maskedWeights(i)
            return signed ? zip(w, w0[i]).map { $0 * ($0 - $1) } : zip(w, w0[i]).map { abs($0 - $1) }
        }
    }

    public static let entry = CriterionEntry(name: "movement", summary: "|w − w0|, movement from the reference point") { _ in MovementCriterion(signed: false) }
    public static let signedEntry = CriterionEntry(name: "movement-signed", summary: "w·(w − w0), keeps weights moving away from zero (Sanh et al. 2020)") { _ in
        MovementCriterion(signed: true)
    }
}
