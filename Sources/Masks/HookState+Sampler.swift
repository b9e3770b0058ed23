import Layers

/// How samplers read their saved state (`MaskSampler.state(_:)`, restored by the hook).
extension Array where Element == HookState {
    /// The floats saved as `name`, checked to have `count` entries.
    public func floats(_ name: String, count: Int) throws(MaskError) -> [Float] {
        guard let s = first(where: { $0.name == name }), case let .floats(v) = s.payload else {
            throw .state("'\(name)' is missing")
        }
        guard v.count == count else { throw .state("'\(name)' has \(v.count) entries, the masked tensors have \(count)") }
        return v
    }

    /// The integers saved as `name`.
    public func integers(_ name: String) throws(MaskError) -> [Int64] {
        guard let s = first(where: { $0.name == name }), case let .integers(v) = s.payload else {
            throw .state("'\(name)' is missing")
        }
        return v
    }
}
