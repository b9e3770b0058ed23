import Options
import Layers

/// One entry of the optimiser registry: a name and how to build it from a config.
public struct OptimizerEntry: Sendable {
    public let name: String
    public let summary: String
    /// The `OptimizerConfig` keys this optimiser reads besides the ones every optimiser reads
    /// (`name`, `learningRate`, `weightDecay`, `decayNormAndBias`); the others it ignores.
    public let reads: [String]
    public let build: @Sendable (_ store: ParameterStore, _ config: OptimizerConfig) throws(OptimizerError) -> any Optimizer

    public init(name: String, summary: String, reads: [String],
                build: @escaping @Sendable (_ store: ParameterStore, _ config: OptimizerConfig) throws(OptimizerError) -> any Optimizer) {
        self.name = name
        self.summary = summary
        self.reads = reads
        self.build = build
    }
}

/// Every optimiser MaskLab can build, by name. A new optimiser is one file plus one line here.
public enum OptimizerRegistry {
    public static let entries: [OptimizerEntry] = [
        OptimizerEntry(name: "sgd", summary: "SGD with momentum, dampening, Nesterov, L2 weight decay (torch.optim.SGD)",
                       reads: ["momentum", "dampening", "nesterov"]) { s, c throws(OptimizerError) in
            try SGD(store: s, momentum: c.momentum, dampening: c.dampening, nesterov: c.nesterov,
                    weightDecay: c.weightDecay ?? 0, decayNormAndBias: c.decayNormAndBias)
        },
        OptimizerEntry(name: "adam", summary: "Adam with L2 weight decay in the gradient (torch.optim.Adam)",
                       reads: ["beta1", "beta2", "epsilon"]) { s, c throws(OptimizerError) in
            try Adam(store: s, beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon,
                     weightDecay: c.weightDecay ?? 0, decayNormAndBias: c.decayNormAndBias)
        },
        OptimizerEntry(name: "adamw", summary: "Adam with decoupled weight decay (torch.optim.AdamW)",
                       reads: ["beta1", "beta2", "epsilon"]) { s, c throws(OptimizerError) in
            try AdamW.make(store: s, beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon,
                           weightDecay: c.weightDecay ?? 0.01, decayNormAndBias: c.decayNormAndBias)
        },
    ]

    /// Registered names, in registry order.
    public static var names: [String] { entries.map(\.name) }

    /// Which variant-specific settings each optimiser reads (`unreadKeys(of:)`, `readers(of:)`).
    public static var settingReaders: SettingReaders { SettingReaders(entries.map { ($0.name, $0.reads) }) }

    /// Builds optimiser `config.name` over `store`; unknown names fail with the valid ones.
    public static func make(_ config: OptimizerConfig, store: ParameterStore) throws(OptimizerError) -> any Optimizer {
        guard let e = entries.first(where: { $0.name == config.name }) else {
            throw .unknown(name: config.name, valid: names)
        }
        guard config.learningRate >= 0, config.learningRate.isFinite else {
            throw .invalidHyperparameter(optimizer: config.name, message: "learning rate must be finite and ≥ 0, got \(config.learningRate)")
        }
        return try e.build(store, config)
    }
}
