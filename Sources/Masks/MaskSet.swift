import TensorCore
import Stats
import Layers

/// The masks of a run: for every masked parameter a slice of one flat allocation each for the
/// multipliers (0 or the kept value), the keep probabilities p, and the masked copies of the
/// weights that `Parameter.effective` points at (target `weights`, per-step masks only). All
/// allocated once at run start; nothing is allocated per step.
public final class MaskSet {
    public let parameters: [Parameter]
    /// Element offset of each parameter's slice; `count` = Σn.
    public let offsets: [Int]
    public let count: Int
    /// Multipliers m_i·s_i: 0 for dropped entries, 1 or 1/p_i for kept ones.
    public let multipliers: TensorStorage
    /// Keep probabilities p_i (per-step samplers; empty for fixed ones).
    public let keep: TensorStorage
    /// Masked copies of the weights (empty unless needed).
    public let effective: TensorStorage
    /// Entries kept by the last mask, per parameter.
    public var kept: [Int]
    /// Σp per parameter (the expected number kept).
    public var expectedKept: [Double]
    /// The mask random stream: (seed, masks). Its state is checkpointed by the hook.
    public let random: RandomStream
    /// The visiting order of exact-k sampling, one permutation per parameter slice (`count`
    /// entries; nil unless made with `samplingOrder`). Redrawn from the identity at every draw.
    public let order: UnsafeMutablePointer<Int32>?

    /// Allocates the slices; `samplingOrder` adds the permutation buffer exact-k sampling needs.
    public init(parameters: [Parameter], seed: UInt64, keepProbabilities: Bool, effectiveCopies: Bool,
                samplingOrder: Bool = false) {
        self.parameters = parameters
        var offs: [Int] = []
        var total = 0
        for p in parameters {
            offs.append(total)
            total += p.shape.count
        }
        offsets = offs
        count = total
        multipliers = TensorStorage(count: total)
        multipliers.tensor(Shape(total)).fill(1)
        keep = TensorStorage(count: keepProbabilities ? total : 0)
        effective = TensorStorage(count: effectiveCopies ? total : 0)
        kept = parameters.map { $0.shape.count }
        expectedKept = parameters.map { Double($0.shape.count) }
        random = RandomStreams(seed: seed).stream(.masks)
        order = samplingOrder ? .allocate(capacity: max(total, 1)) : nil
    }

    deinit { order?.deallocate() }

    /// Multipliers of parameter `i`.
    public func multipliers(_ i: Int) -> Tensor { multipliers.tensor(parameters[i].shape, offset: offsets[i]) }
    /// Keep probabilities of parameter `i`.
    public func keep(_ i: Int) -> Tensor { keep.tensor(parameters[i].shape, offset: offsets[i]) }
    /// Masked weights of parameter `i`.
    public func effective(_ i: Int) -> Tensor { effective.tensor(parameters[i].shape, offset: offsets[i]) }

    /// Total entries kept by the last mask.
    public var totalKept: Int { kept.reduce(0, +) }
}
