import Foundation
import Stats
import Layers
import Datasets
import Training

/// Evaluates the validation set every `every` iterations (and after the last one) and remembers
/// the iteration of minimum validation loss: Frankle & Carbin's early-stopping point. The test
/// set is evaluated whenever the validation loss improves, so `best` carries the test accuracy
/// at that iteration without evaluating the test set at every point.
///
/// Without a validation split the test set plays both roles (say so when reporting). Rows go to
/// `validation.csv` (`iteration,validation_loss,validation_accuracy,test_loss,test_accuracy`, the
/// test columns empty when not evaluated). A resumed run keeps the rows before its start.
///
/// Evaluations go through the run's `RunEvaluator`, so they score the network the trainer's own
/// evaluations score (e.g. the expected mask p ⊙ W), never a masked copy left from a step.
public final class EarlyStoppingTracker: TrainingCallback {
    /// The best point so far.
    public struct Point: Codable, Sendable, Equatable {
        /// Iterations completed at the evaluation.
        public var iteration: Int
        public var validationLoss: Double
        public var validationAccuracy: Double
        public var testLoss: Double
        public var testAccuracy: Double
    }

    public let network: Network
    public let every: Int
    public let file: URL?
    public private(set) var best: Point?
    private let validation: BatchLoader
    private let test: BatchLoader
    private var total = 0
    private var evaluator: RunEvaluator?

    public init(network: Network, splits: DataSplits, batchSize: Int, every: Int, file: URL?) {
        precondition(every >= 1, "evaluate every ≥ 1 iteration, got \(every)")
        self.network = network
        self.every = every
        self.file = file
        let streams = RandomStreams(seed: 0)
        test = BatchLoader(dataset: splits.test, batchSize: batchSize, shuffle: false, streams: streams, prefetch: false)
        validation = splits.validation.map { BatchLoader(dataset: $0, batchSize: batchSize, shuffle: false, streams: streams, prefetch: false) } ?? test
    }

    public func runStart(_ run: RunInfo) {
        total = run.totalIterations
        evaluator = run.evaluator
        guard let file else { return }
        let header = "iteration,validation_loss,validation_accuracy,test_loss,test_accuracy\n"
        guard run.startIteration > 0, let text = try? String(contentsOf: file, encoding: .utf8) else {
            try? header.write(to: file, atomically: true, encoding: .utf8)
            return
        }
        // Resuming: keep earlier rows and recover the best point from them.
        var kept = [header.dropLast()]
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            guard f.count == 5, let it = Int(f[0]), it <= run.startIteration, let vl = Double(f[1]), let va = Double(f[2]) else { continue }
            kept.append(line)
            if let tl = Double(f[3]), let ta = Double(f[4]), best.map({ vl < $0.validationLoss }) ?? true {
                best = Point(iteration: it, validationLoss: vl, validationAccuracy: va, testLoss: tl, testAccuracy: ta)
            }
        }
        try? (kept.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
    }

    public func batchEnd(_ report: BatchReport) {
        let done = report.iteration + 1
        guard done % every == 0 || done == total, let evaluator else { return }
        let v = evaluator.evaluate(validation)
        var line = "\(done),\(v.loss),\(v.accuracy),,"
        if best.map({ v.loss < $0.validationLoss }) ?? true {
            let t = validation === test ? v : evaluator.evaluate(test)
            best = Point(iteration: done, validationLoss: v.loss, validationAccuracy: v.accuracy, testLoss: t.loss, testAccuracy: t.accuracy)
            line = "\(done),\(v.loss),\(v.accuracy),\(t.loss),\(t.accuracy)"
        }
        append(line)
    }

    private func append(_ line: String) {
        guard let file, let handle = try? FileHandle(forWritingTo: file) else { return }
        handle.seekToEndOfFile()
        handle.write(Data((line + "\n").utf8))
        try? handle.close()
    }
}
