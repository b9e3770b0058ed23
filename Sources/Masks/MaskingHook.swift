import Foundation
import TensorCore
import Layers
import Datasets

/// Drives any `MaskSampler` through a training run: the one place masks enter the trainer,
/// which names no concrete sampler. Made once from the run's `MaskConfig` (the only place the
/// mask options are checked against the model).
///
/// Per step, by `MaskKind` and `MaskTarget`:
///
///     beforeForward     sampler.sample (may refresh importance first);
///                       per-step + weights: masked copy ← multipliers ⊙ W, which the trainer's
///                       forward and backward read through `forwardWeights`
///     afterBackward     per-step: grad ⊙= multipliers (m or m/p)   — dropped weights get 0
///                       fixed:    grad ⊙= m
///                       dynamic:  sampler.observeGradients (dense ∂L/∂W), then grad ⊙= m
///     afterOptimizer    fixed + weights: W ⊙= m  (pruned weights stay exactly 0 through
///                       momentum and weight decay)
///                       dynamic: W ⊙= m, then sampler.updateMask may change m; entries that
///                       became active or inactive get W = 0 and optimiser state 0
///                       (`RunStart.optimizerSlots`), and W ⊙= m applies the new mask
///     evaluation        per-step: `EvalMask` (default none: the weights as trained; expected:
///                       p ⊙ W or W through `evaluationWeights`); fixed masks stay applied
///                       (W is already m ⊙ W)
///
/// A `.learned` sampler (`LearnedSparsity`: l1, l0, vd) is handed each of these points instead
/// (its forward and evaluation weights, its gradient rule, its step after the optimisers) and
/// owns trainable tensors that the trainer updates (`trainableParameters`); at the end of the
/// run's last step it makes its sparsity permanent and the hook writes `mask_analytics.csv`.
///
/// For target `weights` the gradient rule is the chain rule through effective = m/p ⊙ W; for
/// `gradients` it masks the gradient only. A fixed mask with target `gradients` does not prune:
/// the masked-out weights get no gradient but still feel the optimiser's weight decay.
///
/// Logs `masks.csv` in the run folder: per epoch and tensor the expected and realised numbers
/// of kept entries (mean, min, max over the epoch's steps), plus the sampler's own CSV rows. A
/// fixed mask also gets `mask_analytics.csv` (`MaskAnalytics`: density, effective density) at start.
/// Checkpoints carry the mask stream's live generator state (`hook.masks.rng`, raw GSL MT19937
/// bytes), the epoch's partial counts and the sampler's state (`hook.masks.state.<name>`; float
/// arrays there are per masked entry), so a resumed run samples exactly the same masks.
public final class MaskingHook: TrainingHook {
    public let sampler: any MaskSampler
    public let config: MaskConfig
    public let network: Network
    public let trainingSet: Dataset?
    /// The masked parameters (the config's scope of the network).
    public let parameters: [Parameter]
    /// The masks, allocated when the run starts.
    public private(set) var masks: MaskSet?
    public private(set) var forwardWeights: EffectiveWeights = .none
    /// The trainable tensors of a learned-sparsity sampler (nil for the others).
    public let trainableParameters: ParameterStore?
    /// The sampler as a learned-sparsity method, when it is one.
    private let learned: (any LearnedSparsity)?
    private var totalIterations = 0
    private var restored: [HookState]?
    private var directory: URL?
    private var counts = KeptCounts()
    private var optimizerSlots = OptimizerSlots.none

    public static let prefix = HookState.prefix + "masks."
    public static let countsFile = "masks.csv"

    /// The hook for `config` on `network`, with the sampler from `MaskRegistry`: unknown
    /// samplers, bad options and a scope that leaves nothing to mask fail here, before training.
    public convenience init(config: MaskConfig, network: Network, trainingSet: Dataset?) throws(MaskError) {
        self.init(sampler: try MaskRegistry.make(config), config: config, network: network, trainingSet: trainingSet)
        if sampler.kind != .none && parameters.isEmpty {
            throw .emptyScope(model: network.name, exclude: config.exclude.map(\.rawValue))
        }
    }

    /// The hook for a sampler made elsewhere (e.g. a `GivenMask` holding a lottery ticket).
    public init(sampler: any MaskSampler, config: MaskConfig, network: Network, trainingSet: Dataset?) {
        self.sampler = sampler
        self.config = config
        self.network = network
        self.trainingSet = trainingSet
        parameters = config.scope.select(from: network.store)
        learned = sampler as? any LearnedSparsity
        trainableParameters = learned?.declareParameters(for: parameters)
    }

    // MARK: - Run

    public func runStart(_ run: RunStart) throws(HookError) {
        guard sampler.kind != .none else { return }
        let set = MaskSet(parameters: parameters, kind: sampler.kind, config: config, seed: run.seed)
        masks = set
        counts = KeptCounts(tensors: parameters.count)
        directory = run.outputDirectory
        optimizerSlots = run.optimizerSlots
        totalIterations = run.totalIterations
        let context = MaskContext(network: network, trainingSet: trainingSet, batchSize: run.batchSize, seed: run.seed,
                                  iterationsPerEpoch: run.iterationsPerEpoch, totalIterations: run.totalIterations,
                                  startIteration: run.startIteration)
        let resuming = restored != nil
        do {
            let state = try restoredState(into: set)
            try sampler.start(context, masks: set, restored: resuming ? state : nil)
        } catch {
            throw HookError("masks: cannot start '\(sampler.name)': \(error)")
        }
        if sampler.kind == .perStep && config.target == .weights {
            forwardWeights = EffectiveWeights(parameters, parameters.indices.map(set.effective))
        }
        if let learned { forwardWeights = learned.forwardWeights }
        prepareLogs(resumeAt: resuming ? run.startIteration : nil)
        if sampler.kind.isBinary && config.target == .weights { prune(set) }
        if sampler.kind.isBinary, let directory { try writeAnalytics(set, into: directory) }
    }

    public func beforeForward(step: TrainingStep) {
        guard let masks, sampler.kind != .none else { return }
        sampler.sample(step, masks: masks)
        writeLogRows(sampler.takeLogRows())
        if sampler.kind == .perStep && config.target == .weights {
            for i in parameters.indices {
                let e = masks.effective(i)
                MaskKernels.multiply(masks.multipliers(i).pointer, parameters[i].value.pointer, into: e.pointer, count: e.count)
            }
        }
        counts.add(masks.keptCounts, iteration: step.iteration)
    }

    public func afterBackward(step: TrainingStep) {
        guard let masks, sampler.kind != .none else { return }
        if sampler.kind == .dynamic { sampler.observeGradients(step, masks: masks) }
        if let learned { return learned.afterBackward(step, masks: masks) }
        for i in parameters.indices {
            let g = parameters[i].grad
            MaskKernels.multiplyInPlace(g.pointer, by: masks.multipliers(i).pointer, count: g.count)
        }
    }

    public func afterOptimizerStep(step: TrainingStep) {
        if let learned, let masks { return learned.afterOptimizerStep(step, masks: masks) }
        guard let masks, sampler.kind.isBinary, config.target == .weights else { return }
        prune(masks)
        guard sampler.kind == .dynamic else { return }
        let restarted = sampler.updateMask(step, masks: masks)
        guard !restarted.isEmpty else { return }
        precondition(restarted.count == parameters.count, "\(sampler.name) returned entries for \(restarted.count) tensors, \(parameters.count) are masked")
        for (i, entries) in restarted.enumerated() {
            let w = parameters[i].value.pointer
            for j in entries {
                w[j] = 0
                optimizerSlots.zero(parameters[i], entry: j)
            }
        }
        prune(masks)
        masks.countKept()
    }

    public func epochEnd(epoch: Int) {
        guard let masks, epoch != counts.loggedEpoch, counts.steps > 0 else { return }
        let iteration = counts.lastIteration
        // A learned sampler first: it logs its sparsity and sets the expected counts masks.csv reports.
        let last = iteration + 1 >= totalIterations
        learned?.epochEnd(epoch, iteration: iteration, last: last, masks: masks)
        writeLogRows(counts.rows(epoch: epoch, masks: masks, file: Self.countsFile))
        guard learned != nil else { return }
        writeLogRows(sampler.takeLogRows())
        if last, let directory { try? writeAnalytics(masks, into: directory) }
    }

    /// Per-step masks with `evalMask: expected` and target `weights`: the expected weights
    /// (p ⊙ W, or W with inverted scaling) written into the masked copies; otherwise none.
    public func evaluationWeights() -> EffectiveWeights {
        if let learned, let masks { return learned.evaluationWeights(masks: masks) }
        guard let masks, sampler.kind == .perStep, config.evalMask == .expected, config.target == .weights else { return .none }
        for i in parameters.indices {
            let e = masks.effective(i)
            MaskKernels.expected(weights: parameters[i].value.pointer, keepProbabilities: masks.keepProbabilities(i).pointer,
                                 inverted: masks.inverted, into: e.pointer, count: e.count)
        }
        return forwardWeights
    }

    /// A fixed mask's density and effective density (`mask_analytics.csv`) in the run folder.
    private func writeAnalytics(_ masks: MaskSet, into directory: URL) throws(HookError) {
        do { try MaskAnalytics(masks.binaryMasks(), network: network).write(into: directory) } catch {
            throw HookError("masks: cannot write \(MaskAnalytics.fileName) into \(directory.path): \(error)")
        }
    }

    private func prune(_ masks: MaskSet) {
        for i in parameters.indices {
            let w = parameters[i].value
            MaskKernels.multiplyInPlace(w.pointer, by: masks.multipliers(i).pointer, count: w.count)
        }
    }

    // MARK: - Log files

    /// Fresh run: removes stale logs. Resume at P: keeps rows with key < P (epochs renumbered
    /// from 1 in a folder an older MaskLab wrote).
    private func prepareLogs(resumeAt start: Int?) {
        guard let directory else { return }
        for name in [Self.countsFile] + sampler.logFiles {
            let url = directory.appendingPathComponent(name)
            guard let start else {
                try? FileManager.default.removeItem(at: url)
                continue
            }
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { continue }
            var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
            guard !lines.isEmpty else { continue }
            let header = lines.removeFirst()
            var kept = lines.filter { line in
                Int(line.prefix { $0 != "," }).map { $0 < start } ?? false
            }.map(String.init)
            // Rows of an older MaskLab count epochs from 0: renumbered, so the file keeps one convention.
            if let first = kept.first, MaskLogRow.epochShift(firstRow: first.split(separator: ",", omittingEmptySubsequences: false)) == 1 {
                kept = kept.map { line in
                    var fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                    if let e = Int(fields[MaskLogRow.epochColumn]) { fields[MaskLogRow.epochColumn] = String(e + 1) }
                    return fields.joined(separator: ",")
                }
            }
            try? ([String(header)] + kept).joined(separator: "\n").appending("\n").write(to: url, atomically: true, encoding: .utf8)
        }
    }

    private func writeLogRows(_ rows: [MaskLogRow]) {
        guard let directory, !rows.isEmpty else { return }
        var byFile: [String: (header: String, lines: [String])] = [:]
        var order: [String] = []
        for r in rows {
            if byFile[r.file] == nil { byFile[r.file] = (r.header, []); order.append(r.file) }
            byFile[r.file]?.lines.append(r.line)
        }
        for file in order {
            guard let (header, lines) = byFile[file] else { continue }
            let url = directory.appendingPathComponent(file)
            let exists = FileManager.default.fileExists(atPath: url.path)
            let text = (exists ? "" : header + "\n") + lines.joined(separator: "\n") + "\n"
            if exists, let handle = try? FileHandle(forWritingTo: url) {
                handle.seekToEndOfFile()
                handle.write(Data(text.utf8))
                try? handle.close()
            } else {
                try? text.write(to: url, atomically: true, encoding: .utf8)
            }
        }
    }

    // MARK: - Checkpoints

    public func checkpointState() -> [HookState] {
        guard let masks, sampler.kind != .none else { return [] }
        var out = [HookState(name: Self.prefix + "rng", .bytes(masks.random.state)),
                   HookState(name: Self.prefix + "epoch_counts", .integers(counts.saved))]
        for s in sampler.state() {
            out.append(HookState(name: Self.prefix + "state." + s.name, s.payload))
        }
        return out
    }

    public func restore(from state: [HookState]) throws(HookError) {
        let mine = state.filter { $0.name.hasPrefix(Self.prefix) }
        guard sampler.kind != .none else { return }
        guard !mine.isEmpty else {
            throw HookError("the checkpoint has no mask state (\(Self.prefix)…); it was written by a run without masks '\(sampler.name)'")
        }
        // Per-entry sampler state (float arrays) must fit the masked tensors of this model and scope.
        let entries = parameters.reduce(0) { $0 + $1.shape.count }
        for s in mine where s.name.hasPrefix(Self.prefix + "state.") {
            guard case let .floats(v) = s.payload else { continue }
            if v.count != entries {
                throw HookError("\(s.name) has \(v.count) entries but the masked tensors of \(network.name) have \(entries) (same model, mask and scope?)")
            }
            if let i = v.firstIndex(where: { !$0.isFinite }) { throw HookError("\(s.name) holds \(v[i]) at index \(i)") }
        }
        restored = mine
    }

    /// Applies the non-sampler part of the restored state and returns the sampler's part.
    private func restoredState(into masks: MaskSet) throws(MaskError) -> [HookState] {
        guard let restored else { return [] }
        var state: [HookState] = []
        for s in restored {
            let name = String(s.name.dropFirst(Self.prefix.count))
            if name == "rng" {
                guard case let .bytes(bytes) = s.payload else { throw .state("\(s.name) is not a byte array") }
                do { try masks.random.restore(state: bytes) } catch { throw .state("\(s.name): \(error)") }
            } else if name == "epoch_counts" {
                guard case let .integers(v) = s.payload else { throw .state("\(s.name) is not an integer array") }
                try counts.restore(v, name: s.name)
            } else if name.hasPrefix("state.") {
                state.append(HookState(name: String(name.dropFirst("state.".count)), s.payload))
            }
        }
        return state
    }
}
