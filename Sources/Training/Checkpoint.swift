import Foundation
import TensorCore
import Layers

/// A training checkpoint in safetensors format: everything needed to continue a run exactly.
///
/// Tensors:
/// - every parameter and float buffer under its PyTorch `state_dict` name (F32), and every
///   counter (`num_batches_tracked`) as an I64 scalar of shape `[]`;
/// - the optimiser's state as `optimizer.<parameter name>.<slot>` (F32, the parameter's shape);
/// - training hooks' `HookState` under names beginning `hook.`, one-dimensional: F32 floats,
///   I64 integers, U8 bytes (e.g. the mask stream's live MT19937 state, a fixed mask).
///
/// Metadata (strings): `format` ("masklab-checkpoint"), `format_version`, `model`, `seed`,
/// `step` (iterations completed), `epoch` (in progress, 0-based), `batch_in_epoch`,
/// `optimizer`, `optimizer_step`, the partial sums of the epoch in progress
/// (`epoch_loss_sum` printed to round-trip exactly, `epoch_correct`, `epoch_samples`,
/// `epoch_train_seconds`, `epoch_wall_seconds`), `history` (JSON of the completed epochs' metrics) and `rng`, which
/// says where the random state is: the trainer's streams (initialisation, data order,
/// augmentation) are derived from (seed, purpose, epoch, batch), so the seed and the position
/// recreate them; a hook's live streams (the mask stream, one per run) are saved as its state.
/// A trainer's checkpoints also record the conditions of the run (`RunConditions`: `run_config`,
/// `data_fingerprint_<split>`), which a resume must match, and every file MaskLab writes holds
/// the checksum of its tensor data (`data_xxh64`, `SafetensorsFile.checksumKey`), verified on load.
public enum Checkpoint {
    public static let format = "masklab-checkpoint"
    public static let formatVersion = 1
    /// Prefix of tensors owned by training hooks (not checked against the model).
    public static let hookPrefix = HookState.prefix
    /// The largest count (steps, epochs, samples) a checkpoint's metadata may hold: far beyond any
    /// real run, small enough that position arithmetic cannot overflow.
    public static let maximumCount = 1_000_000_000_000

    /// What `load` returns besides the restored tensors.
    public struct Contents: Sendable {
        public var progress: TrainingProgress
        public var seed: UInt64
        public var modelName: String
        public var metadata: [String: String]
        /// The entries under `hook.`, for the training hooks to restore.
        public var hookState: [HookState]
    }

    /// The checkpoint as a safetensors file (copies the tensors).
    public static func encode(network: Network, optimizer: (any Optimizer)?, progress: TrainingProgress, seed: UInt64,
                              hookState: [HookState] = [], extraMetadata: [String: String] = [:]) -> SafetensorsFile {
        var tensors: [SafetensorsTensor] = []
        let store = network.store
        for p in store.parameters {
            tensors.append(SafetensorsTensor(name: p.name, shape: p.shape.dims, floats: p.value.pointer, count: p.value.count))
        }
        for b in store.buffers {
            tensors.append(SafetensorsTensor(name: b.name, shape: b.shape.dims, floats: b.value.pointer, count: b.value.count))
        }
        for c in store.counters {
            tensors.append(SafetensorsTensor(name: c.name, shape: [], int64s: [c.value]))
        }
        if let optimizer {
            for (name, t) in optimizer.stateTensors {
                tensors.append(SafetensorsTensor(name: name, shape: t.shape.dims, floats: t.pointer, count: t.count))
            }
        }
        for s in hookState {
            precondition(s.name.hasPrefix(hookPrefix), "hook state '\(s.name)' must be named \(hookPrefix)…")
            tensors.append(SafetensorsTensor(s))
        }
        var meta = extraMetadata
        meta["format"] = format
        meta["format_version"] = String(formatVersion)
        meta["model"] = network.name
        meta["seed"] = String(seed)
        meta["step"] = String(progress.iteration)
        meta["epoch"] = String(progress.epoch)
        meta["batch_in_epoch"] = String(progress.batchInEpoch)
        meta["epoch_loss_sum"] = String(progress.epochLossSum)
        meta["epoch_correct"] = String(progress.epochCorrect)
        meta["epoch_samples"] = String(progress.epochSamples)
        meta["epoch_train_seconds"] = String(progress.epochTrainSeconds)
        meta["epoch_wall_seconds"] = String(progress.epochWallSeconds)
        meta["optimizer"] = optimizer?.name ?? ""
        meta["optimizer_step"] = String(optimizer?.stepCount ?? 0)
        meta["rng"] = "trainer streams derived from (seed, purpose, epoch, batch); live hook streams saved under hook."
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        meta["history"] = (try? encoder.encode(progress.history)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        return SafetensorsFile(tensors: tensors, metadata: meta)
    }

    /// Writes a checkpoint to `url` atomically (temporary file + rename).
    public static func save(to url: URL, network: Network, optimizer: (any Optimizer)?, progress: TrainingProgress,
                            seed: UInt64, hookState: [HookState] = [],
                            extraMetadata: [String: String] = [:]) throws(CheckpointError) {
        let file = encode(network: network, optimizer: optimizer, progress: progress, seed: seed,
                          hookState: hookState, extraMetadata: extraMetadata)
        do { try file.write(to: url) } catch { throw .file(error) }
    }

    /// Reads `url` and restores the network's parameters, buffers and counters and (when given)
    /// the optimiser's state and step count. Names and shapes are checked strictly before anything
    /// is written: a mismatch lists every missing and unexpected name and changes nothing.
    /// Optimiser tensors are ignored when `optimizer` is nil (e.g. for evaluation). Every
    /// metadata number is range-checked, with `iterationsPerEpoch` (when resuming) the position
    /// as a whole (`TrainingProgress.checkPosition`), and every float tensor must be finite.
    @discardableResult
    public static func load(from url: URL, into network: Network, optimizer: (any Optimizer)?,
                            iterationsPerEpoch: Int? = nil) throws(CheckpointError) -> Contents {
        let file: SafetensorsFile
        do { file = try SafetensorsFile.read(from: url) } catch { throw .file(error) }
        return try restore(file, path: url.path, into: network, optimizer: optimizer, iterationsPerEpoch: iterationsPerEpoch)
    }

    /// `load` for a file already in memory; `path` names it in errors.
    public static func restore(_ file: SafetensorsFile, path: String, into network: Network,
                               optimizer: (any Optimizer)?, iterationsPerEpoch: Int? = nil) throws(CheckpointError) -> Contents {
        let meta = file.metadata
        func value(_ key: String) throws(CheckpointError) -> String {
            guard let v = meta[key] else { throw .metadata(path: path, key: key, expected: "a value", got: "nothing") }
            return v
        }
        func integer(_ key: String, in range: ClosedRange<Int> = 0...maximumCount) throws(CheckpointError) -> Int {
            let v = try value(key)
            guard let i = Int(v), range.contains(i) else {
                throw .metadata(path: path, key: key, expected: "an integer in \(range.lowerBound)...\(range.upperBound)", got: "\"\(v)\"")
            }
            return i
        }
        func real(_ key: String) throws(CheckpointError) -> Double {
            let v = try value(key)
            guard let d = Double(v), d.isFinite, d >= 0 else {
                throw .metadata(path: path, key: key, expected: "a finite number ≥ 0", got: "\"\(v)\"")
            }
            return d
        }
        let fmt = try value("format")
        guard fmt == format else { throw .metadata(path: path, key: "format", expected: format, got: fmt) }
        let version = try integer("format_version", in: Int.min...Int.max)
        guard version == formatVersion else {
            throw .metadata(path: path, key: "format_version", expected: String(formatVersion), got: String(version))
        }
        let seedText = try value("seed")
        guard let seed = UInt64(seedText) else { throw .metadata(path: path, key: "seed", expected: "an unsigned integer in 0...\(UInt64.max)", got: "\"\(seedText)\"") }

        // Which names we expect, with dtype and shape.
        let store = network.store
        var expected: [String: (SafetensorsDType, [Int])] = [:]
        for p in store.parameters { expected[p.name] = (.f32, p.shape.dims) }
        for b in store.buffers { expected[b.name] = (.f32, b.shape.dims) }
        for c in store.counters { expected[c.name] = (.i64, []) }
        let optimizerTensors = optimizer?.stateTensors ?? []
        for (name, t) in optimizerTensors { expected[name] = (.f32, t.shape.dims) }
        var present: [String: SafetensorsTensor] = [:]
        var hookState: [HookState] = []
        var unexpected: [String] = []
        for t in file.tensors {
            if t.name.hasPrefix(hookPrefix) { hookState.append(t.hookState); continue }
            if optimizer == nil && t.name.hasPrefix("optimizer.") { continue }
            if expected[t.name] == nil { unexpected.append(t.name) } else { present[t.name] = t }
        }
        let missing = expected.keys.filter { present[$0] == nil }.sorted()
        guard missing.isEmpty && unexpected.isEmpty else {
            // Tensors in both with other shapes say more than the names (another width or hidden size).
            let shapes = present.keys.sorted().compactMap { name -> String? in
                guard let (_, shape) = expected[name], let t = present[name], t.shape != shape else { return nil }
                return "\(name) (model \(shape), file \(t.shape))"
            }
            throw .names(path: path, missing: missing, unexpected: unexpected.sorted(), shapes: shapes, optimizer: optimizer != nil)
        }
        for (name, (dtype, shape)) in expected.sorted(by: { $0.key < $1.key }) {
            let t = present[name]!
            guard t.dtype == dtype, t.shape == shape else {
                throw .tensor(path: path, name: name, expected: "\(dtype.rawValue) \(shape)", got: "\(t.dtype.rawValue) \(t.shape)")
            }
        }
        var optimizerStep = 0
        if let optimizer {
            let name = try value("optimizer")
            guard name == optimizer.name else { throw .metadata(path: path, key: "optimizer", expected: optimizer.name, got: "\"\(name)\"") }
            optimizerStep = try integer("optimizer_step")
        }
        var progress = TrainingProgress()
        progress.iteration = try integer("step")
        progress.epoch = try integer("epoch")
        progress.batchInEpoch = try integer("batch_in_epoch")
        progress.epochLossSum = try real("epoch_loss_sum")
        progress.epochSamples = try integer("epoch_samples")
        progress.epochCorrect = try integer("epoch_correct", in: 0...progress.epochSamples)
        progress.epochTrainSeconds = try real("epoch_train_seconds")
        // Checkpoints before 2026-11-30 have no wall time: the training time is its lower bound.
        progress.epochWallSeconds = meta["epoch_wall_seconds"] == nil ? progress.epochTrainSeconds : try real("epoch_wall_seconds")
        let history = try value("history")
        do {
            progress.history = try JSONDecoder().decode([EpochMetrics].self, from: Data(history.utf8))
        } catch {
            throw .metadata(path: path, key: "history", expected: "a JSON list of epoch metrics", got: String(history.prefix(60)))
        }
        // Epoch e's row holds epoch e, and its counts are within the run's.
        for (e, m) in progress.history.enumerated()
        where m.epoch != e || !(0...progress.iteration).contains(m.iterations) || !(0...maximumCount).contains(m.samples) {
            throw .metadata(path: path, key: "history",
                            expected: "row \(e) with epoch \(e), iterations in 0...\(progress.iteration), samples in 0...\(maximumCount)",
                            got: "epoch \(m.epoch), iterations \(m.iterations), samples \(m.samples)")
        }

        if let iterationsPerEpoch { try progress.checkPosition(iterationsPerEpoch: iterationsPerEpoch, path: path) }

        // Non-finite weights, buffers or optimiser state would train (or score) silently wrong.
        for name in expected.keys.sorted() where expected[name]!.0 == .f32 {
            if let (index, bad) = present[name]!.firstNonFinite() {
                throw .nonFinite(path: path, name: name, index: index, value: bad)
            }
        }

        // Everything checked: now write.
        for p in store.parameters { present[p.name]!.copyFloats(to: p.value.pointer) }
        for b in store.buffers { present[b.name]!.copyFloats(to: b.value.pointer) }
        for c in store.counters { c.value = present[c.name]!.int64s[0] }
        if let optimizer {
            for (name, t) in optimizerTensors { present[name]!.copyFloats(to: t.pointer) }
            optimizer.stepCount = optimizerStep
        }
        return Contents(progress: progress, seed: seed, modelName: meta["model"] ?? "", metadata: meta, hookState: hookState)
    }
}

extension TrainingProgress {
    /// Checks that the saved position is one a run with `iterationsPerEpoch` batches per epoch
    /// can be at (`load` checks each number alone; this checks them together), so that a corrupt
    /// or foreign checkpoint is refused with the key, the value and the valid range instead of
    /// resuming at an impossible position.
    ///
    /// Mid-epoch (`batch_in_epoch` b > 0) `step` = epoch·n + b. At an epoch boundary (b = 0)
    /// `step` ≤ epoch·n, and > (epoch − 1)·n: the last epoch of an iteration budget may be partial.
    public func checkPosition(iterationsPerEpoch n: Int, path: String) throws(CheckpointError) {
        let p = self
        guard p.batchInEpoch <= n else {
            throw .metadata(path: path, key: "batch_in_epoch", expected: "an integer in 0...\(n) (batches per epoch of this run)",
                            got: "\"\(p.batchInEpoch)\"")
        }
        // epoch, batch_in_epoch ≤ Checkpoint.maximumCount, so only epoch·n can overflow.
        let (start, overflow) = p.epoch.multipliedReportingOverflow(by: n)
        let valid = overflow ? nil : p.batchInEpoch > 0 ? (start + p.batchInEpoch)...(start + p.batchInEpoch)
            : (p.epoch == 0 ? 0...0 : (start - n + 1)...start)
        guard let valid, valid.contains(p.iteration) else {
            let range = valid.map { "\($0.lowerBound)...\($0.upperBound)" } ?? "none (epoch × \(n) overflows)"
            throw .metadata(path: path, key: "step",
                            expected: "an integer in \(range) (epoch \(p.epoch), batch_in_epoch \(p.batchInEpoch), \(n) batches per epoch)",
                            got: "\"\(p.iteration)\"")
        }
        guard p.history.count == p.epoch else {
            throw .metadata(path: path, key: "history", expected: "\(p.epoch) completed epochs (the saved epoch)", got: "\(p.history.count)")
        }
    }
}

extension SafetensorsTensor {
    /// A hook's state as a one-dimensional tensor under its name.
    init(_ state: HookState) {
        switch state.payload {
        case let .floats(v): self.init(name: state.name, shape: [v.count], floats: v)
        case let .integers(v): self.init(name: state.name, shape: [v.count], int64s: v)
        case let .bytes(v): self.init(name: state.name, rawBytes: v)
        }
    }

    /// The tensor as hook state (flattened), by dtype.
    var hookState: HookState {
        switch dtype {
        case .f32: return HookState(name: name, .floats(floats))
        case .i64: return HookState(name: name, .integers(int64s))
        case .u8: return HookState(name: name, .bytes(bytes))
        }
    }
}
