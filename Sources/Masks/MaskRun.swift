import Foundation
import TensorCore
import Layers
import Datasets

/// A run's masks as a sampler sees them at every step point: the `MaskSet`, the numbers that fix
/// the run (seed, batch size, schedule length), and what the masking hook does on a sampler's
/// behalf (prune the weights, mask the gradients, restart entries, describe the mask). Made by
/// the hook when the run starts.
public final class MaskRun {
    public let masks: MaskSet
    public let config: MaskConfig
    public let network: Network
    /// The training split (for samplers that compute on data, e.g. the importance solver).
    public let trainingSet: Dataset?
    /// Training batch size (the network is prepared for at least this many samples).
    public let batchSize: Int
    /// Run seed: a sampler derives its streams from it (purposes `masks`, `importance`, `pruning`).
    public let seed: UInt64
    public let iterationsPerEpoch: Int
    /// Steps of the whole run (the budget).
    public let totalIterations: Int
    /// The iteration the run starts (or resumes) at.
    public let startIteration: Int
    /// The model optimiser's per-entry state (zeroed for entries that restart).
    public let optimizerSlots: OptimizerSlots
    /// The run folder (nil: write nothing).
    public let directory: URL?

    public init(masks: MaskSet, config: MaskConfig, network: Network, trainingSet: Dataset?, batchSize: Int, seed: UInt64,
                iterationsPerEpoch: Int, totalIterations: Int, startIteration: Int,
                optimizerSlots: OptimizerSlots = .none, directory: URL? = nil) {
        self.masks = masks
        self.config = config
        self.network = network
        self.trainingSet = trainingSet
        self.batchSize = batchSize
        self.seed = seed
        self.iterationsPerEpoch = iterationsPerEpoch
        self.totalIterations = totalIterations
        self.startIteration = startIteration
        self.optimizerSlots = optimizerSlots
        self.directory = directory
    }

    /// The masked parameters, in mask order.
    public var parameters: [Parameter] { masks.parameters }

    /// N, the number of training samples a penalty is divided by (the ELBO's data size): the
    /// training set's size, or iterations per epoch × batch size without one.
    public var trainingSize: Int { max(trainingSet?.count ?? iterationsPerEpoch * batchSize, 1) }

    /// W ⊙= multipliers for every masked parameter.
    public func pruneWeights() {
        for i in parameters.indices {
            let w = parameters[i].value
            MaskKernels.multiplyInPlace(w.pointer, by: masks.multipliers(i).pointer, count: w.count)
        }
    }

    /// grad ⊙= multipliers for every masked parameter.
    public func maskGradients() {
        for i in parameters.indices {
            let g = parameters[i].grad
            MaskKernels.multiplyInPlace(g.pointer, by: masks.multipliers(i).pointer, count: g.count)
        }
    }

    /// Entries that start afresh after the mask moved (`entries[i]`: those of masked parameter
    /// i, one list per parameter): weight 0 and optimiser state 0, so every inactive entry keeps
    /// W = 0 with zero optimiser state (a dropped weight's momentum would otherwise decay into
    /// subnormal floats that slow every later optimiser step); then W ⊙= m applies the new mask
    /// and the kept counts are recounted.
    public func restart(_ entries: [[Int]]) {
        precondition(entries.count == parameters.count, "restart got entries for \(entries.count) tensors, \(parameters.count) are masked")
        for (i, list) in entries.enumerated() {
            let w = parameters[i].value.pointer
            for j in list {
                w[j] = 0
                optimizerSlots.zero(parameters[i], entry: j)
            }
        }
        pruneWeights()
        masks.countKept()
    }

    /// Writes the mask's density and effective density (`mask_analytics.csv`, `MaskAnalytics`)
    /// into the run folder (nothing without one).
    public func writeAnalytics() throws(MaskError) {
        guard let directory else { return }
        do { try MaskAnalytics(masks.binaryMasks(), network: network).write(into: directory) } catch {
            throw .output("cannot write \(MaskAnalytics.fileName) into \(directory.path): \(error)")
        }
    }
}
