import Foundation
import TensorCore
import Layers
import Datasets
import Masks

/// Drives any `MaskSampler` through a training run: the one place masks enter the trainer,
/// which names no concrete sampler.
///
/// Per step, by `MaskKind` and `MaskTarget`:
///
///     beforeForward     effective ← value; sampler.sample (may refresh importance first);
///                       per-step + weights: effective ← multipliers ⊙ W  (a separate buffer)
///     afterBackward     per-step: grad ⊙= multipliers (m or m/p)   — dropped weights get 0
///                       fixed:    grad ⊙= m
///     afterOptimizer    fixed + weights: W ⊙= m  (pruned weights stay exactly 0 through
///                       momentum and weight decay)
///     evaluation        per-step: `EvalMask` (default none: the weights as trained);
///                       fixed masks stay applied (W is already m ⊙ W)
///
/// For target `weights` the gradient rule is the chain rule through effective = m/p ⊙ W; for
/// `gradients` it masks the gradient only. A fixed mask with target `gradients` does not prune:
/// the masked-out weights get no gradient but still feel the optimiser's weight decay.
///
/// Logs `masks.csv` in the run folder: per epoch and tensor the expected and realised numbers
/// of kept entries (mean, min, max over the epoch's steps), plus the sampler's own CSV rows.
/// Checkpoints carry the mask stream (`hook.masks.rng`), the epoch's partial counts and the
/// sampler's state (`hook.masks.state.<name>`; float arrays there are per masked entry), so a
/// resumed run samples exactly the same masks.
public final class MaskingHook: TrainingHook {
    public let sampler: any MaskSampler
    public let config: MaskConfig
    public let network: Network
    public let trainingSet: Dataset?
    /// The masks, allocated when the run starts.
    public private(set) var masks: MaskSet?
    private var restored: [SafetensorsTensor]?
    private var directory: URL?
    private var inverted: Bool { config.scaling == .inverted }
    // Counts of the current epoch: steps, Σ kept per tensor, min and max of the total kept.
    private var epochSteps = 0, lastIteration = -1
    private var keptSum: [Int] = []
    private var minTotal = Int.max, maxTotal = 0
    private var loggedEpoch = -1

    public static let prefix = "hook.masks."
    public static let countsFile = "masks.csv"

    public init(sampler: any MaskSampler, config: MaskConfig, network: Network, trainingSet: Dataset?) {
        self.sampler = sampler
        self.config = config
        self.network = network
        self.trainingSet = trainingSet
    }

    // MARK: - Run

    public func runStart(_ run: RunInfo) {
        guard sampler.kind != .none else { return }
        let parameters = config.scope.select(from: network.store)
        let perStep = sampler.kind == .perStep
        let set = MaskSet(parameters: parameters, seed: run.config.seed, keepProbabilities: perStep,
                          effectiveCopies: perStep && (config.target == .weights || config.evalMask == .expected),
                          samplingOrder: perStep && config.sampling == .exactK)
        masks = set
        keptSum = [Int](repeating: 0, count: parameters.count)
        directory = run.outputDirectory
        let context = MaskContext(network: network, trainingSet: trainingSet, batchSize: run.config.batchSize,
                                  seed: run.config.seed, iterationsPerEpoch: run.iterationsPerEpoch,
                                  startIteration: run.startIteration)
        let resuming = restored != nil
        do {
            let state = try restoredState()
            try sampler.start(context, masks: set, restored: resuming ? state : nil)
        } catch {
            // Sizes were checked in `restore(from:)`; what is left is a corrupt file.
            preconditionFailure("masks: cannot start '\(sampler.name)': \(error)")
        }
        prepareLogs(resumeAt: resuming ? run.startIteration : nil)
        if sampler.kind == .fixed && config.target == .weights { prune(set) }
    }

    public func beforeForward(step: TrainingStep) {
        guard let masks, sampler.kind != .none else { return }
        for p in masks.parameters { p.effective = p.value }
        let s = MaskStep(iteration: step.iteration, epoch: step.epoch, batchInEpoch: step.batchInEpoch,
                         learningRate: step.learningRate, inputs: step.inputs, labels: step.labels, count: step.count)
        sampler.sample(s, masks: masks)
        writeLogRows(sampler.takeLogRows())
        if sampler.kind == .perStep && config.target == .weights {
            for i in masks.parameters.indices {
                let p = masks.parameters[i], e = masks.effective(i)
                MaskKernels.multiply(masks.multipliers(i).pointer, p.value.pointer, into: e.pointer, count: e.count)
                p.effective = e
            }
        }
        count(step, masks)
    }

    public func afterBackward(step: TrainingStep) {
        guard let masks, sampler.kind != .none else { return }
        for i in masks.parameters.indices {
            let g = masks.parameters[i].grad
            MaskKernels.multiplyInPlace(g.pointer, by: masks.multipliers(i).pointer, count: g.count)
        }
    }

    public func afterOptimizerStep(step: TrainingStep) {
        guard let masks, sampler.kind == .fixed, config.target == .weights else { return }
        prune(masks)
    }

    public func beforeEvaluation(epoch: Int) {
        if let masks, epoch != loggedEpoch, epochSteps > 0 { logEpoch(epoch, masks) }
        guard let masks, sampler.kind == .perStep else { return }
        for i in masks.parameters.indices {
            let p = masks.parameters[i]
            if config.evalMask == .expected && config.target == .weights {
                let e = masks.effective(i)
                MaskKernels.expected(weights: p.value.pointer, keep: masks.keep(i).pointer, inverted: inverted, into: e.pointer, count: e.count)
                p.effective = e
            } else {
                p.effective = p.value
            }
        }
    }

    public func afterEvaluation(epoch: Int) {
        guard let masks else { return }
        for p in masks.parameters { p.effective = p.value }
    }

    private func prune(_ masks: MaskSet) {
        for i in masks.parameters.indices {
            let w = masks.parameters[i].value
            MaskKernels.multiplyInPlace(w.pointer, by: masks.multipliers(i).pointer, count: w.count)
        }
    }

    // MARK: - Counting kept entries

    private func count(_ step: TrainingStep, _ masks: MaskSet) {
        var total = 0
        for i in masks.kept.indices {
            keptSum[i] += masks.kept[i]
            total += masks.kept[i]
        }
        minTotal = min(minTotal, total)
        maxTotal = max(maxTotal, total)
        epochSteps += 1
        lastIteration = step.iteration
    }

    private func logEpoch(_ epoch: Int, _ masks: MaskSet) {
        let header = "iteration,epoch,tensor,entries,expected_kept,mean_kept,min_total_kept,max_total_kept,steps"
        var rows: [MaskLogRow] = []
        var entries = 0, expected = 0.0, sum = 0
        for i in masks.parameters.indices {
            let n = masks.parameters[i].shape.count
            entries += n
            expected += masks.expectedKept[i]
            sum += keptSum[i]
            rows.append(MaskLogRow(file: Self.countsFile, header: header, key: lastIteration, line:
                "\(lastIteration),\(epoch),\(masks.parameters[i].name),\(n),\(format(masks.expectedKept[i])),\(format(Double(keptSum[i]) / Double(epochSteps))),,,\(epochSteps)"))
        }
        rows.append(MaskLogRow(file: Self.countsFile, header: header, key: lastIteration, line:
            "\(lastIteration),\(epoch),all,\(entries),\(format(expected)),\(format(Double(sum) / Double(epochSteps))),\(minTotal),\(maxTotal),\(epochSteps)"))
        writeLogRows(rows)
        loggedEpoch = epoch
        epochSteps = 0
        for i in keptSum.indices { keptSum[i] = 0 }
        minTotal = .max
        maxTotal = 0
    }

    private func format(_ x: Double) -> String { String(format: "%.2f", x) }

    // MARK: - Log files

    /// Fresh run: removes stale logs. Resume at P: keeps rows with key < P.
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
            let kept = lines.filter { line in
                Int(line.prefix { $0 != "," }).map { $0 < start } ?? false
            }
            try? ([header] + kept).map(String.init).joined(separator: "\n").appending("\n").write(to: url, atomically: true, encoding: .utf8)
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

    public func checkpointTensors() -> [SafetensorsTensor] {
        guard let masks, sampler.kind != .none else { return [] }
        var out = [SafetensorsTensor(name: Self.prefix + "rng", rawBytes: masks.random.state),
                   SafetensorsTensor(name: Self.prefix + "epoch_counts", shape: [keptSum.count + 5],
                                     int64s: ([epochSteps, lastIteration, minTotal, maxTotal, loggedEpoch] + keptSum).map(Int64.init))]
        for s in sampler.state() {
            let name = Self.prefix + "state." + s.name
            switch s.payload {
            case let .floats(v): out.append(SafetensorsTensor(name: name, shape: [v.count], floats: v))
            case let .integers(v): out.append(SafetensorsTensor(name: name, shape: [v.count], int64s: v))
            case let .bytes(v): out.append(SafetensorsTensor(name: name, rawBytes: v))
            }
        }
        return out
    }

    public func restore(from tensors: [SafetensorsTensor]) throws(CheckpointError) {
        let mine = tensors.filter { $0.name.hasPrefix(Self.prefix) }
        guard sampler.kind != .none else { return }
        guard !mine.isEmpty else {
            throw .hookState(path: "", message: "the checkpoint has no mask state (\(Self.prefix)…); it was written by a run without masks '\(sampler.name)'")
        }
        // Per-entry sampler state (float arrays) must fit the masked tensors of this model and scope.
        let entries = config.scope.select(from: network.store).reduce(0) { $0 + $1.shape.count }
        for t in mine where t.name.hasPrefix(Self.prefix + "state.") && t.dtype == .f32 && t.count != entries {
            throw .hookState(path: "", message: "\(t.name) has \(t.count) entries but the masked tensors of \(network.name) have \(entries) (same model, mask and scope?)")
        }
        restored = mine
    }

    /// Applies the non-sampler part of the restored state and returns the sampler's part.
    private func restoredState() throws(MaskError) -> [MaskState] {
        guard let restored, let masks else { return [] }
        var state: [MaskState] = []
        for t in restored {
            let name = String(t.name.dropFirst(Self.prefix.count))
            if name == "rng" {
                do { try masks.random.restore(state: t.bytes) } catch { throw .state("\(t.name): \(error)") }
            } else if name == "epoch_counts" {
                let v = t.int64s.map(Int.init)
                guard v.count == keptSum.count + 5 else { throw .state("\(t.name) has \(v.count) entries, expected \(keptSum.count + 5)") }
                (epochSteps, lastIteration, minTotal, maxTotal, loggedEpoch) = (v[0], v[1], v[2], v[3], v[4])
                keptSum = Array(v[5...])
            } else if name.hasPrefix("state.") {
                let key = String(name.dropFirst("state.".count))
                switch t.dtype {
                case .f32: state.append(MaskState(name: key, .floats(t.floats)))
                case .i64: state.append(MaskState(name: key, .integers(t.int64s)))
                default: state.append(MaskState(name: key, .bytes(t.bytes)))
                }
            }
        }
        return state
    }
}
