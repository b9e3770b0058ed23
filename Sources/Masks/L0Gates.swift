import Foundation
import TensorCore
import Stats
import Layers
import Options

/// `l0`: a hard-concrete gate on every masked weight (Louizos, Welling & Kingma 2018, "Learning
/// sparse neural networks through L0 regularization"), with its own trainable log α.
///
/// Training (one gate sample per weight per step, the paper's `sample_weights` path), with
/// β = 2/3, γ = −0.1, ζ = 1.1 and u ~ U(ε, 1 − ε), ε = 1e-6 from the mask stream:
///
///     s = σ((log u − log(1 − u) + log α) / β)
///     z = min(1, max(0, s·(ζ − γ) + γ))                 exact zeros and ones
///     forward weights W ⊙ z
///     loss = mean CE + (λ/N) · Σ σ(log α − β·log(−γ/ζ))   (expected L0 = Σ P(z ≠ 0))
///
/// N is the training-set size (or iterations per epoch × batch size without one), as in the
/// authors' code, where the L0 term is divided by N. Gradients (G = ∂CE/∂(W ⊙ z)):
/// ∂/∂W = G·z; ∂/∂log α = G·W·∂z/∂log α + (λ/N)·σ'(log α − β log(−γ/ζ)), with
/// ∂z/∂log α = (ζ − γ)·s(1 − s)/β where 0 < z < 1 and 0 where the gate is clamped. After every
/// step log α is clamped to [log 0.01, log 100] (the authors' `constrain_parameters`).
/// log α starts at N(log(1 − d) − log d, 0.01²), d = `l0.droprateInit`, from stream
/// (seed, masks, 1, parameter index). Evaluation reads the deterministic gates
/// ẑ = min(1, max(0, σ(log α)(ζ − γ) + γ)), i.e. W ⊙ ẑ; a weight is pruned where ẑ = 0, which
/// `sparsity.csv` counts. At the end of the run's last step W ← W ⊙ ẑ, so the checkpoint is the
/// sparse network.
///
/// Differences from the paper: gates per weight (the paper's MLP code gates input units), no
/// L2 term weighted by the gates (use the optimiser's weight decay, which acts on W alone), no
/// parameter averaging. log α is trained by the run's optimiser kind without weight decay.
///
/// Extra memory per masked weight: 5 floats (log α, its gradient, the sample s, the forward
/// weights W ⊙ z, the mask multipliers) plus the optimiser's slots for log α (Adam 2, SGD with
/// momentum 1).
public final class L0Gates: LearnedSparsity {
    public let name = "l0"
    public let config: MaskConfig
    /// λ (≥ 0): the weight of the expected L0 norm, divided by N.
    public let lambda: Double
    /// Initial drop rate d of the gates, in (0, 1).
    public let droprateInit: Double
    public static let beta = 2.0 / 3.0, gamma = -0.1, zeta = 1.1, epsilon = 1e-6
    /// log α is clamped to this range after every step.
    public static let logAlphaRange: ClosedRange<Float> = log(0.01)...log(100)

    /// log α of each masked parameter (views into `store`).
    private var logAlpha: [Parameter] = []
    /// The step's samples s, then the forward (or evaluation) weights, per masked entry.
    /// The trainable tensors, this step's draws and the forward weights.
    private var tensors: PerWeightTensors?
    /// λ/N.
    private var penaltyScale = 0.0
    /// True once the last step made the gates permanent (evaluation reads the weights).
    private var finished = false
    private var rows: [MaskLogRow] = []

    public init(config: MaskConfig) throws(MaskError) {
        self.config = config
        lambda = Self.lambdaSetting.value(in: config)
        droprateInit = Self.droprateSetting.value(in: config)
        guard lambda >= 0, lambda.isFinite else { throw .invalidOption("\(Self.lambdaSetting.key) must be finite and ≥ 0, got \(lambda)") }
        guard droprateInit > 0, droprateInit < 1 else { throw .invalidOption("\(Self.droprateSetting.key) must be in (0, 1), got \(droprateInit)") }
    }

    public var logFiles: [String] { [SparsityLog.file] }

    public func takeLogRows() -> [MaskLogRow] {
        defer { rows = [] }
        return rows
    }

    public func declareParameters(for masked: [Parameter]) -> ParameterStore? {
        let t = PerWeightTensors(masked: masked, suffix: "log_alpha")
        tensors = t
        logAlpha = t.own
        return t.store
    }

    public func forwardWeights(_ run: MaskRun) -> EffectiveWeights { tensors?.scope ?? .none }

    public func start(_ run: MaskRun, restored: [HookState]?) throws(MaskError) {
        guard tensors != nil else { throw .state("l0: the gate parameters were not declared (the hook makes them)") }
        let masks = run.masks
        penaltyScale = lambda / Double(run.trainingSize)
        if let restored {
            finished = try restored.integers("finished").first == 1
        } else {
            let mean = log(1 - droprateInit) - log(droprateInit)
            let streams = RandomStreams(seed: run.seed)
            for (i, p) in masks.parameters.enumerated() {
                let rng = streams.stream(.masks, 1, p.index)
                let a = logAlpha[i].value
                for j in 0..<a.count { a[j] = Float(mean + rng.gaussian(sigma: 0.01)) }
            }
            finished = false
        }
        for i in masks.parameters.indices { countOpenGates(i, masks: masks) }
    }

    public func state(_ run: MaskRun) -> [HookState] { [HookState(name: "finished", .integers([finished ? 1 : 0]))] }

    // MARK: - Step

    /// Draws u for every gate (index order, one stream) and writes s and W ⊙ z.
    public func beforeForward(_ step: TrainingStep, run: MaskRun) {
        guard let tensors else { return }
        let masks = run.masks
        finished = false
        let rng = masks.random
        let b = Float(Self.beta), eps = Self.epsilon
        for i in masks.parameters.indices {
            let w = masks.parameters[i].value.pointer, a = logAlpha[i].value.pointer
            let s = tensors.draws(i), e = tensors.weights(i)
            var open = 0
            for j in 0..<masks.parameters[i].shape.count {
                let u = eps + (1 - 2 * eps) * rng.uniform()
                s[j] = Self.sigmoid((Float(log(u / (1 - u))) + a[j]) / b)
                let z = Self.gate(sample: s[j])
                e[j] = w[j] * z
                open += z > 0 ? 1 : 0
            }
            masks.keptCounts[i] = open
        }
    }

    /// G = ∂CE/∂(W ⊙ z) in p.grad: writes ∂/∂log α (with the penalty) and turns G into G ⊙ z.
    public func afterBackward(_ step: TrainingStep, run: MaskRun) {
        guard let tensors else { return }
        let masks = run.masks
        let b = Float(Self.beta), width = Float(Self.zeta - Self.gamma), g = Float(Self.gamma)
        let c = Float(penaltyScale), shift = Float(Self.shift)
        for i in masks.parameters.indices {
            let p = masks.parameters[i]
            let w = p.value.pointer, gw = p.grad.pointer, a = logAlpha[i].value.pointer, ga = logAlpha[i].grad.pointer
            let s = tensors.draws(i)
            for j in 0..<p.shape.count {
                let sj = s[j], bar = sj * width + g
                let dz = bar > 0 && bar < 1 ? width * sj * (1 - sj) / b : 0
                let q = Self.sigmoid(a[j] - shift)
                ga[j] += gw[j] * w[j] * dz + c * q * (1 - q)
                gw[j] *= Self.gate(sample: sj)
            }
        }
    }

    public func afterOptimizerStep(_ step: TrainingStep, run: MaskRun) {
        let r = Self.logAlphaRange
        for a in logAlpha {
            let v = a.value.pointer
            for j in 0..<a.value.count { v[j] = min(r.upperBound, max(r.lowerBound, v[j])) }
        }
    }

    /// The scaled penalty (λ/N)·Σ σ(log α − β log(−γ/ζ)) the step's loss adds (for checks).
    func penalty() -> Double {
        penaltyScale * logAlpha.reduce(0.0) { s, a in a.value.buffer.reduce(s) { $0 + Self.openProbability($1) } }
    }

    /// The gate z of entry `j` of masked parameter `i` in the step in progress.
    func gate(_ i: Int, _ j: Int) -> Float {
        guard let tensors else { return 0 }
        return Self.gate(sample: tensors.draws(i)[j])
    }

    // MARK: - Evaluation and the end

    /// ẑ = min(1, max(0, σ(log α)(ζ − γ) + γ)).
    static func deterministicGate(_ logAlpha: Float) -> Float { gate(sample: sigmoid(logAlpha)) }

    /// z = min(1, max(0, s(ζ − γ) + γ)) of a concrete sample s.
    @inline(__always)
    static func gate(sample s: Float) -> Float { min(1, max(0, s * Float(zeta - gamma) + Float(gamma))) }

    /// β·log(−γ/ζ): P(z ≠ 0) = σ(log α − shift).
    static let shift = beta * log(-gamma / zeta)

    /// P(z ≠ 0) = σ(log α − β log(−γ/ζ)), in double (logs and checks).
    static func openProbability(_ logAlpha: Float) -> Double { sigmoid(Double(logAlpha) - shift) }

    public func evaluationWeights(_ run: MaskRun) -> EffectiveWeights {
        guard !finished, let tensors else { return .none }
        let masks = run.masks
        for i in masks.parameters.indices {
            let w = masks.parameters[i].value.pointer, a = logAlpha[i].value.pointer, e = tensors.weights(i)
            for j in 0..<masks.parameters[i].shape.count { e[j] = w[j] * Self.deterministicGate(a[j]) }
        }
        return tensors.scope
    }

    public func recordEpoch(_ epoch: Int, iteration: Int, last: Bool, run: MaskRun) {
        let masks = run.masks
        appendRows(iteration: iteration, epoch: epoch, stage: "epoch", masks: masks)
        guard last else { return }
        for i in masks.parameters.indices {
            let w = masks.parameters[i].value.pointer, a = logAlpha[i].value.pointer
            for j in 0..<masks.parameters[i].shape.count { w[j] *= Self.deterministicGate(a[j]) }
        }
        finished = true
        appendRows(iteration: iteration, epoch: epoch, stage: "final", masks: masks)
    }

    /// Sets the multipliers and kept count of parameter `i` from the deterministic gates (ẑ > 0).
    private func countOpenGates(_ i: Int, masks: MaskSet) {
        let a = logAlpha[i].value.pointer, m = masks.multipliers(i).pointer
        var k = 0
        for j in 0..<logAlpha[i].value.count {
            let open = Self.deterministicGate(a[j]) > 0 && (!finished || masks.parameters[i].value[j] != 0)
            m[j] = open ? 1 : 0
            k += open ? 1 : 0
        }
        masks.keptCounts[i] = k
        masks.expectedKeptCounts[i] = Double(k)
    }

    private func appendRows(iteration: Int, epoch: Int, stage: String, masks: MaskSet) {
        var penalty: [Double] = []
        for i in masks.parameters.indices {
            countOpenGates(i, masks: masks)
            penalty.append(logAlpha[i].value.buffer.reduce(0.0) { $0 + Self.openProbability($1) })
            masks.expectedKeptCounts[i] = penalty[i]   // masks.csv: the expected number of open gates in training
        }
        rows += SparsityLog.rows(iteration: iteration, epoch: epoch, stage: stage, masks: masks, kept: masks.keptCounts, penalty: penalty)
    }

    static func sigmoid(_ x: Double) -> Double { x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)) }
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float { x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)) }

    public static let entry = MaskSamplerEntry(name: "l0", summary: "hard-concrete L0 gates per weight (Louizos et al. 2018): trained log α, expected-L0 penalty, deterministic gates at test",
                                               reads: ["exclude", "l0"]) { c throws(MaskError) in
        try L0Gates(config: c)
    }
}

// MARK: - Options

extension L0Gates {
    static var lambdaSetting: SamplerSetting<Double> {
        SamplerSetting("l0.lambda", formerKey: "l0Lambda", flag: "l0-lambda", .double, .atLeast(0), default: 0.1,
                       help: "l0: weight λ of the expected L0 norm; the loss adds (λ/N)·Σ P(gate ≠ 0), N the training-set size.")
    }
    static var droprateSetting: SamplerSetting<Double> {
        SamplerSetting("l0.droprateInit", formerKey: "l0DroprateInit", flag: "l0-droprate-init", .double,
                       ValueRange("in (0, 1)") { $0 > 0 && $0 < 1 }, default: 0.5,
                       help: "l0: initial drop rate d of the gates, in (0, 1): log α starts at log(1 − d) − log d (± 0.01).")
    }
    public static var options: [ConfigOption<MaskConfig>] { [lambdaSetting.option, droprateSetting.option] }
}
