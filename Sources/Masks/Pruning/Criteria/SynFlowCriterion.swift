import TensorCore
import Layers
import Options

/// `synflow`: Iterative Synaptic Flow Pruning (Tanaka et al. 2020), data-free. Every parameter
/// and BatchNorm buffer is replaced by its absolute value (the masked tensors by |w| ⊙ m), an
/// all-ones input of one sample goes forward in inference mode (running statistics, as their
/// code's `model.eval()`), R = Σ logits, and s = (∂R/∂w) ⊙ w (≥ 0). Pruning runs `--synflow-rounds`
/// rounds (default 100), re-scoring after each, the kept count falling exponentially to the
/// target (`MaskBuilder.build`). The network's values and buffers are restored afterwards.
///
/// R is a product over the layers and is computed in float: very deep or wide networks can
/// overflow it (reported as an error naming R); ResNet-18 width 16 and the MNIST nets stay in range.
public struct SynFlowCriterion: PruningCriterion {
    public let name = "synflow"
    public let rounds: Int
    public var needsData: Bool { false }

    public init(rounds: Int = 100) { self.rounds = rounds }

    public func scores(_ context: ScoringContext) throws(PruningError) -> [[Float]] {
        let network = context.network, store = network.store
        let values = store.values.tensor(Shape(store.count)), buffers = store.bufferValues.tensor(Shape(store.bufferValues.count))
        let savedValues = values.toArray(), savedBuffers = buffers.toArray()
        defer {
            values.copy(from: savedValues)
            if buffers.count > 0 { buffers.copy(from: savedBuffers) }
        }
        for j in 0..<values.count { values[j] = abs(values[j]) }
        for j in 0..<buffers.count { buffers[j] = abs(buffers[j]) }
        let ones = TensorStorage(count: network.sampleShape.count)
        let input = ones.tensor(Shape([1] + network.sampleShape.dims))
        input.fill(1)
        let seed = TensorStorage(count: network.classes)
        let dR = seed.tensor(Shape(1, network.classes))
        dR.fill(1)
        if network.preparedBatch < 1 { network.prepare(batch: 1) }
        let positive = context.parameters.indices.map { context.maskedWeights($0).map(abs) }
        let (r, grads) = context.withWeights(positive) { () -> (Float, [[Float]]) in
            store.zeroGradients()
            let logits = network.forward(input, mode: .differentiableInference)
            let r = logits.toArray().reduce(0, +)
            network.backward(dR)
            return (r, context.currentGradients())
        }
        guard r.isFinite else {
            throw .invalid("synflow: R = \(r) overflowed float32 on \(network.name); use a shallower or narrower model, or another criterion")
        }
        return positive.indices.map { i in zip(grads[i], positive[i]).map { $0 * $1 } }
    }

    public static let entry = CriterionEntry(name: "synflow", summary: "(∂R/∂w) ⊙ w, R = 1ᵀ(Π|W|)1, data-free, iterative (Tanaka et al. 2020)") { c in
        SynFlowCriterion(rounds: c.synflowRounds)
    }

    /// SynFlow's options, keys relative to "pruning".
    public static var options: [ConfigOption<PruningConfig>] { [
        .value("synflowRounds", \.synflowRounds, flag: "synflow-rounds", .int, .within(1, 10_000),
               help: "SynFlow: prune-and-rescore rounds (exponential schedule; Tanaka et al.: 100)."),
    ] }
}
