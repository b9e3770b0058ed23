import Foundation
import TensorCore
import Layers
import Datasets

/// Drives any `MaskSampler` through a training run: the one place masks enter the trainer,
/// which names no concrete sampler. Made once from the run's `MaskConfig` (the only place the
/// mask options are checked against the model). The hook asks no sampler what kind it is: it
/// calls every step point of `MaskSampler` in order (each has a default), and the sampler
/// families (`PerStepMask`, `FixedMask`, `LearnedSparsity`) override what differs:
///
///     runStart          MaskSet (its layout from the sampler), sampler.start, forwardWeights
///     beforeForward     sampler.beforeForward, then its log rows; the step's kept counts
///     afterBackward     sampler.observeGradients, sampler.afterBackward
///     afterOptimizer    sampler.afterOptimizerStep, sampler.updateMask
///     epochEnd          sampler.epochEnd, then the epoch's kept counts and the sampler's rows
///     evaluation        sampler.evaluationWeights
///
/// The sampler `none` masks no parameter, and the hook then does nothing at all.
///
/// Logs `masks.csv` in the run folder: per epoch and tensor the expected and realised numbers
/// of kept entries (mean, min, max over the epoch's steps), plus the sampler's own CSV rows.
/// Checkpoints carry the mask stream's live generator state (`hook.masks.rng`, raw GSL MT19937
/// bytes), the epoch's partial counts and the sampler's state (`hook.masks.state.<name>`; float
/// arrays there are per masked entry), so a resumed run samples exactly the same masks.
public final class MaskingHook: TrainingHook {
    public let sampler: any MaskSampler
    public let config: MaskConfig
    public let network: Network
    public let trainingSet: Dataset?
    /// The masked parameters (the config's scope of the network; none for `none`).
    public let parameters: [Parameter]
    /// The run as the sampler sees it, made when the run starts (nil before, and for `none`).
    public private(set) var run: MaskRun?
    public private(set) var forwardWeights: EffectiveWeights = .none
    /// The trainable tensors the sampler adds (nil for most).
    public let trainableParameters: ParameterStore?
    private var restored: [HookState]?
    private var counts = KeptCounts()

    /// The masks, allocated when the run starts.
    public var masks: MaskSet? { run?.masks }

    public static let prefix = HookState.prefix + "masks."
    public static let countsFile = "masks.csv"

    /// The hook for `config` on `network`, with the sampler from `MaskRegistry`: unknown
    /// samplers, bad options and a scope that leaves nothing to mask fail here, before training.
    public convenience init(config: MaskConfig, network: Network, trainingSet: Dataset?) throws(MaskError) {
        self.init(sampler: try MaskRegistry.make(config), config: config, network: network, trainingSet: trainingSet)
        if sampler.masksParameters && parameters.isEmpty {
            throw .emptyScope(model: network.name, exclude: config.exclude.map(\.rawValue))
        }
    }

    /// The hook for a sampler made elsewhere (e.g. a `GivenMask` holding a lottery ticket).
    public init(sampler: any MaskSampler, config: MaskConfig, network: Network, trainingSet: Dataset?) {
        self.sampler = sampler
        self.config = config
        self.network = network
        self.trainingSet = trainingSet
        parameters = sampler.masksParameters ? config.scope.select(from: network.store) : []
        trainableParameters = sampler.declareParameters(for: parameters)
    }

    // MARK: - Run

    public func runStart(_ start: RunStart) throws(HookError) {
        guard !parameters.isEmpty else { return }
        let set = MaskSet(parameters: parameters, layout: sampler.layout, config: config, seed: start.seed)
        let run = MaskRun(masks: set, config: config, network: network, trainingSet: trainingSet, batchSize: start.batchSize,
                          seed: start.seed, iterationsPerEpoch: start.iterationsPerEpoch, totalIterations: start.totalIterations,
                          startIteration: start.startIteration, optimizerSlots: start.optimizerSlots, directory: start.outputDirectory)
        self.run = run
        counts = KeptCounts(tensors: parameters.count)
        let resuming = restored != nil
        do {
            let state = try restoredState(into: set)
            try sampler.start(run, restored: resuming ? state : nil)
        } catch {
            throw HookError("masks: cannot start '\(sampler.name)': \(error)")
        }
        forwardWeights = sampler.forwardWeights(run)
        prepareLogs(resumeAt: resuming ? start.startIteration : nil)
    }

    public func beforeForward(step: TrainingStep) {
        guard let run else { return }
        sampler.beforeForward(step, run: run)
        writeLogRows(sampler.takeLogRows())
        counts.add(run.masks.keptCounts, iteration: step.iteration)
    }

    public func afterBackward(step: TrainingStep) {
        guard let run else { return }
        sampler.observeGradients(step, run: run)
        sampler.afterBackward(step, run: run)
    }

    public func afterOptimizerStep(step: TrainingStep) {
        guard let run else { return }
        sampler.afterOptimizerStep(step, run: run)
        sampler.updateMask(step, run: run)
    }

    public func epochEnd(epoch: Int) {
        guard let run, epoch != counts.loggedEpoch, counts.steps > 0 else { return }
        let iteration = counts.lastIteration
        // The sampler first: a learned one logs its sparsity and sets the expected counts masks.csv reports.
        sampler.epochEnd(epoch, iteration: iteration, last: iteration + 1 >= run.totalIterations, run: run)
        writeLogRows(counts.rows(epoch: epoch, masks: run.masks, file: Self.countsFile))
        writeLogRows(sampler.takeLogRows())
    }

    public func evaluationWeights() -> EffectiveWeights {
        guard let run else { return .none }
        return sampler.evaluationWeights(run)
    }

    /// Inverted scaling of per-step masks on the weights multiplies a kept weight by 1/p: with
    /// keep probabilities below `Self.largeScale`⁻¹ (importance masks at their floor p_min) the
    /// forward pass sees weights scaled by tens or hundreds.
    public var divergenceHint: String? {
        guard let masks, masks.inverted, config.target == .weights, masks.keepProbabilities.count > 0 else { return nil }
        let smallest = UnsafeBufferPointer(start: masks.keepProbabilities.base, count: masks.keepProbabilities.count).min() ?? 1
        guard smallest > 0, 1 / smallest >= Self.largeScale else { return nil }
        return String(format: "the %@ mask keeps weights with probability down to p = %.4g and multiplies each kept one by 1/p (×%.0f) "
                      + "with --mask-scaling inverted; mask the gradients (--mask-target gradients) or drop the rescaling "
                      + "(--mask-scaling none), as the seed's protocol does, or raise --min-keep", sampler.name, smallest, 1 / smallest)
    }

    /// A 1/p rescaling from this factor on is named as a likely cause of divergence.
    static let largeScale: Float = 10

    // MARK: - Log files

    /// Fresh run: removes stale logs. Resume at P: keeps rows with key < P (epochs renumbered
    /// from 1 in a folder an older MaskLab wrote).
    private func prepareLogs(resumeAt start: Int?) {
        guard let directory = run?.directory else { return }
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
        guard let directory = run?.directory, !rows.isEmpty else { return }
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
        guard let run else { return [] }
        var out = [HookState(name: Self.prefix + "rng", .bytes(run.masks.random.state)),
                   HookState(name: Self.prefix + "epoch_counts", .integers(counts.saved))]
        for s in sampler.state(run) {
            out.append(HookState(name: Self.prefix + "state." + s.name, s.payload))
        }
        return out
    }

    public func restore(from state: [HookState]) throws(HookError) {
        let mine = state.filter { $0.name.hasPrefix(Self.prefix) }
        guard !parameters.isEmpty else { return }
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
