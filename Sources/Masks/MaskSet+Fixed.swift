import Layers

extension MaskSet {
    /// Recounts the kept (nonzero) multipliers of every parameter; for fixed masks Σp = kept.
    public func countKept() {
        for i in parameters.indices {
            var k = 0
            for x in multipliers(i).buffer where x != 0 { k += 1 }
            keptCounts[i] = k
            expectedKeptCounts[i] = Double(k)
        }
    }

    /// The state of a fixed mask: its multipliers.
    public func fixedState() -> [HookState] { [HookState(name: "mask", .floats(multipliers.tensor(.init(count)).toArray()))] }

    /// Restores a fixed mask saved by `fixedState`.
    public func restoreFixed(_ state: [HookState]) throws(MaskError) {
        multipliers.tensor(.init(count)).copy(from: try state.floats("mask", count: count))
        countKept()
    }
}
