import TensorCore

/// The optimiser's per-parameter state as a hook may touch it: `count` slots (SGD's
/// `momentum_buffer`; Adam's `exp_avg`, `exp_avg_sq`), each laid out like the parameter store's
/// values, so slot k of entry j of parameter p is `storage[k · stride + p.offset + j]`.
///
/// A hook that changes which weights train (dynamic sparse masks) zeroes the state of the
/// entries that start afresh, so that a regrown weight carries no momentum from its earlier life.
/// The trainer hands it to hooks in `RunStart`; `none` (no slots) when there is no optimiser.
/// It is the only view of optimiser state below the training target: the optimisers of a hook's
/// own trainable tensors (L0's log α, VD's log σ²) are the trainer's (`Trainer+HookParameters`).
public struct OptimizerSlots: Sendable {
    public let storage: TensorStorage?
    /// Number of slots (0 for plain SGD).
    public let count: Int
    /// Floats per slot: the parameter store's element count.
    public let stride: Int

    public init(storage: TensorStorage, count: Int, stride: Int) {
        precondition(storage.count == count * stride, "optimizer state holds \(storage.count) floats, \(count) slots × \(stride) expected")
        self.storage = storage
        self.count = count
        self.stride = stride
    }

    private init() {
        storage = nil
        count = 0
        stride = 0
    }

    /// No optimiser state.
    public static let none = OptimizerSlots()

    /// Sets every slot of entry `entry` of `parameter` to zero.
    public func zero(_ parameter: Parameter, entry: Int) {
        guard let storage else { return }
        precondition(entry >= 0 && entry < parameter.shape.count, "entry \(entry) outside \(parameter.name) (\(parameter.shape.count) entries)")
        for k in 0..<count { storage.base[k * stride + parameter.offset + entry] = 0 }
    }

    /// Slot `k` of entry `entry` of `parameter` (tests and checks).
    public func value(_ k: Int, of parameter: Parameter, entry: Int) -> Float {
        guard let storage else { return 0 }
        return storage.base[k * stride + parameter.offset + entry]
    }
}
