/// The optimiser of a run and its hyperparameters, with PyTorch's defaults where they exist.
///
/// Each optimiser reads the fields it uses: SGD reads `momentum`, `dampening`, `nesterov`;
/// Adam/AdamW read `beta1`, `beta2`, `epsilon`; all read `learningRate` (the base rate the
/// schedule scales; the peak rate for one-cycle), `weightDecay` and `decayNormAndBias`.
/// Missing keys decode to the defaults, so a config file names only what it changes.
public struct OptimizerConfig: Codable, Sendable, Equatable {
    /// Registry name: "sgd", "adam" or "adamw".
    public var name: String = "sgd"
    /// Base learning rate (per step).
    public var learningRate: Float = 0.1
    public var momentum: Float = 0
    public var dampening: Float = 0
    public var nesterov: Bool = false
    /// L2 (SGD, Adam) or decoupled (AdamW) weight decay λ. Nil means the optimiser's PyTorch
    /// default: 0, or 0.01 for AdamW.
    public var weightDecay: Float? = nil
    /// False exempts biases and BatchNorm γ/β from weight decay.
    public var decayNormAndBias: Bool = true
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8

    public init(name: String = "sgd", learningRate: Float = 0.1, momentum: Float = 0, dampening: Float = 0,
                nesterov: Bool = false, weightDecay: Float? = nil, decayNormAndBias: Bool = true,
                beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
        self.name = name
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        self.decayNormAndBias = decayNormAndBias
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    private enum CodingKeys: String, CodingKey {
        case name, learningRate, momentum, dampening, nesterov, weightDecay, decayNormAndBias, beta1, beta2, epsilon
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = OptimizerConfig()
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? d.name
        learningRate = try c.decodeIfPresent(Float.self, forKey: .learningRate) ?? d.learningRate
        momentum = try c.decodeIfPresent(Float.self, forKey: .momentum) ?? d.momentum
        dampening = try c.decodeIfPresent(Float.self, forKey: .dampening) ?? d.dampening
        nesterov = try c.decodeIfPresent(Bool.self, forKey: .nesterov) ?? d.nesterov
        weightDecay = try c.decodeIfPresent(Float.self, forKey: .weightDecay)
        decayNormAndBias = try c.decodeIfPresent(Bool.self, forKey: .decayNormAndBias) ?? d.decayNormAndBias
        beta1 = try c.decodeIfPresent(Float.self, forKey: .beta1) ?? d.beta1
        beta2 = try c.decodeIfPresent(Float.self, forKey: .beta2) ?? d.beta2
        epsilon = try c.decodeIfPresent(Float.self, forKey: .epsilon) ?? d.epsilon
    }
}
