import Foundation
import TensorCore
import Layers

/// A mask sampler whose sparsity training learns: an L1 penalty with a proximal step (`l1`),
/// hard-concrete L0 gates (`l0`), sparse variational dropout (`vd`). It uses the step points of
/// `MaskSampler` like this (the family's defaults in brackets):
///
///     hook init          declareParameters(for:): its per-weight trainable tensors, if any
///     runStart           start: initial values, or the restored state
///     beforeForward      draw this step's noise, write the forward weights (`forwardWeights`)
///     forward/backward   read the forward weights; p.grad ← ∂L/∂(forward weights)
///     afterBackward      p.grad ← ∂L/∂W (+ penalty), its own tensors' gradients [nothing: the
///                        gradients are not masked]
///     optimiser steps    the model's, then the trainer's optimiser for its tensors
///     afterOptimizerStep proximal steps, clamps
///     epochEnd           [`recordEpoch`: log the sparsity; at the run's last step make it
///                        permanent; then `mask_analytics.csv` of that final mask]
///     evaluation         evaluationWeights: the weights a test pass reads
///
/// It keeps `MaskSet.multipliers` at the 0/1 mask its weights have at evaluation (what
/// `mask_analytics.csv` describes at the end) and `keptCounts` at this step's kept entries
/// (logged to `masks.csv`). Its own random draws come from the hook's mask stream
/// (`MaskSet.random`), which checkpoints carry; its trainable tensors are checkpointed by the
/// trainer. After `recordEpoch(last: true)` the weights themselves are the sparse network (a
/// checkpoint evaluates the same without the hook) and evaluation weights are the weights.
public protocol LearnedSparsity: MaskSampler {
    /// After the last step of epoch `epoch` (0-based), at `iteration`: appends its sparsity rows
    /// (`takeLogRows`); when `last` (the run's final step) makes the sparsity permanent in the weights.
    func recordEpoch(_ epoch: Int, iteration: Int, last: Bool, run: MaskRun)
}

extension LearnedSparsity {
    /// The gradients are the method's own (written in its `afterBackward`, if any), never masked.
    public func afterBackward(_ step: TrainingStep, run: MaskRun) {}

    public func epochEnd(_ epoch: Int, iteration: Int, last: Bool, run: MaskRun) {
        recordEpoch(epoch, iteration: iteration, last: last, run: run)
        // The final mask is described once; a folder that cannot take it still has the run's other logs.
        if last { try? run.writeAnalytics() }
    }
}

/// The log of a learned-sparsity run (`sparsity.csv`): at every epoch's end and once more after
/// the final step, per masked tensor and for all, the entries kept at evaluation and the
/// method's penalty on the tensor (unscaled: Σ|w| for l1, the expected number of open gates
/// Σ P(z ≠ 0) for l0, the KL approximation Σ KL for vd).
public struct SparsityLog {
    public static let file = "sparsity.csv"
    static let header = "iteration,epoch,stage,tensor,entries,kept,sparsity,penalty"

    /// Rows for `stage` ("epoch" or "final"): one per tensor (kept counts and penalties in
    /// mask order) and one for all.
    static func rows(iteration: Int, epoch: Int, stage: String, masks: MaskSet, kept: [Int], penalty: [Double]) -> [MaskLogRow] {
        var out: [MaskLogRow] = []
        var entries = 0, total = 0, sum = 0.0
        func row(_ name: String, _ n: Int, _ k: Int, _ pen: Double) -> MaskLogRow {
            MaskLogRow(file: file, header: header, key: iteration, line:
                "\(iteration),\(epoch + 1),\(stage),\(name),\(n),\(k),\(String(format: "%.6f", 1 - Double(k) / Double(max(n, 1)))),\(String(format: "%.6g", pen))")
        }
        for i in masks.parameters.indices {
            let n = masks.parameters[i].shape.count
            entries += n
            total += kept[i]
            sum += penalty[i]
            out.append(row(masks.parameters[i].name, n, kept[i], penalty[i]))
        }
        out.append(row("all", entries, total, sum))
        return out
    }
}

extension MaskSet {
    /// Sets the multipliers of parameter `i` to 1 where `weights` is nonzero and 0 elsewhere,
    /// and its kept count to the number of ones (the mask a sparse tensor has at evaluation).
    func markNonzero(_ i: Int, weights: Tensor) {
        let m = multipliers(i).pointer, w = weights.pointer
        var k = 0
        for j in 0..<weights.count {
            let on = w[j] != 0
            m[j] = on ? 1 : 0
            k += on ? 1 : 0
        }
        keptCounts[i] = k
        expectedKeptCounts[i] = Double(k)
    }
}

/// The per-weight tensors of a gated or noisy method (l0, vd), one slice per masked parameter:
/// its own trainable tensor `<weight name>.<suffix>` (in a store of its own, which the trainer
/// optimises), this step's draws per entry (l0: the concrete sample s; vd: the noise ε), and the
/// forward (or evaluation) weights that `scope` puts in place of the masked parameters.
final class PerWeightTensors {
    let store: ParameterStore
    /// The trainable tensor of each masked parameter, in mask order.
    let own: [Parameter]
    let offsets: [Int]
    let scope: EffectiveWeights
    private let drawStorage: TensorStorage
    private let weightStorage: TensorStorage

    init(masked: [Parameter], suffix: String) {
        let b = ParameterBuilder()
        for p in masked { _ = b.parameter(p.name, suffix, shape: p.shape, role: .weight, initializer: .constant(0)) }
        store = b.finish()
        own = store.parameters
        var offs: [Int] = [], total = 0
        for p in masked {
            offs.append(total)
            total += p.shape.count
        }
        offsets = offs
        drawStorage = TensorStorage(count: store.count)
        let w = TensorStorage(count: store.count)
        weightStorage = w
        scope = EffectiveWeights(masked, masked.indices.map { w.tensor(masked[$0].shape, offset: offs[$0]) })
    }

    /// This step's draws of masked parameter `i`.
    func draws(_ i: Int) -> UnsafeMutablePointer<Float> { drawStorage.base + offsets[i] }
    /// The forward weights of masked parameter `i`.
    func weights(_ i: Int) -> UnsafeMutablePointer<Float> { weightStorage.base + offsets[i] }
}
