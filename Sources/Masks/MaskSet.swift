import TensorCore
import Stats
import Layers

/// The masks of a run, made once from its `MaskConfig` when the run starts: for every masked
/// parameter a slice of one flat allocation each for the multipliers (0 or the kept value), the
/// keep probabilities p, and the masked copies of the weights that the forward pass reads
/// (target `weights`, per-step masks only). Nothing is allocated per step.
///
/// Names: the *keep rate* q is the config's target mean of p per tensor; a *keep probability*
/// p_i belongs to one entry; a *kept count* is a number of entries kept.
public final class MaskSet {
    public let parameters: [Parameter]
    /// Element offset of each parameter's slice; `count` = Σn.
    public let offsets: [Int]
    public let count: Int
    /// The keep rate q (config `keep`).
    public let keepRate: Double
    /// How per-step masks are drawn from p.
    public let sampling: MaskSampling
    /// Kept entries are scaled by 1/p (`MaskScaling.inverted`).
    public let inverted: Bool
    /// Multipliers m_i·s_i: 0 for dropped entries, 1 or 1/p_i for kept ones.
    public let multipliers: TensorStorage
    /// Keep probabilities p_i (per-step samplers; empty for fixed ones).
    public let keepProbabilities: TensorStorage
    /// Masked copies of the weights (per-step masks with target `weights`; else empty).
    public let effective: TensorStorage
    /// Entries kept by the last mask, per parameter.
    public var keptCounts: [Int]
    /// Σp per parameter (the expected kept count).
    public var expectedKeptCounts: [Double]
    /// The mask random stream: (seed, masks), one live generator for the whole run, its state
    /// checkpointed by the hook.
    public let random: RandomStream
    /// The visiting order of exact-k sampling, one permutation per parameter slice (`count`
    /// entries; nil unless per-step exact-k). Redrawn from the identity at every draw.
    public let order: UnsafeMutablePointer<Int32>?

    /// What a mask set holds besides the multipliers (`MaskSampler.layout`).
    public enum Layout: Sendable, Equatable {
        /// The multipliers only (fixed, dynamic and learned masks).
        case multipliers
        /// Also the keep probabilities, the masked copies of the weights (target `weights`) and
        /// the visiting order of exact-k sampling: masks drawn anew every step (`PerStepMask`).
        case perStep
    }

    /// Allocates the slices of `layout` under `config`.
    public init(parameters: [Parameter], layout: Layout, config: MaskConfig, seed: UInt64) {
        self.parameters = parameters
        var offs: [Int] = []
        var total = 0
        for p in parameters {
            offs.append(total)
            total += p.shape.count
        }
        offsets = offs
        count = total
        keepRate = config.keep
        sampling = config.sampling
        inverted = config.scaling == .inverted
        let perStep = layout == .perStep
        multipliers = TensorStorage(count: total)
        multipliers.tensor(Shape(total)).fill(1)
        keepProbabilities = TensorStorage(count: perStep ? total : 0)
        effective = TensorStorage(count: perStep && config.target == .weights ? total : 0)
        keptCounts = parameters.map { $0.shape.count }
        expectedKeptCounts = parameters.map { Double($0.shape.count) }
        random = RandomStreams(seed: seed).stream(.masks)
        order = perStep && config.sampling == .exactK ? .allocate(capacity: max(total, 1)) : nil
    }

    deinit { order?.deallocate() }

    /// Multipliers of parameter `i`.
    public func multipliers(_ i: Int) -> Tensor { multipliers.tensor(parameters[i].shape, offset: offsets[i]) }
    /// Keep probabilities of parameter `i`.
    public func keepProbabilities(_ i: Int) -> Tensor { keepProbabilities.tensor(parameters[i].shape, offset: offsets[i]) }
    /// Masked weights of parameter `i`.
    public func effective(_ i: Int) -> Tensor { effective.tensor(parameters[i].shape, offset: offsets[i]) }

    /// Total entries kept by the last mask.
    public var totalKeptCount: Int { keptCounts.reduce(0, +) }
}
