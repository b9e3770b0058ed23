/// Per-tensor densities of a sparse mask that together keep a target share of the masked
/// weights: uniform, or Erdős–Rényi-Kernel as in RigL (Evci et al. 2020, `sparse_utils.py`).
///
/// Each tensor i with nᵢ entries gets density dᵢ = ε·rᵢ, with rᵢ = 1 (uniform) or
/// rᵢ = Σ dims / Π dims (ERK: (n_out + n_in + k_h + k_w)/(n_out·n_in·k_h·k_w) for a convolution,
/// (n_out + n_in)/(n_out·n_in) for a linear layer), and ε solving Σ dᵢ nᵢ = D·N over the tensors
/// that are not dense:
///
///     ε = (D·Σ_{sparse} nᵢ − (1 − D)·Σ_{dense} nᵢ) / Σ_{sparse} rᵢ nᵢ
///
/// When the largest ε·rᵢ exceeds 1, the tensors with the largest rᵢ become dense and ε is solved
/// again (RigL's loop); a dense tensor pays for itself out of the others' budget. `denseFirst`
/// puts tensor 0 in the dense set from the start. The result averages to D exactly (before the
/// counts are rounded).
public enum LayerDensities {
    /// The densities for tensors of `shapes` at target density `target` in (0, 1].
    public static func densities(shapes: [[Int]], target: Double, rule: LayerDensity, denseFirst: Bool) throws(MaskError) -> [Double] {
        precondition(target > 0 && target <= 1, "target density \(target) outside (0, 1]")
        let sizes = shapes.map { Double($0.reduce(1, *)) }
        let raw = shapes.map { s -> Double in
            switch rule {
            case .uniform: return 1
            case .erk: return Double(s.reduce(0, +)) / Double(s.reduce(1, *))
            }
        }
        var dense = Set<Int>(denseFirst && !shapes.isEmpty ? [0] : [])
        while true {
            let sparse = shapes.indices.filter { !dense.contains($0) }
            guard !sparse.isEmpty else {
                if target < 1 { throw .invalidOption("a density of \(target) cannot keep the only masked tensor dense (drop --dst-dense-first)") }
                return shapes.map { _ in 1 }
            }
            let budget = target * sparse.reduce(0) { $0 + sizes[$1] } - (1 - target) * dense.reduce(0) { $0 + sizes[$1] }
            let divisor = sparse.reduce(0) { $0 + raw[$1] * sizes[$1] }
            let eps = budget / divisor
            guard eps > 0 else {
                throw .invalidOption("a density of \(target) over the masked weights cannot keep the first layer (\(Int(sizes[0])) weights) dense: that alone is \(sizes[0] / sizes.reduce(0, +)) of them (raise --keep or drop --dst-dense-first)")
            }
            let largest = sparse.map { raw[$0] }.max() ?? 0
            if largest * eps > 1 {
                for i in sparse where raw[i] == largest { dense.insert(i) }
            } else {
                return shapes.indices.map { dense.contains($0) ? 1 : eps * raw[$0] }
            }
        }
    }

    /// The kept counts round(dᵢ·nᵢ); a tensor left with none is refused, naming it.
    public static func counts(densities: [Double], sizes: [Int], names: [String]) throws(MaskError) -> [Int] {
        var out: [Int] = []
        for i in sizes.indices {
            let k = Int((densities[i] * Double(sizes[i])).rounded())
            guard k >= 1 else {
                throw .invalidOption("density \(densities[i]) leaves \(names[i]) (\(sizes[i]) weights) with no active weight (raise --keep or use --dst-density uniform)")
            }
            out.append(min(k, sizes[i]))
        }
        return out
    }
}
