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
    /// Wall time of the solve, seconds; and per target for per-layer solves (its prefix, diagnostics and steps).
    public var seconds = 0.0
    public var targetSeconds: [Double] = []
    /// Wall time of the mirror-descent step loops alone, seconds: the part of a solve that grows
    /// with `steps` (joint: the one loop; per layer: the sum over targets, and per target in
    /// `targetStepSeconds`, which `targetSeconds` contains). The rest — g, w₀, the prefixes and
    /// the diagnostics — is paid once per solve.
    public var stepSeconds = 0.0
    public var targetStepSeconds: [Double] = []
    /// The normalisation scale s of ∇φ per target (see `GradientNormalisation`).
    public var scales: [Float] = []
    /// φ on the first batch before the first and after the last step, per target (joint: the same for all).
    public var objectiveBefore: [Double] = [], objectiveAfter: [Double] = []
    /// Diagnostics per target (see `ImportanceSolver.measureJoint`): KL(w_final ‖ w₀) of π = w/n in nats;
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
    /// Steps whose forward was the accepted trial step's (backtracking on one batch): the
    /// step's pass ran the backward only. Counted in `fullPasses` / `partialPasses` too.
    public var reusedForwards = 0
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
/// The scopes (shifted weights, kept gradients, the input gradient switched off at the module)
/// are entered once per step loop, not per step, so the loops allocate nothing; the per-layer
/// diagnostics (φ before and after) run from the cached module inputs too, and φ after the last
/// step on batch 0 is taken from them rather than from a pass of its own — the same operations
/// on the same values as full forwards, so the same bits.
///
/// Memory (allocated once): log-importance, g, shifted weights and ∇φ for the targets (4 × Σn
/// floats), a copy of all gradients, and for `perLayer` one cached activation per batch (and
/// for the held-out batch).
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
    /// Per target its index alone, and its slice of `shifted` as an effective-weights scope;
    /// the scope of all targets (built once: building one allocates).
    private let singles: [[Int]]
    private let singleScopes: [EffectiveWeights]
    private let jointScope: EffectiveWeights
    /// γ used by the passes of the current solve.
    public var gamma: Float = 0.01
    /// Whether a step after an accepted trial step reuses that trial's forward (see
    /// `canReuseTrialForward`); off only in tests, which check that it changes no bit.
    var reusesTrialForward = true

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
        let views = targets.indices.map { [shifted] t in shifted.tensor(targets[t].shape, offset: offs[t]) }
        singles = targets.indices.map { [$0] }
        singleScopes = targets.indices.map { EffectiveWeights([targets[$0]], [views[$0]]) }
        jointScope = EffectiveWeights(targets, views)
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
        switch config.solve {
        case .joint: solveJoint(batches, &report)
        case .perLayer: solvePerLayer(batches, &report)
        }
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

    /// Diagnostics before, the step loop (inside one scope of shifted weights and kept
    /// gradients), diagnostics after; φ after the last step on batch 0 is the diagnostics' value.
    private func solveJoint(_ batches: SolverBatches, _ report: inout SolveReport) {
        let all = Array(targets.indices)
        let count = targets.count
        let start = measureJoint(batches, &report)
        report.solveBefore = [Double](repeating: start.mean, count: count)
        report.heldOutBefore = [Double](repeating: start.heldOut, count: count)
        var before = 0.0
        var control = StepSizeControl(eta: config.eta)
        let started = DispatchTime.now().uptimeNanoseconds
        let reuse = canReuseTrialForward(batches)
        network.withEffectiveWeights(jointScope) {
            network.store.withGradients(only: targets) {
                var forwardDone: Double?
                for s in 0..<config.steps {
                    let b = s % batches.count
                    let loss = shiftedPass(batches, b, all, from: 0, input: batches.inputs(b), forwardDone: forwardDone, &report)
                    report.fullPasses += 1
                    if s == 0 {
                        before = loss
                        for t in all {
                            report.scales[t] = MirrorDescentSimplex.scale(of: UnsafeBufferPointer(phiGradient(t).buffer), config.normalisation)
                        }
                    }
                    var trial = 0.0
                    let accepted = takeStep(all, scales: report.scales, objectiveAtW: loss, control: &control, report: &report) {
                        for t in all { self.writeShifted(t) }
                        trial = self.lossOnly(batches, b, from: 0, input: batches.inputs(b))
                        return trial
                    }
                    if !accepted { break }
                    forwardDone = reuse ? trial : nil
                }
            }
        }
        report.stepSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) * 1e-9
        let end = measureJoint(batches, &report)
        report.solveAfter = [Double](repeating: end.mean, count: count)
        report.heldOutAfter = [Double](repeating: end.heldOut, count: count)
        for t in all {
            report.finalEta[t] = control.lastAccepted
            report.rejectedSteps[t] = control.rejected
            report.stoppedEarly[t] = control.stopped
        }
        report.objectiveBefore = [Double](repeating: before, count: count)
        report.objectiveAfter = [Double](repeating: config.steps > 0 ? end.first : 0, count: count)
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

    /// Per target, in module order: the module's input for every batch (and the held-out one)
    /// cached once per module, then — inside one scope of the target's shifted weights, its
    /// gradient alone and the module's input gradient off — the diagnostics before, the step
    /// loop from the cached input and the diagnostics after.
    private func solvePerLayer(_ batches: SolverBatches, _ report: inout SolveReport) {
        prepareActivationCache(batches)
        let count = targets.count
        report.objectiveBefore = [Double](repeating: 0, count: count)
        report.objectiveAfter = report.objectiveBefore
        report.targetSeconds = report.objectiveBefore
        report.targetStepSeconds = report.objectiveBefore
        report.solveBefore = [Double](repeating: .nan, count: count)
        (report.heldOutBefore, report.solveAfter, report.heldOutAfter) = (report.solveBefore, report.solveBefore, report.solveBefore)
        let order = targets.indices.sorted { (modules[$0], $0) < (modules[$1], $1) }
        let slots = Array(0..<batches.count) + (batches.heldOut.map { [$0] } ?? [])
        var cachedModule = -1
        var shapes = [Shape](repeating: Shape(0), count: batches.capacity + 1)
        for t in order {
            let k = modules[t]
            let started = DispatchTime.now().uptimeNanoseconds
            if k != cachedModule {
                for b in slots {
                    let h = chain.prefix(to: k, batches.inputs(b), mode: .frozenStatistics)
                    activation(b, h.shape).copy(from: h)
                    shapes[b] = h.shape
                    report.prefixPasses += 1
                }
                cachedModule = k
            }
            network.withEffectiveWeights(singleScopes[t]) {
                network.store.withGradients(only: [targets[t]]) {
                    chain.withInputGradientOff(at: k) {
                        let start = cachedObjectives(batches, target: t, module: k, shapes, &report)
                        (report.solveBefore[t], report.heldOutBefore[t]) = (start.mean, start.heldOut)
                        let loopStarted = DispatchTime.now().uptimeNanoseconds
                        var control = StepSizeControl(eta: config.eta)
                        let reuse = canReuseTrialForward(batches)
                        var forwardDone: Double?
                        for s in 0..<config.steps {
                            let b = s % batches.count
                            let input = activation(b, shapes[b])
                            let loss = shiftedPass(batches, b, singles[t], from: k, input: input, forwardDone: forwardDone, &report)
                            report.partialPasses += 1
                            if s == 0 {
                                report.objectiveBefore[t] = loss
                                report.scales[t] = MirrorDescentSimplex.scale(of: UnsafeBufferPointer(phiGradient(t).buffer), config.normalisation)
                            }
                            var trial = 0.0
                            let accepted = takeStep(singles[t], scales: report.scales, objectiveAtW: loss, control: &control, report: &report) {
                                self.writeShifted(t)
                                trial = self.lossOnly(batches, b, from: k, input: input)
                                return trial
                            }
                            if !accepted { break }
                            forwardDone = reuse ? trial : nil
                        }
                        report.targetStepSeconds[t] = Double(DispatchTime.now().uptimeNanoseconds - loopStarted) * 1e-9
                        report.finalEta[t] = control.lastAccepted
                        report.rejectedSteps[t] = control.rejected
                        report.stoppedEarly[t] = control.stopped
                        let end = cachedObjectives(batches, target: t, module: k, shapes, &report)
                        (report.solveAfter[t], report.heldOutAfter[t]) = (end.mean, end.heldOut)
                        if config.steps > 0 { report.objectiveAfter[t] = end.first }
                    }
                }
            }
            report.targetSeconds[t] = Double(DispatchTime.now().uptimeNanoseconds - started) * 1e-9
        }
        report.stepSeconds = report.targetStepSeconds.reduce(0, +)
    }

    /// φ with every target shifted by its current importance: the mean over the solve's batches,
    /// the value on the held-out batch (NaN without one) and on batch 0. Full forward passes.
    func measureJoint(_ batches: SolverBatches, _ report: inout SolveReport) -> (mean: Double, heldOut: Double, first: Double) {
        let all = Array(targets.indices)
        var sum = 0.0, first = 0.0
        for b in 0..<batches.count {
            let value = objective(batches, b, targets: all)
            if b == 0 { first = value }
            sum += value
        }
        let h = batches.heldOut.map { objective(batches, $0, targets: all) } ?? .nan
        report.diagnosticPasses += batches.count + (batches.heldOut == nil ? 0 : 1)
        return (sum / Double(batches.count), h, first)
    }

    /// φ with target `t` alone shifted, from the cached inputs of its module `k` (inside the
    /// target's scopes): the same three values as `measureJoint`. Forward passes over the suffix.
    private func cachedObjectives(_ batches: SolverBatches, target t: Int, module k: Int, _ shapes: [Shape],
                                  _ report: inout SolveReport) -> (mean: Double, heldOut: Double, first: Double) {
        writeShifted(t)
        var sum = 0.0, first = 0.0
        for b in 0..<batches.count {
            let value = lossOnly(batches, b, from: k, input: activation(b, shapes[b]))
            if b == 0 { first = value }
            sum += value
        }
        let h = batches.heldOut.map { lossOnly(batches, $0, from: k, input: activation($0, shapes[$0])) } ?? .nan
        report.diagnosticPasses += batches.count + (batches.heldOut == nil ? 0 : 1)
        return (sum / Double(batches.count), h, first)
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
    /// at once; one full forward/backward in scopes of its own. Returns φ. The plain twin of the
    /// solve loops' `shiftedPass` (which enters the scopes once per loop), for tests.
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

    /// φ and ∇φ (into `phiGradient`) for the listed targets inside the caller's scopes (their
    /// shifted weights in effect, their gradients alone kept, the input gradient of module
    /// `start` off): writes the shifted weights, zeroes the targets' gradients, runs forward
    /// from `start` on `input` and backward to it. Returns φ. Allocates nothing.
    ///
    /// `forwardDone`: φ of the forward the layers hold, when that forward was exactly this
    /// pass's (the accepted trial step's: the same w, batch and scopes; `canReuseTrialForward`).
    /// Then only the backward runs — the forward would compute the same values bit for bit,
    /// since the shifted weights are written from the same log w by the same kernel.
    private func shiftedPass(_ batches: SolverBatches, _ b: Int, _ list: [Int], from start: Int, input: Tensor,
                             forwardDone: Double?, _ report: inout SolveReport) -> Double {
        for t in list {
            targets[t].grad.fill(0)
        }
        let loss: Double
        if let done = forwardDone {
            chain.backwardAsConfigured(to: start, network.loss.backward())
            report.reusedForwards += 1
            loss = done
        } else {
            for t in list { writeShifted(t) }
            loss = pass(batches, b, from: start, input: input)
        }
        for t in list { writePhiGradient(t) }
        return loss
    }

    /// Whether a step may reuse the forward of the trial step accepted just before it: only
    /// under backtracking (fixed steps run no trial forward) and with one solve batch (with
    /// several, the next step's batch is another than the trial's).
    private func canReuseTrialForward(_ batches: SolverBatches) -> Bool {
        reusesTrialForward && config.stepControl == .backtracking && batches.count == 1
    }

    /// Forward from module `start` on `input`, loss on batch `b`'s labels, backward to `start`
    /// (with the input-gradient switches as the caller set them: see `ModuleChain.withInputGradientOff`).
    private func pass(_ batches: SolverBatches, _ b: Int, from start: Int, input: Tensor) -> Double {
        let logits = chain.forward(from: start, input, mode: .frozenStatistics)
        let loss = network.loss.forward(logits: logits, labels: batches.labels(b)).loss
        chain.backwardAsConfigured(to: start, network.loss.backward())
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

    /// Allocates, once, room for one input of every target's module per batch slot (the
    /// held-out slot included).
    private func prepareActivationCache(_ batches: SolverBatches) {
        guard activationCache == nil else { return }
        var counts = [Int](repeating: 0, count: chain.modules.count)
        var h = batches.inputs(0)
        for (i, m) in chain.modules.enumerated() {
            counts[i] = h.shape.rowSize * batches.batchSize
            h = m.forward(h, mode: .frozenStatistics)
        }
        activationStride = modules.map { counts[$0] }.max() ?? 0
        activationCache = TensorStorage(count: activationStride * (batches.capacity + 1))
    }

    private func activation(_ b: Int, _ shape: Shape) -> Tensor {
        activationCache!.tensor(shape, offset: b * activationStride)
    }
}
