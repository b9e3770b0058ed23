import TensorCore
import Layers

/// A first-order optimiser that updates every parameter of a `ParameterStore` in place.
///
/// Life cycle per training step: the trainer zeroes the gradients, runs forward and backward
/// (which accumulate into `store.grads`), then calls `step(learningRate:)` once. The learning
/// rate is passed per step so that schedules live outside the optimiser.
///
/// State: all per-parameter state of one optimiser lives in ONE `TensorStorage` of
/// `slots.count × store.count` floats; slot `k` of parameter `p` is the view at offset
/// `k · store.count + p.offset` (the same layout as `store.values`). Nothing is allocated by
/// `step`. `stepCount` counts completed steps (PyTorch's per-parameter `state['step']`, which
/// is the same for every parameter here because every parameter receives a gradient each step).
public protocol Optimizer: AnyObject {
    /// Registry name, e.g. "sgd".
    var name: String { get }
    /// The parameters this optimiser updates.
    var store: ParameterStore { get }
    /// Names of the per-parameter state slots, in storage order, with PyTorch's names
    /// (`momentum_buffer`; `exp_avg`, `exp_avg_sq`).
    var slots: [String] { get }
    /// All state: `slots.count × store.count` floats.
    var state: TensorStorage { get }
    /// Completed steps (0 before the first step).
    var stepCount: Int { get set }
    /// Updates every parameter from its gradient with learning rate `learningRate`.
    func step(learningRate: Float)
}

extension Optimizer {
    /// Every state tensor with its checkpoint name `optimizer.<parameter name>.<slot>` (views
    /// into `state`, so writing into them restores the optimiser).
    public var stateTensors: [(name: String, tensor: Tensor)] {
        var out: [(String, Tensor)] = []
        for (k, slot) in slots.enumerated() {
            for p in store.parameters {
                out.append(("optimizer.\(p.name).\(slot)", state.tensor(p.shape, offset: k * store.count + p.offset)))
            }
        }
        return out
    }

    /// Slot `k` over all parameters as one flat view of `store.count` floats.
    public func slot(_ k: Int) -> Tensor {
        precondition(k >= 0 && k < slots.count, "optimizer \(name) has \(slots.count) slots, asked for \(k)")
        return state.tensor(Shape(store.count), offset: k * store.count)
    }

    /// Back to the state before the first step (all slots zero, `stepCount` 0).
    public func reset() {
        state.tensor(Shape(state.count)).fill(0)
        stepCount = 0
    }
}
