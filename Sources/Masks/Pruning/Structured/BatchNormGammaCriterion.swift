/// Liu et al. (2017, "Learning Efficient Convolutional Networks through Network Slimming"): the
/// magnitude |γ_c| of the BatchNorm scale that follows the layer. (The paper trains with an L1
/// penalty on γ first; this criterion only ranks by |γ| of the weights it is given.) Needs a
/// BatchNorm after the producer: ResNets' bn1, VGG, an MLP with --batch-norm.
public struct BatchNormGammaCriterion: StructuredCriterion {
    public let name = "bn-gamma"

    public init() {}

    public func scores(_ group: ChannelGroup) throws(PruningError) -> [Float] {
        guard let norm = group.norm else {
            throw .needs(criterion: name, what: "a BatchNorm after \(group.name)",
                         hint: "this model has none there; use l1-filter, or a model with BatchNorm (resnet18/34, vgg, mlp --batch-norm)")
        }
        let g = norm.scale.value
        return (0..<group.width).map { abs(g[$0]) }
    }

    public static let entry = StructuredCriterionEntry(
        name: "bn-gamma", summary: "|γ| of the BatchNorm after each channel (Liu et al. 2017, network slimming)") { BatchNormGammaCriterion() }
}
