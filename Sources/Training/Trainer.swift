import Foundation
import TensorCore
import Stats
import Layers
import Datasets

/// The training loop: small on purpose. Evaluation, checkpoints and metrics files are its only
/// built-in duties; display and extra logging are `TrainingCallback`s, and anything that changes
/// the computation (masks, importance, pruning) is a `TrainingHook`.
///
/// Per step (iteration t, learning rate `schedule(t)`):
///
///     hooks.beforeForward → zero gradients → forward (.training) → loss (NaN/Inf ⇒ stop)
///     → backward → hooks.afterBackward → optimiser step → hooks.afterOptimizerStep
///
/// Per epoch: test (and validation) loss and accuracy in `.inference` mode, batched; the
/// metrics row; `last.safetensors` every `checkpointEveryEpochs` epochs (and every
/// `checkpointEveryIterations` iterations), written atomically. Nothing is allocated inside a
/// step once the first batch has run.
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
    public let iterationsPerEpoch: Int
    public let totalIterations: Int

    private let trainLoader: BatchLoader
    private let testLoader: BatchLoader
    private let validationLoader: BatchLoader?
    private var lastCheckpoint: URL?

    /// `last.safetensors` in the output folder.
    public var checkpointURL: URL? { outputDirectory?.appendingPathComponent("last.safetensors") }

    /// Prepares a run: checks the config, builds the optimiser and schedule, allocates the
    /// network's buffers for the larger of the training and evaluation batch sizes, and sets the
    /// thread count. `augmentation` applies to training batches only.
    public init(config: TrainingConfig, network: Network, splits: DataSplits, outputDirectory: URL?,
                callbacks: [any TrainingCallback] = [], hooks: [any TrainingHook] = [],
                augmentation: (any Augmentation)? = nil, control: TrainingControl = TrainingControl()) throws(TrainingError) {
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
        Parallel.setThreads(config.threads)
        do { optimizer = try OptimizerRegistry.make(config.optimizer, store: network.store) } catch { throw .optimizer(error) }
        let streams = RandomStreams(seed: config.seed)
        trainLoader = BatchLoader(dataset: splits.train, batchSize: config.batchSize, shuffle: true,
                                  streams: RandomStreams(seed: config.dataOrderSeed ?? config.seed), augmentation: augmentation)
        testLoader = BatchLoader(dataset: splits.test, batchSize: config.evalBatchSize, shuffle: false, streams: streams)
        validationLoader = splits.validation.map {
            BatchLoader(dataset: $0, batchSize: config.evalBatchSize, shuffle: false, streams: streams)
        }
        iterationsPerEpoch = trainLoader.batchesPerEpoch
        totalIterations = config.budget.totalIterations(iterationsPerEpoch: iterationsPerEpoch)
        let context = ScheduleContext(baseLearningRate: config.optimizer.learningRate,
                                      totalIterations: totalIterations, iterationsPerEpoch: iterationsPerEpoch)
        do { schedule = try ScheduleRegistry.make(config.schedule, context: context) } catch { throw .schedule(error) }
        network.prepare(batch: max(config.batchSize, config.evalBatchSize))
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
        if let dir = outputDirectory {
            do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
                throw .output(path: dir.path, reason: "cannot create the output folder: \(error.localizedDescription)")
            }
        }
        var progress = TrainingProgress()
        if resume, let url = checkpointURL, FileManager.default.fileExists(atPath: url.path) {
            let contents: Checkpoint.Contents
            do { contents = try Checkpoint.load(from: url, into: network, optimizer: optimizer) } catch { throw .checkpoint(error) }
            guard contents.seed == config.seed else {
                throw .invalidConfig("checkpoint \(url.path) was written with seed \(contents.seed), the config has \(config.seed)")
            }
            for h in hooks {
                do { try h.restore(from: contents.hookTensors) } catch { throw .checkpoint(error) }
            }
            progress = contents.progress
            lastCheckpoint = url
        } else {
            if initialise { network.store.initialise(streams: RandomStreams(seed: config.seed)) }
            optimizer.reset()
        }
        let log = outputDirectory.map { MetricsLog(directory: $0) }
        let info = RunInfo(config: config, modelName: network.name, parameterCount: network.parameterCount,
                           trainSamples: splits.train.count, iterationsPerEpoch: iterationsPerEpoch,
                           totalIterations: totalIterations,
                           epochs: config.budget.epochs(iterationsPerEpoch: iterationsPerEpoch),
                           startIteration: progress.iteration, startEpoch: progress.epoch, startBatch: progress.batchInEpoch,
                           outputDirectory: outputDirectory, control: control)
        for h in hooks { h.runStart(info) }
        for c in callbacks { c.runStart(info) }
        if let log { try log.write(history: progress.history) }

        var status = RunStatus.completed
        runLoop: while progress.iteration < totalIterations {
            let epochStart = DispatchTime.now().uptimeNanoseconds
            let epoch = progress.epoch
            trainLoader.start(epoch: epoch, batch: progress.batchInEpoch)
            var segmentStart = DispatchTime.now().uptimeNanoseconds
            while progress.iteration < totalIterations, let batch = trainLoader.next() {
                let lr = schedule.learningRate(at: progress.iteration)
                let loss: Double, correct: Int
                do { (loss, correct) = try trainStep(batch, learningRate: lr, progress: progress) } catch {
                    if let log {
                        try log.write(summary: RunSummary(status: .nonFinite, model: network.name, parameters: network.parameterCount,
                                                          iterations: progress.iteration, history: progress.history, config: config))
                    }
                    throw error
                }
                progress.iteration += 1
                progress.batchInEpoch += 1
                progress.epochLossSum += loss * Double(batch.count)
                progress.epochCorrect += correct
                progress.epochSamples += batch.count
                let now = DispatchTime.now().uptimeNanoseconds
                progress.epochTrainSeconds += Double(now - segmentStart) * 1e-9
                segmentStart = now
                let report = BatchReport(iteration: progress.iteration - 1, epoch: epoch, batchInEpoch: progress.batchInEpoch - 1,
                                         batchesPerEpoch: iterationsPerEpoch, loss: loss, correct: correct, count: batch.count,
                                         learningRate: lr, epochTrainSeconds: progress.epochTrainSeconds,
                                         epochSamples: progress.epochSamples)
                for c in callbacks { c.batchEnd(report) }
                let endsEpoch = progress.batchInEpoch >= iterationsPerEpoch || progress.iteration >= totalIterations
                let epochCheckpointFollows = endsEpoch && epochCheckpointDue(epoch: epoch, final: progress.iteration >= totalIterations)
                if config.checkpointEveryIterations > 0, progress.iteration % config.checkpointEveryIterations == 0,
                   !epochCheckpointFollows {
                    try saveCheckpoint(progress)
                }
                if control.stopRequested && !endsEpoch {
                    if control.checkpointsOnStop { try saveCheckpoint(progress) }
                    status = .stopped
                    break runLoop
                }
                segmentStart = DispatchTime.now().uptimeNanoseconds
            }

            // End of the epoch (or of the budget, mid-epoch).
            let test = evaluate(testLoader, epoch: epoch)
            let validation = validationLoader.map { evaluate($0, epoch: epoch) }
            let samples = progress.epochSamples
            let trainSeconds = progress.epochTrainSeconds
            var metrics = EpochMetrics(
                epoch: epoch, iterations: progress.iteration, samples: samples,
                trainLoss: progress.epochLossSum / Double(max(samples, 1)),
                trainAccuracy: Double(progress.epochCorrect) / Double(max(samples, 1)),
                testLoss: test.loss, testAccuracy: test.accuracy,
                validationLoss: validation?.loss, validationAccuracy: validation?.accuracy,
                learningRate: schedule.learningRate(at: max(progress.iteration - 1, 0)),
                imagesPerSecond: trainSeconds > 0 ? Double(samples) / trainSeconds : 0,
                trainSeconds: trainSeconds, wallSeconds: 0)
            metrics.wallSeconds = Double(DispatchTime.now().uptimeNanoseconds - epochStart) * 1e-9
            progress.finishEpoch(metrics)
            if let log { try log.write(history: progress.history) }
            for c in callbacks { c.epochEnd(metrics) }
            if epochCheckpointDue(epoch: epoch, final: progress.iteration >= totalIterations) {
                try saveCheckpoint(progress)
            }
            if control.stopRequested && progress.iteration < totalIterations {
                status = .stopped
                break runLoop
            }
        }

        let summary = RunSummary(status: status, model: network.name, parameters: network.parameterCount,
                                 iterations: progress.iteration, history: progress.history, config: config)
        if let log { try log.write(summary: summary) }
        let result = TrainingResult(history: progress.history, summary: summary, lastCheckpoint: lastCheckpoint, progress: progress)
        for c in callbacks { c.runEnd(result) }
        return result
    }

    // MARK: - One step

    /// Trains on one batch; returns its mean loss and correct count. Allocates nothing.
    private func trainStep(_ batch: Batch, learningRate lr: Float, progress: TrainingProgress) throws(TrainingError) -> (Double, Int) {
        let step = TrainingStep(iteration: progress.iteration, epoch: progress.epoch, batchInEpoch: progress.batchInEpoch,
                                learningRate: lr, inputs: batch.inputs, labels: batch.labels, count: batch.count)
        for h in hooks { h.beforeForward(step: step) }
        network.store.zeroGradients()
        let logits = network.forward(batch.inputs, mode: .training)
        let (loss, correct) = network.loss.forward(logits: logits, labels: batch.labels)
        guard loss.isFinite else {
            throw .nonFinite(step: progress.iteration, epoch: progress.epoch, loss: loss, lastGoodCheckpoint: lastCheckpoint?.path)
        }
        network.backward(network.loss.backward())
        for h in hooks { h.afterBackward(step: step) }
        optimizer.step(learningRate: lr)
        for h in hooks { h.afterOptimizerStep(step: step) }
        return (loss, correct)
    }

    // MARK: - Evaluation

    /// Mean loss and accuracy over a whole set in `.inference` mode, bracketed by the hooks'
    /// `beforeEvaluation`/`afterEvaluation`.
    private func evaluate(_ loader: BatchLoader, epoch: Int) -> LossAndAccuracy {
        for h in hooks { h.beforeEvaluation(epoch: epoch) }
        defer { for h in hooks { h.afterEvaluation(epoch: epoch) } }
        return Evaluator.run(network, on: loader)
    }

    // MARK: - Checkpoints

    private func epochCheckpointDue(epoch: Int, final: Bool) -> Bool {
        let k = config.checkpointEveryEpochs
        return k > 0 && ((epoch + 1) % k == 0 || final)
    }

    private func saveCheckpoint(_ progress: TrainingProgress) throws(TrainingError) {
        guard let url = checkpointURL else { return }
        var hookTensors: [SafetensorsTensor] = []
        for h in hooks { hookTensors += h.checkpointTensors() }
        do {
            try Checkpoint.save(to: url, network: network, optimizer: optimizer, progress: progress, seed: config.seed,
                                hookTensors: hookTensors)
        } catch { throw .checkpoint(error) }
        lastCheckpoint = url
    }
}
