import Foundation

/// What a training hook learns when a run starts: the numbers that fix its random streams and
/// its schedule, and where the run writes.
public struct RunStart: Sendable {
    /// The run seed: a hook derives its streams from it (e.g. purpose `masks`).
    public let seed: UInt64
    /// Training batch size (the network is prepared for at least this many samples).
    public let batchSize: Int
    public let iterationsPerEpoch: Int
    public let totalIterations: Int
    /// The iteration the run starts at: 0, or the checkpoint's when resuming.
    public let startIteration: Int
    /// The run folder, for a hook's own logs (nil: write nothing).
    public let outputDirectory: URL?
    /// The optimiser's per-parameter state (hooks that restart weights zero their entries).
    public let optimizerSlots: OptimizerSlots

    public init(seed: UInt64, batchSize: Int, iterationsPerEpoch: Int, totalIterations: Int, startIteration: Int,
                outputDirectory: URL?, optimizerSlots: OptimizerSlots = .none) {
        self.seed = seed
        self.batchSize = batchSize
        self.iterationsPerEpoch = iterationsPerEpoch
        self.totalIterations = totalIterations
        self.startIteration = startIteration
        self.outputDirectory = outputDirectory
        self.optimizerSlots = optimizerSlots
    }
}
