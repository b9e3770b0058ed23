/// Observes a run: progress display, logging, extra evaluation. Callbacks see results; they
/// do not change the computation (that is what `TrainingHook` is for). Every method has an
/// empty default.
public protocol TrainingCallback: AnyObject {
    func runStart(_ run: RunInfo)
    func batchEnd(_ report: BatchReport)
    func epochEnd(_ metrics: EpochMetrics)
    /// Called when the run finishes or is stopped (not when it fails with an error).
    func runEnd(_ result: TrainingResult)
}

extension TrainingCallback {
    public func runStart(_ run: RunInfo) {}
    public func batchEnd(_ report: BatchReport) {}
    public func epochEnd(_ metrics: EpochMetrics) {}
    public func runEnd(_ result: TrainingResult) {}
}
