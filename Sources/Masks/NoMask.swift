import Layers

/// `none`: the baseline; no parameter is masked.
public final class NoMask: MaskSampler {
    public let name = "none"
    public init() {}
    /// The hook masks nothing, so no step point of this sampler is ever called.
    public var masksParameters: Bool { false }
    public func start(_ run: MaskRun, restored: [HookState]?) throws(MaskError) {}

    public static let entry = MaskSamplerEntry(name: "none", summary: "no mask (the baseline)", reads: []) { _ throws(MaskError) in NoMask() }
}
