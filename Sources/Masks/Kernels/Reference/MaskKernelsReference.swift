/// Plain twins of `MaskKernels` over arrays, for tests.
public enum MaskKernelsReference {
    public static func multiply(_ a: [Float], _ b: [Float]) -> [Float] { zip(a, b).map { $0 * $1 } }

    /// Bernoulli masks from a list of uniforms (one per entry, in order).
    public static func bernoulli(keep p: [Float], inverted: Bool, uniforms: [Double]) -> [Float] {
        p.indices.map { Float(uniforms[$0]) < p[$0] ? (inverted ? 1 / p[$0] : 1) : 0 }
    }

    /// Systematic sampling by looking for a point u + j (j = 0…k) inside each entry's interval
    /// (C_{i−1}, C_i] of the cumulative sum rescaled to end at k.
    public static func systematic(keep p: [Float], total k: Int, offset u: Double, inverted: Bool) -> [Float] {
        let sum = p.reduce(0.0) { $0 + Double($1) }
        var edges = [0.0]
        for x in p { edges.append(edges.last! + Double(x) * Double(k) / sum) }
        edges[edges.count - 1] = Double(k)
        return p.indices.map { i in
            let hit = (0...k).contains { j in
                let t = u + Double(j)
                return t > edges[i] && t <= edges[i + 1]
            }
            return hit ? (inverted ? 1 / p[i] : 1) : 0
        }
    }
}
