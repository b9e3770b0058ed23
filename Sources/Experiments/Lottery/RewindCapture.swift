import Foundation
import Layers
import Training

/// Saves the network's weights and buffers after `iteration` steps (θk for late resetting).
public final class RewindCapture: TrainingCallback {
    public let network: Network
    public let iteration: Int
    public let url: URL
    public private(set) var error: CheckpointError?

    public init(network: Network, iteration: Int, url: URL) {
        self.network = network
        self.iteration = iteration
        self.url = url
    }

    public func batchEnd(_ report: BatchReport) {
        guard report.iteration + 1 == iteration else { return }
        var progress = TrainingProgress()
        progress.iteration = iteration
        do { try Checkpoint.save(to: url, network: network, optimizer: nil, progress: progress, seed: 0) } catch { self.error = error }
    }
}
