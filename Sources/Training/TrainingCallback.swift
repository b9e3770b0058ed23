/// Observes a run: metrics files, checkpoints, progress display, logging, extra evaluation.
/// Callbacks see results; they do not change the computation (that is what `TrainingHook` is
/// for). A callback that fails (e.g. cannot write its file) stops the run with its error. Every
/// method has an empty default.
public protocol TrainingCallback: AnyObject {
    func runStart(_ run: RunInfo) throws(TrainingError)
    func batchEnd(_ report: BatchReport) throws(TrainingError)
    func epochEnd(_ metrics: EpochMetrics) throws(TrainingError)
    /// Called when the run finishes or is stopped.
    func runEnd(_ result: TrainingResult) throws(TrainingError)
    /// Called when the run fails with `error` at `progress` (then the error is rethrown).
    func runFailed(_ error: TrainingError, progress: TrainingProgress)
}

extension TrainingCallback {
    public func runStart(_ run: RunInfo) throws(TrainingError) {}
    public func batchEnd(_ report: BatchReport) throws(TrainingError) {}
    public func epochEnd(_ metrics: EpochMetrics) throws(TrainingError) {}
    public func runEnd(_ result: TrainingResult) throws(TrainingError) {}
    public func runFailed(_ error: TrainingError, progress: TrainingProgress) {}
}
