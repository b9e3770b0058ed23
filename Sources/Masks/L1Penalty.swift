import Foundation
import TensorCore
import Stats
import Layers
import Options

/// `l1`: sparsity from an L1 penalty λ‖W‖₁ on the masked tensors (added to the mean training
/// loss), applied *proximally*: after every optimiser step each masked weight is soft-thresholded,
///
///     w ← sign(w) · max(|w| − lr·λ, 0)         (lr: the step's learning rate)
///
/// so weights the data does not hold away from zero become exactly 0 (a subgradient λ·sign(w)
/// in the loss would only make them oscillate around it). The optimiser's momentum and weight
/// decay act on the data gradient as usual; a zeroed weight can grow back if its gradient pushes
/// it past the threshold. At the end of the run's last step the weights are thresholded once more
/// to the target sparsity s (`l1.targetSparsity`): the smallest |w| are zeroed so that each tensor
/// (layerwise) or all masked tensors together (`magnitudeScope global`) keep round((1 − s)·n),
/// through `MaskBuilder` with the magnitude criterion, ties kept by lower index; s = 0 (default)
/// keeps the proximal zeros only. When the proximal step already zeroed more than s, the
/// threshold changes nothing. `sparsity.csv` logs the sparsity at every epoch's end (the
/// last one: before the threshold) and after it (`final`).
///
/// Extra memory: 1 float per masked weight (`MaskSet.multipliers`, the 0/1 mask of the nonzero
/// weights that `masks.csv` counts); the proximal step itself works in place.
public final class L1Penalty: LearnedSparsity {
    public let name = "l1"
    public let config: MaskConfig
    /// λ (≥ 0): the penalty's weight on the mean loss.
    public let lambda: Double
    /// The sparsity the final threshold reaches at least, in [0, 1).
    public let targetSparsity: Double
    private var rows: [MaskLogRow] = []

    public init(config: MaskConfig) throws(MaskError) {
        self.config = config
        lambda = Self.lambdaSetting.value(in: config)
        targetSparsity = Self.targetSetting.value(in: config)
        guard lambda >= 0, lambda.isFinite else { throw .invalidOption("\(Self.lambdaSetting.key) must be finite and ≥ 0, got \(lambda)") }
        guard targetSparsity >= 0, targetSparsity < 1 else {
            throw .invalidOption("\(Self.targetSetting.key) must be in [0, 1) (the share of masked weights set to zero at the end), got \(targetSparsity)")
        }
    }

    public var logFiles: [String] { [SparsityLog.file] }

    public func takeLogRows() -> [MaskLogRow] {
        defer { rows = [] }
        return rows
    }

    public func start(_ run: MaskRun, restored: [HookState]?) throws(MaskError) {
        let masks = run.masks
        for i in masks.parameters.indices { masks.markNonzero(i, weights: masks.parameters[i].value) }
    }

    /// Counts the nonzero weights the step starts from (`masks.csv`).
    public func beforeForward(_ step: TrainingStep, run: MaskRun) {
        let masks = run.masks
        for i in masks.parameters.indices { masks.markNonzero(i, weights: masks.parameters[i].value) }
    }

    public func afterOptimizerStep(_ step: TrainingStep, run: MaskRun) {
        let t = Float(Double(step.learningRate) * lambda)
        guard t > 0 else { return }
        for p in run.parameters { Self.softThreshold(p.value.pointer, by: t, count: p.value.count) }
    }

    /// w ← sign(w)·max(|w| − t, 0) in place (t ≥ 0).
    static func softThreshold(_ w: UnsafeMutablePointer<Float>, by t: Float, count n: Int) {
        let box = UncheckedSendable(w)
        Parallel.forEachChunk(n) { _, r in
            let w = box.value
            for j in r {
                let a = abs(w[j]) - t
                w[j] = a > 0 ? (w[j] > 0 ? a : -a) : 0
            }
        }
    }

    public func recordEpoch(_ epoch: Int, iteration: Int, last: Bool, run: MaskRun) {
        let masks = run.masks
        appendRows(iteration: iteration, epoch: epoch, stage: "epoch", masks: masks)
        guard last else { return }
        if targetSparsity > 0 { threshold(run) }
        appendRows(iteration: iteration, epoch: epoch, stage: "final", masks: masks)
    }

    /// Zeroes the smallest |w| so that the target sparsity is reached (see the type's comment).
    private func threshold(_ run: MaskRun) {
        let network = run.network, seed = run.seed, parameters = run.parameters
        let streams = RandomStreams(seed: seed)
        do {
            let rule = try CriterionRegistry.make("magnitude")
            let scoring = ScoringContext(network: network, parameters: parameters) { streams.stream(.pruning, parameters[$0].index) }
            let plan = PruningPlan(scope: config.magnitudeScope, amount: .keep(1 - targetSparsity), output: config.keepOutput.map { .keep($0) })
            let mask = try MaskBuilder.build(rule, context: scoring, plan: plan, seed: seed, step: 0, indexOrder: .lowerKeptFirst)
            for i in parameters.indices {
                mask[i].withUnsafeBufferPointer { m in
                    MaskKernels.multiplyInPlace(parameters[i].value.pointer, by: m.baseAddress!, count: m.count)
                }
            }
        } catch {
            // Magnitude scores fail only on non-finite weights, which the trainer's finiteness check reports.
            return
        }
    }

    private func appendRows(iteration: Int, epoch: Int, stage: String, masks: MaskSet) {
        var penalty: [Double] = []
        for i in masks.parameters.indices {
            masks.markNonzero(i, weights: masks.parameters[i].value)
            penalty.append(masks.parameters[i].value.buffer.reduce(0.0) { $0 + Double(abs($1)) })
        }
        rows += SparsityLog.rows(iteration: iteration, epoch: epoch, stage: stage, masks: masks, kept: masks.keptCounts, penalty: penalty)
    }

    public static let entry = MaskSamplerEntry(name: "l1", summary: "L1 penalty λ‖W‖₁ applied proximally (soft-threshold after each step), then a final magnitude threshold to --l1-target-sparsity",
                                               reads: ["exclude", "magnitudeScope", "keepOutput", "l1"]) { c throws(MaskError) in
        try L1Penalty(config: c)
    }
}

// MARK: - Options

extension L1Penalty {
    static var lambdaSetting: SamplerSetting<Double> {
        SamplerSetting("l1.lambda", formerKey: "l1Lambda", flag: "l1-lambda", .double, .atLeast(0), default: 1e-4,
                       help: "l1: penalty weight λ on the mean loss; each step soft-thresholds the masked weights by lr·λ.")
    }
    static var targetSetting: SamplerSetting<Double> {
        SamplerSetting("l1.targetSparsity", formerKey: "l1TargetSparsity", flag: "l1-target-sparsity", .double, .from(0, below: 1), default: 0,
                       help: "l1: share of masked weights zeroed at least by the final magnitude threshold (0 = the proximal zeros only).")
    }
    public static var options: [ConfigOption<MaskConfig>] { [lambdaSetting.option, targetSetting.option] }
}
