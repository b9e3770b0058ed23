import TensorCore
import Layers

/// The trainable tensors that hooks own (`TrainingHook.trainableParameters`, e.g. the log α of
/// L0 gates or the log σ² of variational dropout): each hook's store with an optimiser of the
/// run's kind and settings but no weight decay, the hook's own penalty being their regulariser.
/// The trainer zeroes, steps, checks and checkpoints them next to the model's. (What hooks see
/// of the model optimiser's own state is `OptimizerSlots`, in `RunStart`.)
///
/// Checkpoint tensors (one-dimensional, under the hook prefix so the model's names stay strict):
/// `hook.parameters.<name>` (the values) and `hook.optimizer.<name>.<slot>` (the optimiser's
/// state). Their step count is the model optimiser's: both step at every iteration.
extension Trainer {
    static let hookParametersPrefix = HookState.prefix + "parameters."

    /// One optimiser per hook that owns trainable tensors, built from `config` without weight decay.
    static func hookParameterOptimizers(_ hooks: [any TrainingHook], config: OptimizerConfig) throws(OptimizerError) -> [any Optimizer] {
        var plain = config
        plain.weightDecay = 0
        var out: [any Optimizer] = []
        for h in hooks {
            guard let store = h.trainableParameters else { continue }
            out.append(try OptimizerRegistry.make(plain, store: store))
        }
        return out
    }

    func zeroHookGradients() { for o in hookOptimizers { o.store.zeroGradients() } }

    /// Updates every hook tensor from the gradient its hook wrote.
    func stepHookParameters(learningRate: Float) { for o in hookOptimizers { o.step(learningRate: learningRate) } }

    /// Every hook optimiser back to its first step (a fresh run).
    func resetHookOptimizers() { for o in hookOptimizers { o.reset() } }

    /// The hook tensors' values and optimiser state with their checkpoint names, for the
    /// finiteness check.
    var hookParameterTensors: [(name: String, tensor: Tensor)] {
        var out: [(String, Tensor)] = []
        for o in hookOptimizers {
            for p in o.store.parameters { out.append((Self.hookParametersPrefix + p.name, p.value)) }
            for (name, t) in o.stateTensors { out.append((HookState.prefix + name, t)) }
        }
        return out
    }

    /// The hook tensors' values and optimiser state as checkpoint entries.
    func hookParameterState() -> [HookState] {
        hookParameterTensors.map { HookState(name: $0.name, .floats($0.tensor.toArray())) }
    }

    /// Restores the hook tensors' values and optimiser state from a checkpoint's hook entries
    /// (each present, as long as its tensor, finite) and sets the optimisers' step count to
    /// `stepCount`.
    func restoreHookParameters(from state: [HookState], stepCount: Int) throws(HookError) {
        guard !hookOptimizers.isEmpty else { return }
        var byName: [String: HookState.Payload] = [:]
        for s in state { byName[s.name] = s.payload }
        let named = hookParameterTensors
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
        for o in hookOptimizers { o.stepCount = stepCount }
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
