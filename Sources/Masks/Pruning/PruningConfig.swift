import Options

/// Options of the pruning criteria (the object under "pruning" in a run's masks and in
/// lottery.json). The property initialisers are the defaults; each criterion declares the
/// options it reads in its own file and lists them on its registry line.
public struct PruningConfig: Sendable, Equatable {
    /// Training batches that data-driven criteria (snip, grasp, obd, importance) score on.
    public var batches: Int = 1
    /// SynFlow: prune-and-rescore rounds (exponential schedule of the kept share).
    public var synflowRounds: Int = 100
    /// GraSP: the temperature T dividing the logits in both passes (Wang et al.'s code: 200).
    public var graspTemperature: Double = 200

    public init() {}

    /// Options every criterion shares, keys relative to "pruning".
    public static var commonOptions: [ConfigOption<PruningConfig>] { [
        .value("batches", \.batches, flag: "criterion-batches", .int, .within(1, 1000),
               help: "Training batches that data-driven criteria (snip, grasp, obd, importance) score on."),
    ] }

    /// Every criterion option: the common ones and those each registered criterion declares.
    public static var options: [ConfigOption<PruningConfig>] { commonOptions + CriterionRegistry.entries.flatMap(\.options) }

    /// A message naming the first invalid setting, or nil.
    public func validationError() -> String? {
        if batches < 1 { return "the criterion batches must be ≥ 1, got \(batches)" }
        if synflowRounds < 1 { return "the SynFlow rounds must be ≥ 1, got \(synflowRounds)" }
        if !(graspTemperature > 0) { return "the GraSP temperature must be > 0, got \(graspTemperature)" }
        return nil
    }
}
