/// What one epoch of training measured (one row of `metrics.csv`).
///
/// Losses are mean softmax cross-entropy (nats per sample), averaged over the epoch's samples
/// (train: as the weights moved during the epoch; test/validation: at the epoch's end, in
/// inference mode). Accuracies are fractions in [0, 1]. Everything except the three timing
/// fields is bit-identical between runs with the same config, seed and thread count.
public struct EpochMetrics: Codable, Sendable, Equatable {
    /// Epoch index, 0-based (the position in the run); `metrics.csv`, the terminal and reports
    /// print it counted from 1 (`number`).
    public var epoch: Int
    /// Iterations (optimiser steps) completed since the start of the run, at the epoch's end.
    public var iterations: Int
    /// Training samples seen in this epoch (fewer than the set when the budget ends mid-epoch).
    public var samples: Int
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var testLoss: Double
    public var testAccuracy: Double
    /// testLoss − trainLoss (metrics.csv's `gap`). The train loss is the epoch's running mean in
    /// training mode (augmentation, BatchNorm batch statistics and dropout on, weights moving;
    /// weight masks, not gradient masks, also act on its forward pass), so this is not the
    /// source's GAP between two inference-mode losses at one set of weights.
    public var gap: Double
    public var validationLoss: Double?
    public var validationAccuracy: Double?
    /// Loss and accuracy of `TrainingConfig.trainEval` training images in inference mode at the
    /// epoch's end (nil when off), and `evalGap` = testLoss − trainEvalLoss: the source's GAP.
    public var trainEvalLoss: Double?
    public var trainEvalAccuracy: Double?
    public var evalGap: Double? { trainEvalLoss.map { testLoss - $0 } }
    /// The learning rate of the epoch's last step.
    public var learningRate: Float
    /// Training images per second of training wall time (evaluation excluded).
    public var imagesPerSecond: Double
    /// Wall time of the training steps, seconds.
    public var trainSeconds: Double
    /// Wall time of the whole epoch including evaluation and checkpointing, seconds.
    public var wallSeconds: Double

    public init(epoch: Int, iterations: Int, samples: Int, trainLoss: Double, trainAccuracy: Double,
                testLoss: Double, testAccuracy: Double, validationLoss: Double? = nil, validationAccuracy: Double? = nil,
                trainEvalLoss: Double? = nil, trainEvalAccuracy: Double? = nil,
                learningRate: Float, imagesPerSecond: Double, trainSeconds: Double, wallSeconds: Double) {
        self.epoch = epoch
        self.iterations = iterations
        self.samples = samples
        self.trainLoss = trainLoss
        self.trainAccuracy = trainAccuracy
        self.testLoss = testLoss
        self.testAccuracy = testAccuracy
        self.gap = testLoss - trainLoss
        self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy
        self.trainEvalLoss = trainEvalLoss
        self.trainEvalAccuracy = trainEvalAccuracy
        self.learningRate = learningRate
        self.imagesPerSecond = imagesPerSecond
        self.trainSeconds = trainSeconds
        self.wallSeconds = wallSeconds
    }

    /// The same metrics with the timing fields zeroed: what determinism and resume compare.
    public var withoutTimings: EpochMetrics {
        var m = self
        m.imagesPerSecond = 0
        m.trainSeconds = 0
        m.wallSeconds = 0
        return m
    }

    /// The epoch counted from 1, as `metrics.csv`, `summary.json`, the terminal and reports print it.
    public var number: Int { epoch + 1 }

    /// CSV column names, in `csvRow` order. `epoch` is counted from 1 (files written before
    /// 2026-11-28 counted from 0; `iterations` tells them apart where it matters).
    public static let csvHeader = "epoch,iterations,samples,train_loss,train_accuracy,test_loss,test_accuracy,gap,"
        + "validation_loss,validation_accuracy,learning_rate,images_per_second,train_seconds,wall_seconds"
    /// The columns a run with `trainEval` on adds after `csvHeader`'s (since session 22; a run
    /// without it writes exactly the columns it wrote before).
    public static let trainEvalHeader = "train_eval_loss,train_eval_accuracy,eval_gap"

    /// The whole `metrics.csv` text for `history`: `csvHeader`, plus `trainEvalHeader` when any
    /// epoch measured it (its cells empty where an epoch did not).
    public static func csv(_ history: [EpochMetrics]) -> String {
        let extended = history.contains { $0.trainEvalLoss != nil }
        var text = csvHeader + (extended ? "," + trainEvalHeader : "") + "\n"
        for m in history {
            text += m.csvRow
            if extended {
                text += "," + [m.trainEvalLoss.map { String($0) } ?? "", m.trainEvalAccuracy.map { String($0) } ?? "",
                               m.evalGap.map { String($0) } ?? ""].joined(separator: ",")
            }
            text += "\n"
        }
        return text
    }

    /// One CSV row of `csvHeader`'s columns; numbers printed so that they parse back to the same bits; absent values empty.
    public var csvRow: String {
        let fields: [String] = [
            String(number), String(iterations), String(samples),
            String(trainLoss), String(trainAccuracy), String(testLoss), String(testAccuracy), String(gap),
            validationLoss.map { String($0) } ?? "", validationAccuracy.map { String($0) } ?? "",
            String(learningRate), String(imagesPerSecond), String(trainSeconds), String(wallSeconds),
        ]
        return fields.joined(separator: ",")
    }
}
