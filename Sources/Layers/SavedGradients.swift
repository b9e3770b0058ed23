import TensorCore

/// A copy of every gradient of a `ParameterStore`, so that extra forward/backward passes (the
/// importance solver's, a pruning criterion's) leave the gradients a training step has
/// accumulated as they were: `save()` before the passes, `restore()` after, bit for bit.
///
/// The copy is one allocation of the store's size, made once in `init`; saving and restoring
/// allocate nothing, so a solver that refreshes every few steps can hold one for the whole run.
public final class SavedGradients {
    public let store: ParameterStore
    private let copy: TensorStorage

    public init(_ store: ParameterStore) {
        self.store = store
        copy = TensorStorage(count: store.count)
    }

    /// Copies the store's gradients aside.
    public func save() {
        copy.base.update(from: store.grads.base, count: store.count)
    }

    /// Writes the copy back into the store's gradients.
    public func restore() {
        store.grads.base.update(from: copy.base, count: store.count)
    }

    /// Runs `body` between `save()` and `restore()` (restored also when `body` throws).
    public func preserving<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        save()
        defer { restore() }
        return try body()
    }
}
