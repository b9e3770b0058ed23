/// Where a run is and what it has accumulated: everything besides tensors that a checkpoint
/// must carry for a resumed run to end bit-identical to an uninterrupted one.
///
/// The trainer's random streams are pure functions of (seed, purpose, epoch, batch), so the
/// position alone (with the seed) recreates the data order and augmentation of every later
/// batch (hooks save their own live streams); the partial sums of the epoch in progress make a
/// mid-epoch resume report the same epoch metrics.
public struct TrainingProgress: Sendable, Equatable {
    /// Iterations (optimiser steps) completed since the start of the run.
    public var iteration: Int = 0
    /// The epoch in progress (0-based).
    public var epoch: Int = 0
    /// Batches of `epoch` already trained on (0 at an epoch boundary).
    public var batchInEpoch: Int = 0
    /// Σ (batch mean loss × batch size) over those batches, in double precision.
    public var epochLossSum: Double = 0
    /// Correctly classified training samples in those batches.
    public var epochCorrect: Int = 0
    /// Training samples in those batches.
    public var epochSamples: Int = 0
    /// Training wall time of those batches, seconds (not part of the determinism contract).
    public var epochTrainSeconds: Double = 0
    /// Wall time of the epoch in progress spent by earlier processes of a resumed run (training,
    /// evaluation, checkpoints), seconds; the trainer adds its own share when the epoch ends.
    public var epochWallSeconds: Double = 0
    /// Metrics of every completed epoch.
    public var history: [EpochMetrics] = []

    public init() {}

    /// Counts one trained batch: its mean loss, correct predictions, size and training seconds.
    mutating func record(loss: Double, correct: Int, count: Int, seconds: Double) {
        iteration += 1
        batchInEpoch += 1
        epochLossSum += loss * Double(count)
        epochCorrect += correct
        epochSamples += count
        epochTrainSeconds += seconds
    }

    /// Moves to the start of the next epoch, clearing the partial sums.
    mutating func finishEpoch(_ metrics: EpochMetrics) {
        history.append(metrics)
        epoch += 1
        batchInEpoch = 0
        epochLossSum = 0
        epochCorrect = 0
        epochSamples = 0
        epochTrainSeconds = 0
        epochWallSeconds = 0
    }
}
