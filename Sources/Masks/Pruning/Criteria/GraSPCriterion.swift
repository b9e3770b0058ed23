import Foundation
import Options

/// `grasp`: Gradient Signal Preservation (Wang et al. 2020). With g = ∂L/∂w and H the Hessian of
/// L over the masked tensors, both at temperature T (logits / T; their code: T = 200),
/// Wang et al. score S = −w ⊙ (H g) and remove the weights with the *largest* S (their removal
/// reduces the gradient flow gᵀg least, or raises it). As a keep-score that is
/// s = −S = w ⊙ (H g): the largest s are kept.
///
/// g is the mean gradient over the criterion batches at m ⊙ w; H g by central differences of
/// gradients, Hg ≈ (∇L(w + εg) − ∇L(w − εg)) / (2ε) with ε = 0.01·‖w‖/‖g‖ (a step of 1% of
/// the weights' norm along g; error O(ε²), checked against a dense Hessian in the tests).
/// Cost: three forward/backward passes per batch.
public struct GraSPCriterion: PruningCriterion {
    public let name = "grasp"
    public let temperature: Float

    public init(temperature: Double = 200) { self.temperature = Float(temperature) }

    public func scores(_ context: ScoringContext) throws(PruningError) -> [[Float]] {
        let w = context.parameters.indices.map(context.maskedWeights)
        let g = try context.meanGradient(name, temperature: temperature)
        let gNorm = g.joined().reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        guard gNorm > 0 else { return w.map { $0.map { _ in 0 } } }
        let wNorm = w.joined().reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        let eps = 0.01 * max(wNorm, 1e-3) / gNorm
        func shifted(_ sign: Double) -> [[Float]] {
            zip(w, g).map { wi, gi in zip(wi, gi).map { Float(Double($0) + sign * eps * Double($1)) } }
        }
        let plus = try context.meanGradient(name, at: shifted(1), temperature: temperature)
        let minus = try context.meanGradient(name, at: shifted(-1), temperature: temperature)
        return w.indices.map { i in
            w[i].indices.map { j in Float(Double(w[i][j]) * (Double(plus[i][j]) - Double(minus[i][j])) / (2 * eps)) }
        }
    }

    public static let entry = CriterionEntry(name: "grasp", summary: "w ⊙ Hg kept largest, i.e. Wang et al.'s −w ⊙ Hg removed largest (Wang et al. 2020)") { c in
        GraSPCriterion(temperature: c.graspTemperature)
    }

    /// GraSP's options, keys relative to "pruning".
    public static var options: [ConfigOption<PruningConfig>] { [
        .value("graspTemperature", \.graspTemperature, flag: "grasp-temperature", .double, .above(0),
               help: "GraSP: temperature T dividing the logits (Wang et al.'s code: 200)."),
    ] }
}
