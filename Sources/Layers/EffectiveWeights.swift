import TensorCore

/// Tensors that a pass reads in place of some parameters' values, for the length of one
/// `Network.withEffectiveWeights` scope: how a mask (m ⊙ W), an expected mask (p ⊙ W) or the
/// importance solver's shifted weights (x − γ·w⊙g) enter a forward and backward pass without
/// writing the weights.
///
/// Outside every scope each parameter's `effective` is its `value`, so a pass that no scope
/// brackets (an evaluation from a callback, say) reads the weights as trained, never a stale
/// masked copy. Building one allocates; make it once (e.g. at run start) and reuse it.
public struct EffectiveWeights {
    /// Each parameter with the tensor its `effective` points at inside the scope (same shape).
    public private(set) var substitutes: [(parameter: Parameter, weights: Tensor)] = []

    /// No substitutes: a scope that changes nothing.
    public static var none: EffectiveWeights { EffectiveWeights() }

    public init() {}

    /// `weights[i]` in place of `parameters[i]`'s value (same shapes, distinct parameters).
    public init(_ parameters: [Parameter], _ weights: [Tensor]) {
        precondition(parameters.count == weights.count, "effective weights: \(parameters.count) parameters, \(weights.count) tensors")
        for (p, w) in zip(parameters, weights) { add(w, for: p) }
    }

    public var isEmpty: Bool { substitutes.isEmpty }

    /// Adds `weights` in place of `parameter`'s value.
    public mutating func add(_ weights: Tensor, for parameter: Parameter) {
        precondition(weights.shape == parameter.shape, "effective weights for \(parameter.name): \(weights.shape), the parameter is \(parameter.shape)")
        precondition(!substitutes.contains { $0.parameter === parameter }, "effective weights: \(parameter.name) given twice")
        substitutes.append((parameter, weights))
    }

    /// Adds every substitute of `other` (its parameters must not be here already).
    public mutating func add(_ other: EffectiveWeights) {
        for s in other.substitutes { add(s.weights, for: s.parameter) }
    }
}

extension Network {
    /// Runs `body` with the forward and backward passes reading `weights` in place of the listed
    /// parameters' values, and points every one back at its value on the way out (also when
    /// `body` throws). Scopes do not nest on the same parameter: a parameter must read its value
    /// on entry. This is the only way `Parameter.effective` changes.
    public func withEffectiveWeights<R, E: Error>(_ weights: EffectiveWeights, _ body: () throws(E) -> R) throws(E) -> R {
        for (p, w) in weights.substitutes {
            precondition(p.effective.pointer == p.value.pointer, "\(p.name) already reads substitute weights (nested scopes)")
            p.effective = w
        }
        defer { for (p, _) in weights.substitutes { p.effective = p.value } }
        return try body()
    }
}
