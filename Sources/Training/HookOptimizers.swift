import TensorCore
import Layers

/// Everything optimisers do for training hooks, in one place: the model optimiser's state as a
/// hook may touch it (`slots`, handed to hooks in `RunStart`: a dynamic sparse mask zeroes the
/// state of the weights it restarts), and the optimisers of the trainable tensors that hooks own
/// (`TrainingHook.trainableParameters`, e.g. the log α of L0 gates or the log σ² of variational
/// dropout): each hook's store with an optimiser of the run's kind and settings but no weight
/// decay, the hook's own penalty being their regulariser. The trainer zeroes, steps, checks and
/// checkpoints those next to the model's.
///
/// Checkpoint tensors (one-dimensional, under the hook prefix so the model's names stay strict):
/// `hook.parameters.<name>` (the values) and `hook.optimizer.<name>.<slot>` (the optimiser's
/// state). Their step count is the model optimiser's: both step at every iteration.
final class HookOptimizers {
    /// The model optimiser's per-parameter state, as hooks see it.
    let slots: OptimizerSlots
    private let entries: [(store: ParameterStore, optimizer: any Optimizer)]

    static let parametersPrefix = HookState.prefix + "parameters."
    static let optimizerPrefix = HookState.prefix + "optimizer."

    /// The view of `model`'s state (the optimiser of `store`), and one optimiser per hook that
    /// owns trainable tensors, built from `config` without weight decay.
    init(model: any Optimizer, store: ParameterStore, hooks: [any TrainingHook], config: OptimizerConfig) throws(OptimizerError) {
        slots = OptimizerSlots(storage: model.state, count: model.slots.count, stride: store.count)
        var plain = config
        plain.weightDecay = 0
        var entries: [(ParameterStore, any Optimizer)] = []
        for h in hooks {
            guard let store = h.trainableParameters else { continue }
            entries.append((store, try OptimizerRegistry.make(plain, store: store)))
        }
        self.entries = entries
    }

    var isEmpty: Bool { entries.isEmpty }

    func zeroGradients() { for e in entries { e.store.zeroGradients() } }

    /// Updates every hook tensor from the gradient its hook wrote.
    func step(learningRate: Float) { for e in entries { e.optimizer.step(learningRate: learningRate) } }

    /// Every optimiser back to its first step (a fresh run).
    func reset() { for e in entries { e.optimizer.reset() } }

    /// Values and optimiser state with their checkpoint names, for the finiteness check.
    var namedTensors: [(name: String, tensor: Tensor)] {
        var out: [(String, Tensor)] = []
        for e in entries {
            for p in e.store.parameters { out.append((Self.parametersPrefix + p.name, p.value)) }
            for (name, t) in e.optimizer.stateTensors { out.append((HookState.prefix + name, t)) }
        }
        return out
    }

    /// The values and optimiser state as checkpoint entries.
    func checkpointState() -> [HookState] {
        namedTensors.map { HookState(name: $0.name, .floats($0.tensor.toArray())) }
    }

    /// Restores values and optimiser state from a checkpoint's hook entries (each present, as
    /// long as its tensor, finite) and sets the optimisers' step count to `stepCount`.
    func restore(from state: [HookState], stepCount: Int) throws(HookError) {
        guard !entries.isEmpty else { return }
        var byName: [String: HookState.Payload] = [:]
        for s in state { byName[s.name] = s.payload }
        let named = namedTensors
        // Everything checked before anything is written.
        for (name, t) in named {
            guard let payload = byName[name] else {
                throw HookError("the checkpoint has no \(name) (written by a run without this mask's trainable tensors?)")
            }
            guard case let .floats(v) = payload, v.count == t.count else {
                throw HookError("\(name) has \(payload.countDescription), expected \(t.count) floats")
            }
            if let i = v.firstIndex(where: { !$0.isFinite }) { throw HookError("\(name) holds \(v[i]) at index \(i)") }
        }
        for (name, t) in named {
            if case let .floats(v) = byName[name] { t.copy(from: v) }
        }
        for e in entries { e.optimizer.stepCount = stepCount }
    }
}

extension HookState.Payload {
    fileprivate var countDescription: String {
        switch self {
        case let .floats(v): return "\(v.count) floats"
        case let .integers(v): return "\(v.count) integers"
        case let .bytes(v): return "\(v.count) bytes"
        }
    }
}
