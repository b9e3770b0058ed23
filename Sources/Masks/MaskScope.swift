import Layers

/// Parameters a mask may exclude from the default scope.
public enum MaskExclusion: String, Codable, Sendable, CaseIterable {
    /// The first weight tensor in declaration order (the first convolution or linear layer).
    case first
    /// Every weight whose name contains `shortcut` (ResNet projection shortcuts).
    case shortcut
    /// The last weight tensor in declaration order (the output layer).
    case last
}

/// Which parameters are masked: every convolution and linear weight (role `.weight`; biases and
/// BatchNorm stay dense), minus the exclusions. The seed's code excludes all three.
public struct MaskScope: Sendable, Equatable {
    public var exclude: Set<MaskExclusion>

    public init(exclude: Set<MaskExclusion> = []) { self.exclude = exclude }

    /// The masked parameters of `store`, in declaration order.
    public func select(from store: ParameterStore) -> [Parameter] {
        let weights = store.parameters.filter { $0.role == .weight }
        guard let firstWeight = weights.first, let lastWeight = weights.last else { return [] }
        return weights.filter { p in
            if exclude.contains(.first) && p === firstWeight { return false }
            if exclude.contains(.last) && p === lastWeight { return false }
            if exclude.contains(.shortcut) && p.name.contains("shortcut") { return false }
            return true
        }
    }
}
