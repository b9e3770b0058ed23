import Foundation

/// A flag a callback (or a `DispatchSource` signal handler, never a raw signal handler: it
/// takes a lock) sets to stop the run at the next batch boundary.
public final class TrainingControl: @unchecked Sendable {
    private let lock = NSLock()
    private var stop = false
    private var checkpointOnStop = true

    public init() {}

    /// Asks the trainer to stop after the current batch; when `checkpoint` (and the run has an
    /// output folder) it first writes `last.safetensors` at that position.
    public func requestStop(checkpoint: Bool = true) {
        lock.lock(); defer { lock.unlock() }
        stop = true
        checkpointOnStop = checkpoint
    }

    public var stopRequested: Bool { lock.lock(); defer { lock.unlock() }; return stop }
    var checkpointsOnStop: Bool { lock.lock(); defer { lock.unlock() }; return checkpointOnStop }
}
