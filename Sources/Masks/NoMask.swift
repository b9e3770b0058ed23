import Layers

/// `none`: the baseline; no parameter is masked.
public final class NoMask: MaskSampler {
    public let name = "none"
    public let kind = MaskKind.none
    public init() {}
    public func start(_ context: MaskContext, masks: MaskSet, restored: [HookState]?) throws(MaskError) {}

    public static let entry = MaskSamplerEntry(name: "none", summary: "no mask (the baseline)") { _ throws(MaskError) in NoMask() }
}
