import Foundation
import TensorCore
import Layers

/// What one solve did and cost.
public struct SolveReport: Sendable {
    /// Forward/backward passes over the whole network (the gradient g, and joint steps).
    public var fullPasses = 0
    /// Forward passes spent on the diagnostics only (φ before/after on the solve's and the held-out batches).
    public var diagnosticPasses = 0
    /// Passes over part of the network (per-layer steps) and the module-input prefixes they ran.
    public var partialPasses = 0, prefixPasses = 0
    /// Wall time of the solve, seconds; and per target for per-layer solves (its prefix, steps and final loss).
    public var seconds = 0.0
    public var targetSeconds: [Double] = []
    /// The normalisation scale s of ∇φ per target (see `GradientNormalisation`).
    public var scales: [Float] = []
    /// φ on the first batch before the first and after the last step, per target (joint: the same for all).
    public var objectiveBefore: [Double] = [], objectiveAfter: [Double] = []
    /// Diagnostics per target (see `ImportanceSolver.measure`): KL(w_final ‖ w₀) of π = w/n in nats;
    /// φ at w₀ and at w_final, averaged over the solve's batches; the same on the held-out
    /// batch (NaN when there is none). Joint: every target shifted; per layer: the target alone.
    public var klFromStart: [Double] = []
    public var solveBefore: [Double] = [], solveAfter: [Double] = []
    public var heldOutBefore: [Double] = [], heldOutAfter: [Double] = []
    /// Step control per target (see `ImportanceStepControl`): the step size of the last accepted
    /// step (η for `fixed`), the trial steps rejected because the objective rose, and whether the
    /// solve stopped early because no halving of the step lowered it.
    public var finalEta: [Double] = [], rejectedSteps: [Int] = [], stoppedEarly: [Bool] = []
    /// Forward passes spent on trial steps (backtracking only).
    public var trialPasses = 0
}

/// Learns a per-weight importance w ∈ nΔ for each target tensor x by mirror descent on
///
///     φ(w) = L(x − γ·w⊙g),   ∇φ(w) = −γ·g ⊙ ∇L(x − γ·w⊙g),
///
/// with g = ∇L(x) the mean gradient over the solver batches, held fixed during a solve
/// (docs/importance.md). Every pass runs in `.frozenStatistics` mode (batch statistics, running statistics
/// untouched); the shifted weights live in a buffer of the solver that the pass reads through
/// `Network.withEffectiveWeights`, so the weights are never written; the store's gradients are
/// saved before a solve and restored after it, bit for bit.
///
/// - `joint`: per step one forward/backward of the whole network with every target shifted;
///   each target then takes its own step on its own simplex.
/// - `perLayer`: for each target alone (others at x): the input of the top-level module that
///   holds it is cached per batch (one prefix forward each), and every step runs forward from
///   that module and backward back to it, with the module's input gradient switched off.
///
/// Backward passes accumulate the targets' gradients only (`ParameterStore.withGradients`): the
/// other layers' weight-gradient products are skipped, which changes no value the solver reads.
///
/// Memory (allocated once): log-importance, g, shifted weights and ∇φ for the targets (4 × Σn
/// floats), a copy of all gradients, and for `perLayer` one cached activation per batch.
/// Runs outside any other effective-weights scope (the scopes enforce it): x is the weights as
/// trained.
public final class ImportanceSolver {
    public let network: Network
    public let targets: [Parameter]
    public var config: ImportanceConfig
    public let chain: ModuleChain
    /// Offsets of each target in the flat buffers; `totalCount` = Σn.
    public let offsets: [Int]
    public let totalCount: Int
    /// log w for every target (each target's slice sums to n in linear space).
    public let logImportance: TensorStorage
    /// g = ∇L(x) per target (mean over the batches of the last solve).
    public let gradient: TensorStorage
    /// ∇φ of the last pass per target (before normalisation).
    public let phiGradient: TensorStorage
    private let shifted: TensorStorage
    /// log w₀ of the current solve, for KL(w_final ‖ w₀).
    private let startLogImportance: TensorStorage
    private let savedGrads: SavedGradients
    /// log w before the current trial step (backtracking).
    private let previousLogImportance: TensorStorage
    private var activationCache: TensorStorage?
    private var activationStride = 0
    private let modules: [Int]
    /// γ used by the passes of the current solve.
    public var gamma: Float = 0.01

    public init(network: Network, targets: [Parameter], config: ImportanceConfig) {
        precondition(!targets.isEmpty, "importance solver: no target tensors")
        self.network = network
        self.targets = targets
        self.config = config
        chain = ModuleChain(network: network)
        var offs: [Int] = []
        var total = 0
        for t in targets {
            offs.append(total)
            total += t.shape.count
        }
        offsets = offs
        totalCount = total
        logImportance = TensorStorage(count: total)
        gradient = TensorStorage(count: total)
        phiGradient = TensorStorage(count: total)
        shifted = TensorStorage(count: total)
        startLogImportance = TensorStorage(count: total)
        savedGrads = SavedGradients(network.store)
        previousLogImportance = TensorStorage(count: total)
        let chain = self.chain
        modules = targets.map { t in
            guard let m = chain.module(of: t) else { preconditionFailure("importance solver: \(t.name) is read by no top-level module") }
            return m
        }
    }

    // MARK: - Views

    /// log w of target `t`.
    public func logImportance(_ t: Int) -> Tensor { logImportance.tensor(targets[t].shape, offset: offsets[t]) }
    /// g of target `t`.
    public func gradient(_ t: Int) -> Tensor { gradient.tensor(targets[t].shape, offset: offsets[t]) }
    /// ∇φ of target `t` from the last pass.
    public func phiGradient(_ t: Int) -> Tensor { phiGradient.tensor(targets[t].shape, offset: offsets[t]) }
    func shifted(_ t: Int) -> Tensor { shifted.tensor(targets[t].shape, offset: offsets[t]) }

    // MARK: - Solve

    /// Computes g on `batches`, initialises w and runs `config.steps` mirror-descent steps per
    /// target (joint or per layer) with step size γ = `gamma`. Leaves weights and gradients as
    /// they were.
    @discardableResult
    public func solve(on batches: SolverBatches, gamma: Double) -> SolveReport {
        precondition(batches.count > 0, "importance solve without batches")
        let start = DispatchTime.now().uptimeNanoseconds
        self.gamma = Float(gamma)
        var report = SolveReport()
        report.scales = [Float](repeating: 1, count: targets.count)
        report.finalEta = [Double](repeating: config.eta, count: targets.count)
        report.rejectedSteps = [Int](repeating: 0, count: targets.count)
        report.stoppedEarly = [Bool](repeating: false, count: targets.count)
        savedGrads.save()
        computeGradient(on: batches, report: &report)
        for t in targets.indices { initialise(t) }
        startLogImportance.base.update(from: logImportance.base, count: totalCount)
        (report.solveBefore, report.heldOutBefore) = measure(batches, &report)
        switch config.solve {
        case .joint: solveJoint(batches, &report)
        case .perLayer: solvePerLayer(batches, &report)
        }
        (report.solveAfter, report.heldOutAfter) = measure(batches, &report)
        report.klFromStart = targets.indices.map(klFromStart)
        savedGrads.restore()
        report.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        return report
    }

    /// g = mean over the batches of ∇L(x) for every target: one full pass per batch.
    public func computeGradient(on batches: SolverBatches, report: inout SolveReport) {
        gradient.tensor(Shape(totalCount)).fill(0)
        let weight = 1 / Float(batches.count)
        for b in 0..<batches.count {
            network.store.zeroGradients()
            _ = network.store.withGradients(only: targets) { pass(batches, b, from: 0, input: batches.inputs(b)) }
            report.fullPasses += 1
            for t in targets.indices { Elementwise.axpy(weight, targets[t].grad, gradient(t)) }
        }
    }

    /// w₀ of target `t` from g and `config.initialisation`.
    public func initialise(_ t: Int) {
        MirrorDescentSimplex.initialise(logW: logImportance(t).buffer, gradient: UnsafeBufferPointer(gradient(t).buffer),
                                        config.initialisation)
    }

    private func solveJoint(_ batches: SolverBatches, _ report: inout SolveReport) {
        var before = 0.0, after = 0.0
        let all = Array(targets.indices)
        var control = StepSizeControl(eta: config.eta)
        for s in 0..<config.steps {
            let b = s % batches.count
            let loss = objectiveGradient(batches, b, targets: all)
            report.fullPasses += 1
            if s == 0 {
                before = loss
                for t in targets.indices {
                    report.scales[t] = MirrorDescentSimplex.scale(of: UnsafeBufferPointer(phiGradient(t).buffer), config.normalisation)
                }
            }
            let accepted = takeStep(all, scales: report.scales, objectiveAtW: loss, control: &control, report: &report) {
                self.objective(batches, b, targets: all)
            }
            if !accepted { break }
        }
        if config.steps > 0 {
            after = objective(batches, 0, targets: all)
            report.fullPasses += 1
        }
        for t in all {
            report.finalEta[t] = control.lastAccepted
            report.rejectedSteps[t] = control.rejected
            report.stoppedEarly[t] = control.stopped
        }
        report.objectiveBefore = [Double](repeating: before, count: targets.count)
        report.objectiveAfter = [Double](repeating: after, count: targets.count)
    }

    /// The step size of one solve under `config.stepControl` (see `ImportanceStepControl`).
    struct StepSizeControl {
        /// The largest step (config η) and the one the next trial uses.
        let eta: Double
        var current: Double
        var lastAccepted: Double
        var rejected = 0
        var stopped = false
        /// Halvings tried before a solve is declared stuck.
        static let maximumHalvings = 30
        /// Growth of the step after an accepted step (capped at `eta`).
        static let growth = 1.5
        init(eta: Double) { self.eta = eta; current = eta; lastAccepted = eta }
    }

    /// One mirror-descent step of the listed targets from the current w, whose ∇φ is in
    /// `phiGradient` and whose φ on the step's batch is `objectiveAtW`. `fixed`: one step with η.
    /// `backtracking`: trial steps (`trialObjective` evaluates φ at the trial w on the same batch)
    /// with halving step sizes until F = φ + Σ_t λ·s_t·Σ w log w falls; restores w and returns
    /// false if none does within `StepSizeControl.maximumHalvings`.
    private func takeStep(_ list: [Int], scales: [Float], objectiveAtW: Double, control: inout StepSizeControl,
                          report: inout SolveReport, trialObjective: () -> Double) -> Bool {
        func step(_ eta: Double) {
            for t in list {
                MirrorDescentSimplex.step(logW: logImportance(t).buffer, gradient: UnsafeBufferPointer(phiGradient(t).buffer),
                                          gradientScale: 1 / scales[t], eta: eta, lambda: config.lambda)
            }
        }
        guard config.stepControl == .backtracking else {
            step(config.eta)
            return true
        }
        func regulariser() -> Double {
            guard config.lambda > 0 else { return 0 }
            var sum = 0.0
            for t in list { sum += config.lambda * Double(scales[t]) * MirrorDescentSimplex.negativeEntropy(logW: UnsafeBufferPointer(logImportance(t).buffer)) }
            return sum
        }
        let start = objectiveAtW + regulariser()
        for t in list {
            (previousLogImportance.base + offsets[t]).update(from: logImportance.base + offsets[t], count: targets[t].shape.count)
        }
        for _ in 0...StepSizeControl.maximumHalvings {
            step(control.current)
            let trial = trialObjective() + regulariser()
            report.trialPasses += 1
            if trial <= start {
                control.lastAccepted = control.current
                control.current = min(control.eta, control.current * StepSizeControl.growth)
                return true
            }
            control.rejected += 1
            for t in list {
                (logImportance.base + offsets[t]).update(from: previousLogImportance.base + offsets[t], count: targets[t].shape.count)
            }
            control.current /= 2
        }
        control.stopped = true
        return false
    }

    private func solvePerLayer(_ batches: SolverBatches, _ report: inout SolveReport) {
        prepareActivationCache(batches)
        report.objectiveBefore = [Double](repeating: 0, count: targets.count)
        report.objectiveAfter = report.objectiveBefore
        report.targetSeconds = report.objectiveBefore
        let order = targets.indices.sorted { (modules[$0], $0) < (modules[$1], $1) }
        var cachedModule = -1
        var cachedShapes = [Shape](repeating: Shape(0), count: batches.count)
        for t in order {
            let k = modules[t]
            guard config.steps > 0 else { continue }
            let started = DispatchTime.now().uptimeNanoseconds
            if k != cachedModule {
                for b in 0..<batches.count {
                    let h = chain.prefix(to: k, batches.inputs(b), mode: .frozenStatistics)
                    activation(b, h.shape).copy(from: h)
                    cachedShapes[b] = h.shape
                    report.prefixPasses += 1
                }
                cachedModule = k
            }
            var control = StepSizeControl(eta: config.eta)
            for s in 0..<config.steps {
                let b = s % batches.count
                let input = activation(b, cachedShapes[b])
                let loss = partialObjectiveGradient(batches, b, target: t, module: k, input: input)
                report.partialPasses += 1
                if s == 0 {
                    report.objectiveBefore[t] = loss
                    report.scales[t] = MirrorDescentSimplex.scale(of: UnsafeBufferPointer(phiGradient(t).buffer), config.normalisation)
                }
                let accepted = takeStep([t], scales: report.scales, objectiveAtW: loss, control: &control, report: &report) {
                    self.writeShifted(t)
                    return self.network.withEffectiveWeights(self.shiftedWeights([t])) { self.lossOnly(batches, b, from: k, input: input) }
                }
                if !accepted { break }
            }
            report.finalEta[t] = control.lastAccepted
            report.rejectedSteps[t] = control.rejected
            report.stoppedEarly[t] = control.stopped
            writeShifted(t)
            report.objectiveAfter[t] = network.withEffectiveWeights(shiftedWeights([t])) {
                lossOnly(batches, 0, from: k, input: activation(0, cachedShapes[0]))
            }
            report.partialPasses += 1
            report.targetSeconds[t] = Double(DispatchTime.now().uptimeNanoseconds - started) * 1e-9
        }
    }

    /// φ at the current importance per target: the mean over the solve's batches and the value
    /// on the held-out batch (NaN without one). Forward passes only (joint: one per batch with
    /// every target shifted; per layer: one per batch and target, the target alone shifted).
    func measure(_ batches: SolverBatches, _ report: inout SolveReport) -> (solve: [Double], heldOut: [Double]) {
        let groups: [[Int]] = config.solve == .joint ? [Array(targets.indices)] : targets.indices.map { [$0] }
        var solve = [Double](repeating: .nan, count: targets.count), heldOut = solve
        for list in groups {
            var sum = 0.0
            for b in 0..<batches.count { sum += objective(batches, b, targets: list) }
            let h = batches.heldOut.map { objective(batches, $0, targets: list) } ?? .nan
            report.diagnosticPasses += batches.count + (batches.heldOut == nil ? 0 : 1)
            for t in list {
                solve[t] = sum / Double(batches.count)
                heldOut[t] = h
            }
        }
        return (solve, heldOut)
    }

    /// KL(π_final ‖ π₀) with π = w/n for target `t`: (1/n) Σ w (log w − log w₀), nats.
    public func klFromStart(_ t: Int) -> Double {
        let l = logImportance(t).buffer, l0 = startLogImportance.tensor(targets[t].shape, offset: offsets[t]).buffer
        var sum = 0.0
        for i in 0..<l.count { sum += Foundation.exp(Double(l[i])) * (Double(l[i]) - Double(l0[i])) }
        return max(0, sum / Double(l.count))
    }

    // MARK: - Passes (public for tests)

    /// φ(w) on batch `b` with the listed targets shifted by their current importance.
    public func objective(_ batches: SolverBatches, _ b: Int, targets list: [Int]) -> Double {
        for t in list { writeShifted(t) }
        return network.withEffectiveWeights(shiftedWeights(list)) {
            let logits = chain.forward(from: 0, batches.inputs(b), mode: .frozenStatistics)
            return network.loss.forward(logits: logits, labels: batches.labels(b)).loss
        }
    }

    /// φ(w) on batch `b` and ∇φ for the listed targets (into `phiGradient`), all of them shifted
    /// at once; one full forward/backward. Returns φ.
    @discardableResult
    public func objectiveGradient(_ batches: SolverBatches, _ b: Int, targets list: [Int]) -> Double {
        for t in list { writeShifted(t) }
        network.store.zeroGradients()
        let loss = network.withEffectiveWeights(shiftedWeights(list)) {
            network.store.withGradients(only: list.map { targets[$0] }) { pass(batches, b, from: 0, input: batches.inputs(b)) }
        }
        for t in list { writePhiGradient(t) }
        return loss
    }

    /// φ and ∇φ for target `t` alone, from the cached input of its module `k`.
    func partialObjectiveGradient(_ batches: SolverBatches, _ b: Int, target t: Int, module k: Int, input: Tensor) -> Double {
        writeShifted(t)
        targets[t].grad.fill(0)
        let loss = network.withEffectiveWeights(shiftedWeights([t])) {
            network.store.withGradients(only: [targets[t]]) { pass(batches, b, from: k, input: input) }
        }
        writePhiGradient(t)
        return loss
    }

    /// Forward from module `start` on `input`, loss on batch `b`'s labels, backward to `start`.
    private func pass(_ batches: SolverBatches, _ b: Int, from start: Int, input: Tensor) -> Double {
        let logits = chain.forward(from: start, input, mode: .frozenStatistics)
        let loss = network.loss.forward(logits: logits, labels: batches.labels(b)).loss
        chain.backward(to: start, network.loss.backward())
        return loss
    }

    private func lossOnly(_ batches: SolverBatches, _ b: Int, from start: Int, input: Tensor) -> Double {
        let logits = chain.forward(from: start, input, mode: .frozenStatistics)
        return network.loss.forward(logits: logits, labels: batches.labels(b)).loss
    }

    /// The shifted weights of the listed targets, for one pass's scope.
    private func shiftedWeights(_ list: [Int]) -> EffectiveWeights {
        EffectiveWeights(list.map { targets[$0] }, list.map { shifted($0) })
    }

    private func writeShifted(_ t: Int) {
        let o = offsets[t]
        PhiKernels.shift(x: targets[t].value.pointer, logW: logImportance.base + o, gradient: gradient.base + o,
                         gamma: gamma, into: shifted.base + o, count: targets[t].shape.count)
    }

    private func writePhiGradient(_ t: Int) {
        let o = offsets[t]
        PhiKernels.phiGradient(gradient: gradient.base + o, shiftedGradient: targets[t].grad.pointer, gamma: gamma,
                               into: phiGradient.base + o, count: targets[t].shape.count)
    }

    // MARK: - State

    /// Allocates, once, room for one input of every target's module per batch.
    private func prepareActivationCache(_ batches: SolverBatches) {
        guard activationCache == nil else { return }
        var counts = [Int](repeating: 0, count: chain.modules.count)
        var h = batches.inputs(0)
        for (i, m) in chain.modules.enumerated() {
            counts[i] = h.shape.rowSize * batches.batchSize
            h = m.forward(h, mode: .frozenStatistics)
        }
        activationStride = modules.map { counts[$0] }.max() ?? 0
        activationCache = TensorStorage(count: activationStride * batches.capacity)
    }

    private func activation(_ b: Int, _ shape: Shape) -> Tensor {
        activationCache!.tensor(shape, offset: b * activationStride)
    }
}
