/// `set` (Mocanu et al. 2018, Sparse Evolutionary Training): every ΔT steps drop the fraction ζ
/// of each tensor's active weights with the smallest |W| and regrow as many uniformly at random
/// among the inactive positions (the mask stream), new weights at 0 with zero optimiser state.
/// A `DynamicSparseMask` with random regrowth; its options (`dst`) are declared on this line of
/// the registry and shared with `rigl`.
public enum SETMask {
    public static let entry = MaskSamplerEntry(name: "set", summary: "dynamic sparse (SET): every ΔT steps drop the smallest |w|, regrow as many at random",
                                               reads: ["keep", "target", "exclude", "dst"]) { c throws(MaskError) in
        try DynamicSparseMask(config: c, name: "set", regrowth: .random)
    }
}
