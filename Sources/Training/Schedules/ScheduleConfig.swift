/// The learning-rate schedule of a run and its parameters (each schedule reads its own fields;
/// missing keys decode to the defaults shown).
public struct ScheduleConfig: Codable, Sendable, Equatable {
    /// Registry name: "constant", "step", "multistep", "cosine" or "onecycle".
    public var name: String = "constant"
    /// step: multiply by `gamma` every `stepEpochs` epochs.
    public var stepEpochs: Int = 30
    /// step, multistep: the factor applied at each drop.
    public var gamma: Float = 0.1
    /// multistep: epochs (0-based) at whose start the rate drops.
    public var milestones: [Int] = []
    /// cosine: the final rate η_min.
    public var minimumLearningRate: Float = 0
    /// Linear warm-up over the first `warmupIterations` iterations (0 = none), starting at
    /// `warmupStartFactor` × the wrapped schedule's rate. Applies to any schedule.
    public var warmupIterations: Int = 0
    public var warmupStartFactor: Float = 1.0 / 3.0
    /// onecycle: share of the run spent increasing the rate, and the divisors of max_lr.
    public var pctStart: Double = 0.3
    public var divFactor: Double = 25
    public var finalDivFactor: Double = 1e4

    public init(name: String = "constant", stepEpochs: Int = 30, gamma: Float = 0.1, milestones: [Int] = [],
                minimumLearningRate: Float = 0, warmupIterations: Int = 0, warmupStartFactor: Float = 1.0 / 3.0,
                pctStart: Double = 0.3, divFactor: Double = 25, finalDivFactor: Double = 1e4) {
        self.name = name
        self.stepEpochs = stepEpochs
        self.gamma = gamma
        self.milestones = milestones
        self.minimumLearningRate = minimumLearningRate
        self.warmupIterations = warmupIterations
        self.warmupStartFactor = warmupStartFactor
        self.pctStart = pctStart
        self.divFactor = divFactor
        self.finalDivFactor = finalDivFactor
    }

    private enum CodingKeys: String, CodingKey {
        case name, stepEpochs, gamma, milestones, minimumLearningRate, warmupIterations, warmupStartFactor
        case pctStart, divFactor, finalDivFactor
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ScheduleConfig()
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? d.name
        stepEpochs = try c.decodeIfPresent(Int.self, forKey: .stepEpochs) ?? d.stepEpochs
        gamma = try c.decodeIfPresent(Float.self, forKey: .gamma) ?? d.gamma
        milestones = try c.decodeIfPresent([Int].self, forKey: .milestones) ?? d.milestones
        minimumLearningRate = try c.decodeIfPresent(Float.self, forKey: .minimumLearningRate) ?? d.minimumLearningRate
        warmupIterations = try c.decodeIfPresent(Int.self, forKey: .warmupIterations) ?? d.warmupIterations
        warmupStartFactor = try c.decodeIfPresent(Float.self, forKey: .warmupStartFactor) ?? d.warmupStartFactor
        pctStart = try c.decodeIfPresent(Double.self, forKey: .pctStart) ?? d.pctStart
        divFactor = try c.decodeIfPresent(Double.self, forKey: .divFactor) ?? d.divFactor
        finalDivFactor = try c.decodeIfPresent(Double.self, forKey: .finalDivFactor) ?? d.finalDivFactor
    }
}
