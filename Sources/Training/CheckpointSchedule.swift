import Foundation

/// The trainer's built-in callback that writes `last.safetensors` on the config's schedule:
/// after every `checkpointEveryEpochs`-th epoch and after the last one, and every
/// `checkpointEveryIterations` iterations unless an epoch checkpoint follows at once.
/// (A stop requested mid-epoch checkpoints in the trainer itself, at the moment it stops.)
final class CheckpointSchedule: TrainingCallback {
    unowned let trainer: Trainer
    let url: URL
    let everyEpochs: Int, everyIterations: Int

    init(trainer: Trainer, url: URL) {
        self.trainer = trainer
        self.url = url
        everyEpochs = trainer.config.checkpointEveryEpochs
        everyIterations = trainer.config.checkpointEveryIterations
    }

    func batchEnd(_ report: BatchReport) throws(TrainingError) {
        let done = report.iteration + 1, final = done >= trainer.totalIterations
        let endsEpoch = report.batchInEpoch + 1 >= report.batchesPerEpoch || final
        guard everyIterations > 0, done % everyIterations == 0, !(endsEpoch && epochDue(report.epoch, final: final)) else { return }
        try trainer.saveCheckpoint(to: url)
    }

    func epochEnd(_ metrics: EpochMetrics) throws(TrainingError) {
        guard epochDue(metrics.epoch, final: metrics.iterations >= trainer.totalIterations) else { return }
        try trainer.saveCheckpoint(to: url)
    }

    private func epochDue(_ epoch: Int, final: Bool) -> Bool {
        everyEpochs > 0 && ((epoch + 1) % everyEpochs == 0 || final)
    }
}
