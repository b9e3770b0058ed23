import Foundation
import TensorCore
import Stats
import Layers
import Datasets

/// The training loop: small on purpose. Everything around the steps is a callback — the
/// metrics files (`MetricsFiles`) and the checkpoint schedule (`CheckpointSchedule`) are built
/// in, display and extra logging are the caller's — and anything that changes the computation
/// (masks, importance, pruning) is a `TrainingHook`.
///
/// Per step (iteration t, learning rate `schedule(t)`):
///
///     hooks.beforeForward → network.beginStep (dropout masks of step t) → zero gradients
///     → network.withEffectiveWeights(hooks' forwardWeights) { forward (.training) → loss (NaN/Inf ⇒ stop) → backward }
///     → hooks.afterBackward → optimiser step (then the hooks' own tensors', `Trainer+HookParameters`)
///     → hooks.afterOptimizerStep → callbacks.batchEnd
///
/// Per epoch: hooks.epochEnd; test (and validation) loss and accuracy through `evaluator` (the
/// hooks' evaluation weights, `.inference` mode, batched); every weight, buffer and optimiser
/// state checked finite (else the run fails, naming the tensor and index); callbacks.epochEnd
/// (the metrics row, `last.safetensors` when due, written atomically). A stop requested mid-epoch
/// ends the run after the current batch, with a checkpoint at that position. Nothing is allocated
/// inside a step once the first batch has run.
///
/// Determinism: data order and augmentation are functions of (seed, epoch, batch), reductions
/// run in a fixed order for a given thread count, and the epoch's partial sums are saved in
/// mid-epoch checkpoints, so the same config, seed and thread count give bit-identical metrics
/// whether or not the run was interrupted and resumed.
public final class Trainer {
    public let config: TrainingConfig
    public let network: Network
    public let splits: DataSplits
    public let optimizer: any Optimizer
    public let schedule: any LearningRateSchedule
    public let outputDirectory: URL?
    public let callbacks: [any TrainingCallback]
    public let hooks: [any TrainingHook]
    public let control: TrainingControl
    /// The one way this run evaluates: inside the hooks' evaluation weights (see `RunEvaluator`).
    public let evaluator: RunEvaluator
    public let iterationsPerEpoch: Int
    public let totalIterations: Int
    /// Where the run is: position, partial sums of the epoch in progress, completed epochs.
    public private(set) var progress = TrainingProgress()
    /// The newest checkpoint written or resumed from.
    public private(set) var lastCheckpoint: URL?
    /// The caller's check that `outputDirectory` is still its own (a run folder deleted or
    /// replaced under a live run belongs to someone else), asked before the trainer, its
    /// callbacks or its hooks write there: at the start, after every batch, at every epoch's end
    /// (before the hooks' and after the evaluation), before every checkpoint and at the end. Its
    /// error stops the run without another write (the callbacks' `runFailed` is not called).
    public var outputCheck: (() throws(TrainingError) -> Void)?
    /// What this run's checkpoints record and a resume checks (`RunConditions`): the caller's
    /// configuration, if given, and the data splits' fingerprints (computed at the first use).
    public private(set) lazy var conditions = RunConditions(config: recordedConfig, data: Self.fingerprints(splits), kernels: .current)
    /// The warnings of the last checkpoint loaded (`RunConditions.check`): conditions it could not
    /// be checked against (written before checkpoints recorded them), or other kernels than this
    /// process's; empty when it matched in every respect.
    public private(set) var resumeWarnings: [String] = []

    private let trainLoader: BatchLoader
    private let testLoader: BatchLoader
    private let validationLoader: BatchLoader?
    /// `config.trainEval` training images in inference mode at each epoch's end (nil when off).
    private let trainEvalLoader: BatchLoader?
    /// The built-in callbacks around the caller's: metrics files first, the checkpoint schedule last.
    private var observers: [any TrainingCallback] = []
    /// Every hook's forward weights, gathered once the hooks have started.
    private var stepWeights = EffectiveWeights.none
    /// When this process took up the epoch in progress (`DispatchTime` nanoseconds).
    private var segmentStart = DispatchTime.now().uptimeNanoseconds
    /// The optimisers of the hooks' own trainable tensors (`TrainingHook.trainableParameters`),
    /// one per hook that has any, each holding its hook's store (`Trainer+HookParameters`).
    let hookOptimizers: [any Optimizer]
    private let recordedConfig: RunConditions.Config?

    /// `last.safetensors` in the output folder.
    public var checkpointURL: URL? { outputDirectory?.appendingPathComponent("last.safetensors") }

    /// Prepares a run: checks the config, builds the optimiser and schedule, allocates the
    /// network's buffers for the larger of the training and evaluation batch sizes, and sets the
    /// thread count. `augmentation` applies to training batches only. `recordedConfig` is the
    /// run's whole configuration, which checkpoints record and a resume must match (nil: only
    /// the seed is checked; the data always is, see `RunConditions`).
    public init(config: TrainingConfig, network: Network, splits: DataSplits, outputDirectory: URL?,
                callbacks: [any TrainingCallback] = [], hooks: [any TrainingHook] = [],
                augmentation: (any Augmentation)? = nil, control: TrainingControl = TrainingControl(),
                recordedConfig: RunConditions.Config? = nil) throws(TrainingError) {
        if let message = config.validationError() { throw .invalidConfig(message) }
        guard splits.train.count > 0, splits.test.count > 0 else {
            throw .invalidConfig("the training and test sets must not be empty (train \(splits.train.count), test \(splits.test.count))")
        }
        for d in [splits.train, splits.test] + (splits.validation.map { [$0] } ?? []) {
            guard d.sampleShape.count == network.sampleShape.count, d.classes <= network.classes else {
                throw .invalidConfig("dataset \(d.name) (samples \(d.sampleShape), \(d.classes) classes) does not fit \(network.name) (samples \(network.sampleShape), \(network.classes) classes)")
            }
        }
        self.config = config
        self.network = network
        self.splits = splits
        self.outputDirectory = outputDirectory
        self.callbacks = callbacks
        self.hooks = hooks
        self.control = control
        self.recordedConfig = recordedConfig
        evaluator = RunEvaluator(network: network, hooks: hooks)
        Parallel.setThreads(config.threads)
        do { optimizer = try OptimizerRegistry.make(config.optimizer, store: network.store) } catch { throw .optimizer(error) }
        do { hookOptimizers = try Self.hookParameterOptimizers(hooks, config: config.optimizer) } catch { throw .optimizer(error) }
        let streams = RandomStreams(seed: config.seed)
        trainLoader = BatchLoader(dataset: splits.train, batchSize: config.batchSize, shuffle: true,
                                  streams: RandomStreams(seed: config.dataOrderSeed ?? config.seed), augmentation: augmentation)
        testLoader = BatchLoader(dataset: splits.test, batchSize: config.evalBatchSize, shuffle: false, streams: streams)
        validationLoader = splits.validation.map {
            BatchLoader(dataset: $0, batchSize: config.evalBatchSize, shuffle: false, streams: streams)
        }
        trainEvalLoader = config.trainEval > 0
            ? BatchLoader(dataset: Self.trainEvalSubset(config.trainEval, of: splits.train), batchSize: config.evalBatchSize,
                          shuffle: false, streams: streams)
            : nil
        iterationsPerEpoch = trainLoader.batchesPerEpoch
        totalIterations = config.budget.totalIterations(iterationsPerEpoch: iterationsPerEpoch)
        let context = ScheduleContext(baseLearningRate: config.optimizer.learningRate,
                                      totalIterations: totalIterations, iterationsPerEpoch: iterationsPerEpoch)
        do { schedule = try ScheduleRegistry.make(config.schedule, context: context) } catch { throw .schedule(error) }
        network.prepare(batch: max(config.batchSize, config.evalBatchSize))
    }

    /// The training images `trainEval` evaluates: `count` of `train` (all when `count` ≥ its size)
    /// picked by a fixed stream (seed 0, `.validationSplit`, 3) and kept in their order, so every
    /// seed and arm of a study measures the same images of the same split.
    public static func trainEvalSubset(_ count: Int, of train: Dataset) -> Dataset {
        guard count < train.count else { return train }
        let chosen = RandomStreams(seed: 0).stream(.validationSplit, 3).permutation(train.count).prefix(count).map { Int($0) }.sorted()
        return train.subset(chosen, name: train.name)
    }

    /// One call for the CLI: prepares a trainer and runs it. A fresh run initialises the
    /// network's parameters from `config.seed` (unless `initialise` is false, e.g. for a rewound
    /// lottery ticket); with `resume`, a `last.safetensors` in `outputDirectory` is loaded and
    /// the run continues from its position (a fresh start if there is none).
    @discardableResult
    public static func run(config: TrainingConfig, splits: DataSplits, network: Network, outputDirectory: URL?,
                           callbacks: [any TrainingCallback] = [], hooks: [any TrainingHook] = [],
                           augmentation: (any Augmentation)? = nil, resume: Bool = false,
                           initialise: Bool = true) throws(TrainingError) -> TrainingResult {
        let trainer = try Trainer(config: config, network: network, splits: splits, outputDirectory: outputDirectory,
                                  callbacks: callbacks, hooks: hooks, augmentation: augmentation)
        return try trainer.run(resume: resume, initialise: initialise)
    }

    /// Runs to the end of the budget (or until a stop is requested); see `Trainer.run(config:…)`.
    public func run(resume: Bool = false, initialise: Bool = true) throws(TrainingError) -> TrainingResult {
        try start(resume: resume, initialise: initialise)
        var status = RunStatus.completed
        do {
            while progress.iteration < totalIterations {
                segmentStart = DispatchTime.now().uptimeNanoseconds
                guard try trainEpoch() else { status = .stopped; break }
                try finishEpoch()
                if control.stopRequested && progress.iteration < totalIterations { status = .stopped; break }
            }
        } catch {
            try outputCheck?()
            for o in observers { o.runFailed(error, progress: progress) }
            throw error
        }
        var summary = RunSummary(status: status, model: network.name, parameters: network.parameterCount,
                                 iterations: progress.iteration, history: progress.history, config: config)
        if progress.batchInEpoch > 0 { summary.totalSeconds += epochWallSeconds }   // stopped inside an epoch
        let result = TrainingResult(history: progress.history, summary: summary, lastCheckpoint: lastCheckpoint, progress: progress)
        try outputCheck?()
        for o in observers { try o.runEnd(result) }
        return result
    }

    // MARK: - Start

    /// Loads and checks the checkpoint a resumed run would continue from (when there is one),
    /// exactly as `run(resume: true)` will, so that a corrupt or foreign checkpoint is refused
    /// before the caller writes anything into the run folder. Loading again in `run` is idempotent.
    public func checkResume() throws(TrainingError) {
        if let url = checkpointURL, FileManager.default.fileExists(atPath: url.path) { try load(url) }
    }

    /// Loads the checkpoint (resume) or initialises the weights, then starts hooks and callbacks.
    private func start(resume: Bool, initialise: Bool) throws(TrainingError) {
        try outputCheck?()
        if let dir = outputDirectory {
            do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
                throw .output(path: dir.path, reason: "cannot create the output folder: \(error.localizedDescription)")
            }
        }
        progress = TrainingProgress()
        if resume, let url = checkpointURL, FileManager.default.fileExists(atPath: url.path) {
            try load(url)
        } else {
            if initialise { network.store.initialise(streams: RandomStreams(seed: config.seed)) }
            optimizer.reset()
            resetHookOptimizers()
        }
        let run = RunStart(seed: config.seed, batchSize: config.batchSize, iterationsPerEpoch: iterationsPerEpoch,
                           totalIterations: totalIterations, startIteration: progress.iteration, outputDirectory: outputDirectory,
                           optimizerSlots: OptimizerSlots(storage: optimizer.state, count: optimizer.slots.count, stride: network.store.count))
        stepWeights = .none
        for h in hooks {
            do { try h.runStart(run) } catch {
                throw lastCheckpoint.map { .checkpoint(.hookState(path: $0.path, message: error.message)) } ?? .invalidConfig(error.message)
            }
            stepWeights.add(h.forwardWeights)
        }
        observers = (outputDirectory.map { [MetricsFiles(directory: $0)] } ?? []) + callbacks
            + (checkpointURL.map { [CheckpointSchedule(trainer: self, url: $0)] } ?? [])
        let info = RunInfo(config: config, modelName: network.name, parameterCount: network.parameterCount,
                           trainSamples: splits.train.count, iterationsPerEpoch: iterationsPerEpoch,
                           totalIterations: totalIterations, epochs: config.budget.epochs(iterationsPerEpoch: iterationsPerEpoch),
                           startIteration: progress.iteration, startEpoch: progress.epoch, startBatch: progress.batchInEpoch,
                           history: progress.history, outputDirectory: outputDirectory, control: control, evaluator: evaluator)
        try outputCheck?()
        for o in observers { try o.runStart(info) }
    }

    /// Restores the network, optimiser, hooks and position from the checkpoint at `url`; every
    /// number and tensor is checked first (`Checkpoint.load`), the seed must be this run's, and
    /// so must the recorded configuration and data (`RunConditions.check`).
    private func load(_ url: URL) throws(TrainingError) {
        let contents: Checkpoint.Contents
        do {
            contents = try Checkpoint.load(from: url, into: network, optimizer: optimizer, iterationsPerEpoch: iterationsPerEpoch)
        } catch { throw .checkpoint(error) }
        guard contents.seed == config.seed else {
            throw .invalidConfig("checkpoint \(url.path) was written with seed \(contents.seed), the config has \(config.seed)")
        }
        do { resumeWarnings = try conditions.check(contents.metadata, path: url.path) } catch { throw .checkpoint(error) }
        for h in hooks {
            do { try h.restore(from: contents.hookState) } catch {
                throw .checkpoint(.hookState(path: url.path, message: error.message))
            }
        }
        do { try restoreHookParameters(from: contents.hookState, stepCount: optimizer.stepCount) } catch {
            throw .checkpoint(.hookState(path: url.path, message: error.message))
        }
        progress = contents.progress
        lastCheckpoint = url
    }

    // MARK: - Epochs

    /// Trains the rest of the epoch in progress; false when a stop was requested before its end.
    private func trainEpoch() throws(TrainingError) -> Bool {
        trainLoader.start(epoch: progress.epoch, batch: progress.batchInEpoch)
        var segmentStart = DispatchTime.now().uptimeNanoseconds
        while progress.iteration < totalIterations, let batch = trainLoader.next() {
            let lr = schedule.learningRate(at: progress.iteration)
            let (loss, correct) = try trainStep(batch, learningRate: lr)
            let now = DispatchTime.now().uptimeNanoseconds
            progress.record(loss: loss, correct: correct, count: batch.count, seconds: Double(now - segmentStart) * 1e-9)
            let report = BatchReport(iteration: progress.iteration - 1, epoch: progress.epoch, batchInEpoch: progress.batchInEpoch - 1,
                                     batchesPerEpoch: iterationsPerEpoch, loss: loss, correct: correct, count: batch.count,
                                     learningRate: lr, epochTrainSeconds: progress.epochTrainSeconds,
                                     epochSamples: progress.epochSamples)
            try outputCheck?()
            for o in observers { try o.batchEnd(report) }
            let endsEpoch = progress.batchInEpoch >= iterationsPerEpoch || progress.iteration >= totalIterations
            if control.stopRequested && !endsEpoch {
                if control.checkpointsOnStop, let url = checkpointURL { try saveCheckpoint(to: url) }
                return false
            }
            segmentStart = DispatchTime.now().uptimeNanoseconds
        }
        return true
    }

    /// End of the epoch (or of the budget, mid-epoch): evaluation, the finiteness check, the
    /// metrics row and the callbacks.
    private func finishEpoch() throws(TrainingError) {
        let epoch = progress.epoch
        try outputCheck?()
        for h in hooks { h.epochEnd(epoch: epoch) }
        let test = evaluator.evaluate(testLoader)
        let validation = validationLoader.map { evaluator.evaluate($0) }
        let trainEval = trainEvalLoader.map { evaluator.evaluate($0) }
        try checkFinite()
        let samples = progress.epochSamples, trainSeconds = progress.epochTrainSeconds
        var metrics = EpochMetrics(
            epoch: epoch, iterations: progress.iteration, samples: samples,
            trainLoss: progress.epochLossSum / Double(max(samples, 1)),
            trainAccuracy: Double(progress.epochCorrect) / Double(max(samples, 1)),
            testLoss: test.loss, testAccuracy: test.accuracy,
            validationLoss: validation?.loss, validationAccuracy: validation?.accuracy,
            trainEvalLoss: trainEval?.loss, trainEvalAccuracy: trainEval?.accuracy,
            learningRate: schedule.learningRate(at: max(progress.iteration - 1, 0)),
            imagesPerSecond: trainSeconds > 0 ? Double(samples) / trainSeconds : 0,
            trainSeconds: trainSeconds, wallSeconds: 0)
        metrics.wallSeconds = epochWallSeconds
        progress.finishEpoch(metrics)
        try outputCheck?()
        for o in observers { try o.epochEnd(metrics) }
    }

    // MARK: - One step

    /// Trains on one batch; returns its mean loss and correct count. Allocates nothing.
    private func trainStep(_ batch: Batch, learningRate lr: Float) throws(TrainingError) -> (Double, Int) {
        let step = TrainingStep(iteration: progress.iteration, epoch: progress.epoch, batchInEpoch: progress.batchInEpoch,
                                learningRate: lr, inputs: batch.inputs, labels: batch.labels, count: batch.count)
        for h in hooks { h.beforeForward(step: step) }
        network.beginStep(seed: config.seed, iteration: step.iteration)
        network.store.zeroGradients()
        zeroHookGradients()
        let (loss, correct) = try network.withEffectiveWeights(stepWeights) { () throws(TrainingError) -> (Double, Int) in
            let logits = network.forward(batch.inputs, mode: .training)
            let (loss, correct) = network.loss.forward(logits: logits, labels: batch.labels)
            guard loss.isFinite else {
                throw .nonFinite(step: step.iteration, epoch: step.epoch, loss: loss, lastGoodCheckpoint: lastCheckpoint?.path, hint: divergenceHint)
            }
            network.backward(network.loss.backward())
            return (loss, correct)
        }
        for h in hooks { h.afterBackward(step: step) }
        optimizer.step(learningRate: lr)
        stepHookParameters(learningRate: lr)
        for h in hooks { h.afterOptimizerStep(step: step) }
        return (loss, correct)
    }

    // MARK: - Weights and checkpoints

    /// Fails the run when a weight, buffer or optimiser state is NaN or infinite: ReLU can hide
    /// NaN weights from the loss guard, and such a run must neither complete nor be checkpointed.
    private func checkFinite() throws(TrainingError) {
        guard let bad = network.store.firstNonFinite(also: optimizer.stateTensors + hookParameterTensors) else { return }
        throw .nonFiniteWeights(tensor: bad.name, index: bad.index, value: bad.value, step: progress.iteration,
                                epoch: progress.epoch, lastGoodCheckpoint: lastCheckpoint?.path, hint: divergenceHint)
    }

    /// Wall time of the epoch in progress so far, seconds: earlier processes' share (a resumed
    /// run) plus this one's since it took the epoch up.
    private var epochWallSeconds: Double {
        progress.epochWallSeconds + Double(DispatchTime.now().uptimeNanoseconds - segmentStart) * 1e-9
    }

    /// The first hook's named cause of a divergence, else the learning rate.
    private var divergenceHint: String { hooks.lazy.compactMap(\.divergenceHint).first ?? TrainingError.learningRateHint }

    /// Writes `last.safetensors` at the current position (after checking the weights are finite).
    func saveCheckpoint(to url: URL) throws(TrainingError) {
        try checkFinite()
        try outputCheck?()
        var hookState: [HookState] = []
        for h in hooks { hookState += h.checkpointState() }
        hookState += hookParameterState()
        do {
            // Mid-epoch, the epoch's wall time so far goes with it (at a boundary the next epoch has not begun).
            var saved = progress
            saved.epochWallSeconds = progress.batchInEpoch > 0 ? epochWallSeconds : 0
            try Checkpoint.save(to: url, network: network, optimizer: optimizer, progress: saved, seed: config.seed,
                                hookState: hookState, extraMetadata: conditions.metadata)
        } catch { throw .checkpoint(error) }
        lastCheckpoint = url
    }
}

extension Trainer {
    /// Each split's `Dataset.fingerprint` by name ("train", "test", "validation" when there is one).
    static func fingerprints(_ splits: DataSplits) -> [String: String] {
        var out = ["train": splits.train.fingerprint, "test": splits.test.fingerprint]
        if let v = splits.validation { out["validation"] = v.fingerprint }
        return out
    }
}
