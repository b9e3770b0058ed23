import Foundation
import TensorCore
import Stats
import Layers
import Options

/// `vd`: sparse variational dropout (Molchanov, Ashukha & Vetrov 2017, "Variational dropout
/// sparsifies deep neural networks") on the masked weights, with the additive
/// reparameterisation: each weight has a mean θ (the model's weight itself) and its own
/// trainable log σ²; α = σ²/θ², so
///
///     log α = clip(log σ² − log θ², −8, 8)               (the authors' clip)
///     −KL ≈ k₁·σ(k₂ + k₃ log α) − ½ log(1 + 1/α) − k₁,   k₁ = 0.63576, k₂ = 1.87320, k₃ = 1.48695
///     loss = mean CE + (r_t/N) · Σ KL                    (the ELBO divided by N, the training-set size)
///
/// r_t, the KL weight, is 0 before epoch `vd.klStart`, rises linearly to 1 at epoch `vd.klFull`
/// and stays 1 (the authors' `rw_linear`: 5 and 20).
///
/// **No local reparameterisation.** MaskLab's layer path lets a hook replace a layer's weights
/// (`EffectiveWeights`) but not add noise to its pre-activations, so the local
/// reparameterisation trick (sampling x·θ + √(x²·σ²)·ε per example) is not available. Each step
/// draws one weight noise ε ~ N(0, 1) per weight, shared by the batch:
///
///     s = |θ|·exp(log α / 2)   (= σ where log α is not clipped)
///     forward weights m ⊙ (θ + s·ε),   m = [log α < 3] with `vd.trainClip` (the authors' LeNet
///     setting: weights already past the threshold are off in training), else m = 1
///
/// an unbiased but higher-variance estimator of the same objective. Gradients (G = ∂CE/∂(forward
/// weights)), where log α is not clipped: ∂/∂θ = m·G + (r_t/N)·KL'(log α)·(−2/θ),
/// ∂/∂log σ² = m·G·ε·s/2 + (r_t/N)·KL'(log α); where it is clipped (s = |θ|·e^{±4}):
/// ∂/∂θ = m·G·(1 + ε·sign(θ)·e^{log α/2}), ∂/∂log σ² = 0, as automatic differentiation of the
/// authors' expression gives. log σ² starts at `vd.logSigma2Init` (−10, theirs).
///
/// Evaluation reads θ ⊙ [log α < 3] (weights with log α ≥ 3 are pruned); at the end of the run's
/// last step θ ← θ ⊙ [log α < 3], so the checkpoint is the sparse network.
///
/// Extra memory per masked weight: 5 floats (log σ², its gradient, the noise ε, the forward
/// weights, the mask multipliers) plus the optimiser's slots for log σ² (Adam 2).
public final class VariationalDropout: LearnedSparsity {
    public let name = "vd"
    public let config: MaskConfig
    public let logSigma2Init: Double
    public let klStart: Int, klFull: Int
    public let trainClip: Bool
    public static let k1 = 0.63576, k2 = 1.87320, k3 = 1.48695
    /// log α is clipped to ±this; weights with log α ≥ `pruneThreshold` are pruned.
    public static let clip = 8.0, pruneThreshold = 3.0

    private var logSigma2: [Parameter] = []
    /// The trainable tensors, this step's draws and the forward weights.
    private var tensors: PerWeightTensors?
    private var trainingSize = 1
    /// r_t/N for the step in progress.
    private var klScale = 0.0
    private var finished = false
    private var rows: [MaskLogRow] = []

    public init(config: MaskConfig) throws(MaskError) {
        self.config = config
        logSigma2Init = Self.initSetting.value(in: config)
        klStart = Self.klStartSetting.value(in: config)
        klFull = Self.klFullSetting.value(in: config)
        trainClip = Self.trainClipSetting.value(in: config)
        guard logSigma2Init.isFinite else { throw .invalidOption("\(Self.initSetting.key) must be finite, got \(logSigma2Init)") }
        guard klStart >= 0, klFull >= klStart else {
            throw .invalidOption("the KL weight ramp needs 0 ≤ \(Self.klStartSetting.key) ≤ \(Self.klFullSetting.key) (epochs), got \(klStart) and \(klFull)")
        }
    }

    public var logFiles: [String] { [SparsityLog.file] }

    public func takeLogRows() -> [MaskLogRow] {
        defer { rows = [] }
        return rows
    }

    public func declareParameters(for masked: [Parameter]) -> ParameterStore? {
        let t = PerWeightTensors(masked: masked, suffix: "log_sigma2")
        tensors = t
        logSigma2 = t.own
        return t.store
    }

    public func forwardWeights(_ run: MaskRun) -> EffectiveWeights { tensors?.scope ?? .none }

    public func start(_ run: MaskRun, restored: [HookState]?) throws(MaskError) {
        guard tensors != nil else { throw .state("vd: the log σ² parameters were not declared (the hook makes them)") }
        let masks = run.masks
        trainingSize = run.trainingSize
        if let restored {
            finished = try restored.integers("finished").first == 1
        } else {
            for p in logSigma2 { p.value.fill(Float(logSigma2Init)) }
            finished = false
        }
        for i in masks.parameters.indices { markKept(i, masks: masks) }
    }

    public func state(_ run: MaskRun) -> [HookState] { [HookState(name: "finished", .integers([finished ? 1 : 0]))] }

    /// r_t: the KL weight in epoch `epoch` (0-based).
    public func klWeight(epoch: Int) -> Double {
        if epoch < klStart { return 0 }
        if epoch >= klFull { return 1 }
        return Double(epoch - klStart) / Double(klFull - klStart)
    }

    // MARK: - Per weight

    /// log α (clipped) and whether the clip was active, from θ and log σ².
    @inline(__always)
    static func logAlpha(theta: Float, logSigma2: Float) -> (value: Float, clipped: Bool) {
        let raw = logSigma2 - log(theta * theta), c = Float(clip)   // θ = 0: +∞, clipped
        if raw >= c { return (c, true) }
        if raw <= -c { return (-c, true) }
        return (raw, false)
    }

    /// KL(log α) of the paper's approximation (≥ 0 up to its fit error).
    static func kl(_ a: Double) -> Double { -(k1 * L0Gates.sigmoid(k2 + k3 * a) - 0.5 * log1p(exp(-a)) - k1) }

    /// dKL/d log α = −k₁k₃·σ'(k₂ + k₃ log α) − ½σ(−log α), with α = exp(log α) given.
    @inline(__always)
    static func klDerivative(_ a: Float, alpha: Float) -> Float {
        let t = L0Gates.sigmoid(Float(k2) + Float(k3) * a)
        return -Float(k1 * k3) * t * (1 - t) - 0.5 / (1 + alpha)
    }

    // MARK: - Step

    /// Draws ε for every weight (index order, one stream) and writes m ⊙ (θ + s·ε).
    public func beforeForward(_ step: TrainingStep, run: MaskRun) {
        guard let tensors else { return }
        let masks = run.masks
        finished = false
        klScale = klWeight(epoch: step.epoch) / Double(trainingSize)
        let rng = masks.random
        for i in masks.parameters.indices {
            let w = masks.parameters[i].value.pointer, ls = logSigma2[i].value.pointer
            let eps = tensors.draws(i), e = tensors.weights(i)
            var kept = 0
            for j in 0..<masks.parameters[i].shape.count {
                let (a, _) = Self.logAlpha(theta: w[j], logSigma2: ls[j])
                let on = a < Float(Self.pruneThreshold)
                kept += on ? 1 : 0
                let n = Float(rng.gaussian())
                eps[j] = n
                let s = abs(w[j]) * exp(a / 2)
                e[j] = trainClip && !on ? 0 : w[j] + s * n
            }
            masks.keptCounts[i] = kept
            masks.expectedKeptCounts[i] = Double(kept)
        }
    }

    /// G in p.grad: writes ∂/∂log σ² and turns G into ∂/∂θ, KL terms included.
    public func afterBackward(_ step: TrainingStep, run: MaskRun) {
        guard let tensors else { return }
        let masks = run.masks
        let c = Float(klScale), threshold = Float(Self.pruneThreshold), clip = trainClip
        for i in masks.parameters.indices {
            let p = masks.parameters[i]
            let w = p.value.pointer, gw = p.grad.pointer, ls = logSigma2[i].value.pointer, gs = logSigma2[i].grad.pointer
            let eps = tensors.draws(i)
            for j in 0..<p.shape.count {
                let (a, clipped) = Self.logAlpha(theta: w[j], logSigma2: ls[j])
                let g: Float = clip && a >= threshold ? 0 : gw[j], n = eps[j], half = exp(a / 2)
                if clipped {
                    let sign: Float = w[j] > 0 ? 1 : w[j] < 0 ? -1 : 0
                    gw[j] = g * (1 + n * sign * half)
                } else {
                    let d = c * Self.klDerivative(a, alpha: half * half)
                    gw[j] = g + d * (-2 / w[j])
                    gs[j] += g * n * abs(w[j]) * half / 2 + d
                }
            }
        }
    }

    /// The scaled penalty (r_t/N)·Σ KL of the step in progress (for checks).
    func penalty(masks: MaskSet) -> Double {
        var sum = 0.0
        for i in masks.parameters.indices {
            let w = masks.parameters[i].value, ls = logSigma2[i].value
            for j in 0..<w.count { sum += Self.kl(Double(Self.logAlpha(theta: w[j], logSigma2: ls[j]).value)) }
        }
        return klScale * sum
    }

    // MARK: - Evaluation and the end

    public func evaluationWeights(_ run: MaskRun) -> EffectiveWeights {
        guard !finished, let tensors else { return .none }
        let masks = run.masks
        for i in masks.parameters.indices {
            let w = masks.parameters[i].value.pointer, ls = logSigma2[i].value.pointer, e = tensors.weights(i)
            for j in 0..<masks.parameters[i].shape.count {
                e[j] = Self.logAlpha(theta: w[j], logSigma2: ls[j]).value < Float(Self.pruneThreshold) ? w[j] : 0
            }
        }
        return tensors.scope
    }

    public func recordEpoch(_ epoch: Int, iteration: Int, last: Bool, run: MaskRun) {
        let masks = run.masks
        appendRows(iteration: iteration, epoch: epoch, stage: "epoch", masks: masks)
        guard last else { return }
        for i in masks.parameters.indices {
            let w = masks.parameters[i].value.pointer, ls = logSigma2[i].value.pointer
            for j in 0..<masks.parameters[i].shape.count where Self.logAlpha(theta: w[j], logSigma2: ls[j]).value >= Float(Self.pruneThreshold) {
                w[j] = 0
            }
        }
        finished = true
        appendRows(iteration: iteration, epoch: epoch, stage: "final", masks: masks)
    }

    /// Multipliers and kept count of parameter `i`: 1 where log α < 3.
    private func markKept(_ i: Int, masks: MaskSet) {
        let w = masks.parameters[i].value.pointer, ls = logSigma2[i].value.pointer, m = masks.multipliers(i).pointer
        var k = 0
        for j in 0..<masks.parameters[i].shape.count {
            let on = Self.logAlpha(theta: w[j], logSigma2: ls[j]).value < Float(Self.pruneThreshold)
            m[j] = on ? 1 : 0
            k += on ? 1 : 0
        }
        masks.keptCounts[i] = k
        masks.expectedKeptCounts[i] = Double(k)
    }

    private func appendRows(iteration: Int, epoch: Int, stage: String, masks: MaskSet) {
        var penalty: [Double] = []
        for i in masks.parameters.indices {
            markKept(i, masks: masks)
            let w = masks.parameters[i].value.pointer, ls = logSigma2[i].value.pointer
            var sum = 0.0
            for j in 0..<masks.parameters[i].shape.count { sum += Self.kl(Double(Self.logAlpha(theta: w[j], logSigma2: ls[j]).value)) }
            penalty.append(sum)
        }
        rows += SparsityLog.rows(iteration: iteration, epoch: epoch, stage: stage, masks: masks, kept: masks.keptCounts, penalty: penalty)
    }

    public static let entry = MaskSamplerEntry(name: "vd", summary: "sparse variational dropout (Molchanov et al. 2017): additive log σ², KL approximation, weight noise per step, prune log α ≥ 3",
                                               reads: ["exclude", "vd"]) { c throws(MaskError) in
        try VariationalDropout(config: c)
    }
}

// MARK: - Options

extension VariationalDropout {
    static var initSetting: SamplerSetting<Double> {
        SamplerSetting("vd.logSigma2Init", formerKey: "vdLogSigma2Init", flag: "vd-log-sigma2-init", .double, default: -10,
                       help: "vd: initial log σ² of every masked weight.")
    }
    static var klStartSetting: SamplerSetting<Int> {
        SamplerSetting("vd.klStart", formerKey: "vdKLStart", flag: "vd-kl-start", .int, .atLeast(0), default: 5,
                       help: "vd: the KL weight is 0 in epoch indices below this one, counted from 0 (index 0 is the epoch printed as 1), then rises linearly to 1 at index --vd-kl-full.")
    }
    static var klFullSetting: SamplerSetting<Int> {
        SamplerSetting("vd.klFull", formerKey: "vdKLFull", flag: "vd-kl-full", .int, .atLeast(0), default: 20,
                       help: "vd: the epoch index, counted from 0 (printed epoch − 1), from which the KL weight is 1 (≥ --vd-kl-start).")
    }
    static var trainClipSetting: SamplerSetting<Bool> {
        SamplerSetting("vd.trainClip", formerKey: "vdTrainClip", flag: "vd-train-clip", .bool, default: true,
                       help: "vd: weights with log α ≥ 3 are off in training too (the authors' LeNet setting).")
    }
    public static var options: [ConfigOption<MaskConfig>] {
        [initSetting.option, klStartSetting.option, klFullSetting.option, trainClipSetting.option]
    }
}
