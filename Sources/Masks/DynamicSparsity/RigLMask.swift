/// `rigl` (Evci et al. 2020, Rigging the Lottery): every ΔT steps until T_end drop the fraction
/// f(s) = α/2 · (1 + cos(π s / T_end)) of each tensor's active weights with the smallest |W|
/// and regrow as many where the dense gradient |∂L/∂W| of that step is largest among the
/// inactive positions; new weights at 0 with zero optimiser state. The dense gradient is read
/// only on update steps (it is what the backward pass computes anyway; the hook masks it
/// afterwards). A `DynamicSparseMask` with gradient regrowth; options under `dst` (see `set`).
public enum RigLMask {
    public static let entry = MaskSamplerEntry(name: "rigl", summary: "dynamic sparse (RigL): drop the smallest |w|, regrow where the dense |gradient| is largest (cosine-annealed drop fraction)",
                                               reads: ["keep", "target", "exclude", "dst"]) { c throws(MaskError) in
        try DynamicSparseMask(config: c, name: "rigl", regrowth: .gradient)
    }
}
