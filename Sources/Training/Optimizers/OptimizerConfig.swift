import Options

/// The optimiser of a run and its hyperparameters. The property initialisers are MaskLab's
/// defaults (the default job's SGD with Nesterov momentum 0.9, rate 0.05, weight decay 1e-4),
/// whatever the entry point; `options` declares each key's flag, help and valid range.
///
/// Each optimiser reads the fields it uses: SGD reads `momentum`, `dampening`, `nesterov`;
/// Adam/AdamW read `beta1`, `beta2`, `epsilon`; all read `learningRate` (the base rate the
/// schedule scales; the peak rate for one-cycle), `weightDecay` and `decayNormAndBias`.
public struct OptimizerConfig: Sendable, Equatable {
    /// Registry name: see `OptimizerRegistry.names`.
    public var name: String = "sgd"
    /// Base learning rate (per step).
    public var learningRate: Float = 0.05
    public var momentum: Float = 0.9
    public var dampening: Float = 0
    public var nesterov: Bool = true
    /// L2 (SGD, Adam) or decoupled (AdamW) weight decay λ. Nil means the optimiser's PyTorch
    /// default: 0, or 0.01 for AdamW.
    public var weightDecay: Float? = 1e-4
    /// False exempts biases and BatchNorm γ/β from weight decay.
    public var decayNormAndBias: Bool = true
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8

    /// The defaults, with the given fields replaced (nil = keep the default).
    public init(name: String? = nil, learningRate: Float? = nil, momentum: Float? = nil, dampening: Float? = nil,
                nesterov: Bool? = nil, weightDecay: Float?? = nil, decayNormAndBias: Bool? = nil,
                beta1: Float? = nil, beta2: Float? = nil, epsilon: Float? = nil) {
        if let name { self.name = name }
        if let learningRate { self.learningRate = learningRate }
        if let momentum { self.momentum = momentum }
        if let dampening { self.dampening = dampening }
        if let nesterov { self.nesterov = nesterov }
        if let weightDecay { self.weightDecay = weightDecay }
        if let decayNormAndBias { self.decayNormAndBias = decayNormAndBias }
        if let beta1 { self.beta1 = beta1 }
        if let beta2 { self.beta2 = beta2 }
        if let epsilon { self.epsilon = epsilon }
    }

    /// The options, keys relative to "optimizer".
    public static var options: [ConfigOption<OptimizerConfig>] { [
        .value("name", \.name, flag: "optimizer", .string(names: OptimizerRegistry.names), .oneOf(OptimizerRegistry.names),
               help: "Optimiser."),
        .value("learningRate", \.learningRate, flag: "lr", .float, .atLeast(0), help: "Base learning rate (the peak for onecycle); 0 freezes the weights, as in PyTorch."),
        .value("momentum", \.momentum, flag: "momentum", .float, .from(0, below: 1), help: "SGD momentum."),
        .value("dampening", \.dampening, flag: "dampening", .float, .within(0, 1), help: "SGD dampening."),
        .value("nesterov", \.nesterov, flag: "nesterov", .bool, help: "Nesterov momentum (SGD)."),
        .optional("weightDecay", \.weightDecay, flag: "weight-decay", .float, .atLeast(0),
                  help: "Weight decay (L2 for sgd/adam, decoupled for adamw); none = the optimiser's PyTorch default, 0 (adamw 0.01)."),
        .value("decayNormAndBias", \.decayNormAndBias, flag: "decay-norm-bias", .bool,
               help: "Apply weight decay to biases and BatchNorm γ/β too (--no-decay-norm-bias exempts them)."),
        .value("beta1", \.beta1, flag: "beta1", .float, .from(0, below: 1), help: "Adam β1."),
        .value("beta2", \.beta2, flag: "beta2", .float, .from(0, below: 1), help: "Adam β2."),
        .value("epsilon", \.epsilon, flag: "epsilon", .float, .above(0), help: "Adam ε."),
    ] }
}

extension OptimizerConfig {
    /// The keys (relative to "optimizer") of the settings this config's optimiser ignores:
    /// Adam's β and ε under SGD, SGD's momentum, dampening and Nesterov under Adam/AdamW, and
    /// the `idleKeys` its own values leave unread.
    public var unreadKeys: [String] { OptimizerRegistry.settingReaders.unreadKeys(of: name) + idleKeys.map(\.key) }

    /// Settings the chosen optimiser reads only under other values of this config, each with the
    /// reason: SGD's `dampening` with momentum 0 (no momentum buffer; as torch.optim.SGD).
    public var idleKeys: [(key: String, reason: String)] {
        name == "sgd" && momentum == 0 ? [("dampening", "SGD dampens only a momentum buffer, and momentum is 0 (--momentum)")] : []
    }

    /// This config with every setting its optimiser ignores put back to MaskLab's default, so
    /// two configs that train alike compare equal (e.g. Adam recorded with momentum 0 and with
    /// the default 0.9: a resume's configuration check compares these).
    public var readSettings: OptimizerConfig {
        OptionTable(Self.options).resetting(unreadKeys, in: self, to: OptimizerConfig())
    }
}
