import Training

/// Stops a run at the end of epoch `limit` (counted from 1), without a checkpoint: a
/// reproduction of the first epochs keeps the schedule of the whole budget.
final class StopAfterEpoch: TrainingCallback {
    let limit: Int
    let control: TrainingControl

    init(_ limit: Int, control: TrainingControl) { (self.limit, self.control) = (limit, control) }

    func epochEnd(_ metrics: EpochMetrics) throws(TrainingError) {
        if metrics.number >= limit { control.requestStop(checkpoint: false) }
    }
}
