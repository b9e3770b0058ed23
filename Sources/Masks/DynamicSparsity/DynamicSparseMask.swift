import Foundation
import TensorCore
import Layers
import Stats
import Options

/// How a dynamic sparse mask picks the weights it regrows, and how its drop fraction evolves.
public enum RegrowthRule: Sendable, Equatable {
    /// SET: uniformly at random (mask stream), constant drop fraction ζ.
    case random
    /// RigL: where the dense gradient |∂L/∂W| of the update step is largest; drop fraction
    /// α/2 · (1 + cos(π s / T_end)) after s completed steps.
    case gradient
}

/// Dynamic sparse training (`set`, `rigl`): a 0/1 mask of constant size per tensor whose
/// positions move during training. At the start each tensor i keeps round(dᵢ·nᵢ) entries chosen
/// uniformly at random (stream (seed, pruning, parameter index)), dᵢ from `LayerDensities`.
/// After every ΔT-th optimiser step while fewer than T_end steps are completed (s = steps done):
///
///     k     = ⌊f(s) · active⌋                     per tensor (f: ζ, or RigL's cosine)
///     drop  the k active entries of smallest |W|  (ties: the higher index goes first)
///     grow  k entries among those now inactive    (the just-dropped included, as RigL's code):
///           random (SET) or largest |g| (RigL; ties: the lower index first)
///
/// Entries that were inactive before and are grown start at W = 0 with zero optimiser state, and
/// dropped entries lose theirs (`MaskRun.restart` of the entries that changed);
/// a just-dropped entry grown again keeps its weight and state. The number of active
/// entries per tensor therefore never changes. Follows `_get_update_op` of google-research/rigl
/// (update after the optimiser step, dense gradient of that step's batch), without its 1e-5 noise
/// on the drop scores (ties broken by index instead). State: the mask (and the hook's mask stream).
/// Between updates it is a `FixedMask` (W ⊙= m after every step; gradients ⊙= m after RigL
/// has read the dense ones in `observeGradients`); an update step prunes once, after the update.
public final class DynamicSparseMask: FixedMask {
    public let name: String
    public let config: MaskConfig
    public let regrowth: RegrowthRule
    /// Per-tensor densities dᵢ (set at start).
    public private(set) var densities: [Double] = []
    /// T_end: completed steps from which on the mask stays fixed (set at start).
    public private(set) var endStep = 0
    /// RigL: |∂L/∂W| of the update step, per masked entry (copied only on update steps).
    private var gradientMagnitudes: TensorStorage?

    public init(config: MaskConfig, name: String, regrowth: RegrowthRule) throws(MaskError) {
        guard config.target == .weights else {
            throw .invalidOption("\(name) prunes the weights it drops, so it needs --mask-target weights (got \(config.target.rawValue))")
        }
        if let m = config.dst.validationError() { throw .invalidOption(m) }
        self.config = config
        self.name = name
        self.regrowth = regrowth
    }

    /// Active entries per tensor (set at start).
    private var counts: [Int] = []

    public func start(_ run: MaskRun, restored: [HookState]?) throws(MaskError) {
        let masks = run.masks
        endStep = config.dst.endStep ?? Int(0.75 * Double(run.totalIterations))
        let parameters = masks.parameters
        densities = try LayerDensities.densities(shapes: parameters.map(\.shape.dims), target: config.keep,
                                                 rule: config.dst.density, denseFirst: config.dst.denseFirst)
        counts = try LayerDensities.counts(densities: densities, sizes: parameters.map(\.shape.count), names: parameters.map(\.name))
        if regrowth == .gradient { gradientMagnitudes = TensorStorage(count: masks.count) }
        try startFixed(run, restored: restored)
    }

    /// round(dᵢ·nᵢ) entries of each tensor, uniformly at random (stream (seed, pruning, parameter index)).
    public func initialMask(_ run: MaskRun) throws(MaskError) {
        let masks = run.masks, parameters = masks.parameters
        let streams = RandomStreams(seed: run.seed)
        let mask = MaskBuilder.randomSubset(sizes: parameters.map(\.shape.count), counts: counts) {
            streams.stream(.pruning, parameters[$0].index)
        }
        for i in parameters.indices { masks.multipliers(i).copy(from: mask[i]) }
    }

    /// The drop fraction of an update after `steps` completed optimiser steps; nil when no update is due.
    public func dropFraction(afterSteps steps: Int) -> Double? {
        guard steps > 0, steps % config.dst.updateEvery == 0, steps < endStep else { return nil }
        let a = config.dst.dropFraction
        switch regrowth {
        case .random: return a
        case .gradient: return a / 2 * (1 + cos(Double.pi * Double(steps) / Double(endStep)))
        }
    }

    /// W ⊙= m as any fixed mask, except on update steps: there `updateMask` moves the mask first
    /// and `MaskRun.restart` prunes once, with the new mask. (Pruning with the old mask first
    /// would change nothing: an inactive weight is already ±0, and W ⊙ m keeps the sign of zero
    /// whether applied once or twice.)
    public func afterOptimizerStep(_ step: TrainingStep, run: MaskRun) {
        guard dropFraction(afterSteps: step.iteration + 1) == nil else { return }
        run.pruneWeights()
    }

    /// RigL, on update steps: keeps |∂L/∂W| of every masked entry for the regrowth.
    public func observeGradients(_ step: TrainingStep, run: MaskRun) {
        guard let g = gradientMagnitudes, dropFraction(afterSteps: step.iteration + 1) != nil else { return }
        let masks = run.masks
        for (i, p) in masks.parameters.enumerated() {
            let src = p.grad.pointer, dst = g.base + masks.offsets[i]
            for j in 0..<p.shape.count { dst[j] = abs(src[j]) }
        }
    }

    /// On update steps: drop and regrow, then restart the entries that changed and apply the new
    /// mask to the weights (`MaskRun.restart`).
    public func updateMask(_ step: TrainingStep, run: MaskRun) {
        guard let f = dropFraction(afterSteps: step.iteration + 1) else { return }
        let masks = run.masks
        let restarted = masks.parameters.indices.map { i -> [Int] in
            let p = masks.parameters[i]
            let m = masks.multipliers(i).pointer, w = p.value.pointer
            let n = p.shape.count
            let active = (0..<n).filter { m[$0] != 0 }
            let k = Int(Double(active.count) * f)
            guard k > 0 else { return [] }
            let dropped = Self.smallest(k, of: active) { abs(w[$0]) }
            for j in dropped { m[j] = 0 }
            let candidates = (0..<n).filter { m[$0] == 0 }
            let grown: [Int]
            switch regrowth {
            case .random:
                grown = Self.randomSubset(k, of: candidates, random: masks.random)
            case .gradient:
                guard let g = gradientMagnitudes?.base else { preconditionFailure("rigl started without its gradient buffer") }
                let offset = masks.offsets[i]
                grown = Self.largest(k, of: candidates) { g[offset + $0] }
            }
            for j in grown { m[j] = 1 }
            // The entries that changed: grown ones that were inactive, dropped ones not grown again.
            let wasDropped = Set(dropped), isGrown = Set(grown)
            return grown.filter { !wasDropped.contains($0) } + dropped.filter { !isGrown.contains($0) }
        }
        run.restart(restarted)
    }

    // MARK: - Selection (plain, used on update steps only)

    /// The `k` entries of `indices` with the smallest score; equal scores take the higher index first.
    static func smallest(_ k: Int, of indices: [Int], score: (Int) -> Float) -> [Int] {
        Array(indices.sorted { a, b in
            let sa = score(a), sb = score(b)
            return sa != sb ? sa < sb : a > b
        }.prefix(k))
    }

    /// The `k` entries of `indices` with the largest score; equal scores take the lower index first.
    static func largest(_ k: Int, of indices: [Int], score: (Int) -> Float) -> [Int] {
        Array(indices.sorted { a, b in
            let sa = score(a), sb = score(b)
            return sa != sb ? sa > sb : a < b
        }.prefix(k))
    }

    /// A uniformly random `k`-subset of `indices` (partial Fisher–Yates on `random`).
    static func randomSubset(_ k: Int, of indices: [Int], random: RandomStream) -> [Int] {
        var pool = indices
        pool.withUnsafeMutableBufferPointer { MaskKernels.partialShuffle($0, first: k, random: random) }
        return Array(pool.prefix(k))
    }
}

// MARK: - Options

extension DynamicSparseMask {
    /// The options of `set` and `rigl`, keys relative to "masks" (under "dst").
    public static var options: [ConfigOption<MaskConfig>] {
        DynamicSparsityConfig.options.map { $0.under("dst", \MaskConfig.dst) }
    }
}
