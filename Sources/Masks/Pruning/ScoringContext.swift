import TensorCore
import Stats
import Layers
import Importance

/// What a pruning criterion may use to score weights: the network with its current weights,
/// the masked tensors and the mask so far, a reference snapshot of those tensors (θ0 or an
/// earlier point, for movement), a few seeded training batches, and seeded random streams.
///
/// Passes run as the importance solver's do: `.frozenStatistics` mode (batch statistics,
/// BatchNorm running statistics untouched), the masked tensors read as m ⊙ w (or as weights a
/// criterion supplies) through `Network.withEffectiveWeights`, so the weights are never written;
/// the store's gradients are saved before a pass and restored after it, bit for bit.
public final class ScoringContext {
    public let network: Network
    /// The masked tensors, in mask order.
    public let parameters: [Parameter]
    /// The mask so far (0/1 per entry); scores of pruned entries are ignored.
    public internal(set) var mask: [[Float]]
    /// The masked tensors at a reference point (θ0, θk, …), nil when the caller has none.
    public let reference: [[Float]]?
    /// Seeded training batches (nil: data-free callers, e.g. a mask from weights alone).
    public let batches: SolverBatches?
    public let config: PruningConfig
    /// Solver options of the `importance` criterion.
    public let importance: ImportanceConfig
    private let randomStream: (Int) -> RandomStream
    private let substitute: TensorStorage
    private let offsets: [Int]
    private let savedGrads: SavedGradients

    /// A context over `parameters` of `network`; `mask` nil = dense. `randomStream(i)` is the
    /// stream of tensor i's random draws (the caller keys it, e.g. (seed, pruning, level, i)).
    public init(network: Network, parameters: [Parameter], mask: [[Float]]? = nil, reference: [[Float]]? = nil,
                batches: SolverBatches? = nil, config: PruningConfig = PruningConfig(), importance: ImportanceConfig = ImportanceConfig(),
                randomStream: @escaping (Int) -> RandomStream) {
        self.network = network
        self.parameters = parameters
        self.mask = mask ?? parameters.map { [Float](repeating: 1, count: $0.shape.count) }
        precondition(self.mask.map(\.count) == parameters.map(\.shape.count), "scoring context: mask sizes \(self.mask.map(\.count)) do not fit the tensors")
        precondition(reference.map { $0.map(\.count) == parameters.map(\.shape.count) } ?? true, "scoring context: reference sizes do not fit the tensors")
        self.reference = reference
        self.batches = batches
        self.config = config
        self.importance = importance
        self.randomStream = randomStream
        var offs: [Int] = [], total = 0
        for p in parameters {
            offs.append(total)
            total += p.shape.count
        }
        offsets = offs
        substitute = TensorStorage(count: total)
        savedGrads = SavedGradients(network.store)
    }

    /// The random stream of tensor `i`.
    public func random(_ i: Int) -> RandomStream { randomStream(i) }

    /// The current values of tensor `i`.
    public func weights(_ i: Int) -> [Float] { parameters[i].value.toArray() }

    /// m ⊙ w of tensor `i`.
    public func maskedWeights(_ i: Int) -> [Float] { zip(weights(i), mask[i]).map { $0 * $1 } }

    /// The seeded batches, or an error saying that `criterion` needs data.
    public func requireBatches(_ criterion: String) throws(PruningError) -> SolverBatches {
        guard let batches, batches.count > 0 else {
            throw .needs(criterion: criterion, what: "training batches", hint: "it scores on data; run it where a training set is loaded")
        }
        return batches
    }

    // MARK: - Passes

    /// Runs `body` with the masked tensors reading `weights` (default m ⊙ w) and the store's
    /// gradients restored afterwards.
    public func withWeights<R>(_ weights: [[Float]]? = nil, _ body: () -> R) -> R {
        for i in parameters.indices {
            let t = substitute.tensor(parameters[i].shape, offset: offsets[i])
            t.copy(from: weights?[i] ?? maskedWeights(i))
        }
        let effective = EffectiveWeights(parameters, parameters.indices.map { substitute.tensor(parameters[$0].shape, offset: offsets[$0]) })
        return savedGrads.preserving { network.withEffectiveWeights(effective, body) }
    }

    /// One forward/backward on `inputs` (`[n, …]`) with `labels`, logits divided by
    /// `temperature`; leaves ∂L/∂(masked tensor) in the parameters' gradients (zeroed first).
    /// Call inside `withWeights`. Returns the mean loss.
    @discardableResult
    public func lossAndGradient(inputs: Tensor, labels: UnsafePointer<Int32>, temperature: Float = 1) -> Double {
        if network.preparedBatch < inputs.shape[0] { network.prepare(batch: inputs.shape[0]) }
        network.store.zeroGradients()
        let logits = network.forward(inputs, mode: .frozenStatistics)
        if temperature != 1 { for j in 0..<logits.count { logits[j] /= temperature } }
        let loss = network.loss.forward(logits: logits, labels: labels).loss
        let d = network.loss.backward()
        if temperature != 1 { for j in 0..<d.count { d[j] /= temperature } }
        network.backward(d)
        return loss
    }

    /// The gradients of the masked tensors after `lossAndGradient`.
    public func currentGradients() -> [[Float]] { parameters.map { $0.grad.toArray() } }

    /// ∂L/∂w per tensor on batch `b`, at `weights` (default m ⊙ w).
    public func gradient(batch b: Int, at weights: [[Float]]? = nil, temperature: Float = 1) throws(PruningError) -> [[Float]] {
        let batches = try requireBatches("gradient")
        return withWeights(weights) {
            lossAndGradient(inputs: batches.inputs(b), labels: batches.labels(b), temperature: temperature)
            return currentGradients()
        }
    }

    /// The mean over the batches of ∂L/∂w per tensor, at `weights` (default m ⊙ w).
    public func meanGradient(_ criterion: String, at weights: [[Float]]? = nil, temperature: Float = 1) throws(PruningError) -> [[Float]] {
        let batches = try requireBatches(criterion)
        var sum = parameters.map { [Float](repeating: 0, count: $0.shape.count) }
        for b in 0..<batches.count {
            let g = try gradient(batch: b, at: weights, temperature: temperature)
            for i in sum.indices { for j in sum[i].indices { sum[i][j] += g[i][j] } }
        }
        let scale = 1 / Float(batches.count)
        return sum.map { $0.map { $0 * scale } }
    }

    /// The empirical Fisher diagonal: the mean over every sample of the batches of (∂ℓ_n/∂w)²,
    /// each sample's gradient from a pass of its own (BatchNorm then normalises over the
    /// sample's own positions). One forward/backward per sample.
    public func empiricalFisherDiagonal(_ criterion: String) throws(PruningError) -> [[Float]] {
        let batches = try requireBatches(criterion)
        var sum = parameters.map { [Double](repeating: 0, count: $0.shape.count) }
        var samples = 0
        withWeights {
            for b in 0..<batches.count {
                let x = batches.inputs(b), labels = batches.labels(b)
                for s in 0..<x.shape[0] {
                    lossAndGradient(inputs: x.row(s), labels: labels + s)
                    for i in parameters.indices {
                        let g = parameters[i].grad
                        for j in 0..<g.count { sum[i][j] += Double(g[j]) * Double(g[j]) }
                    }
                    samples += 1
                }
            }
        }
        return sum.map { $0.map { Float($0 / Double(max(samples, 1))) } }
    }
}
