import Stats

/// Plain twins of `MaskKernels` over arrays, for tests.
public enum MaskKernelsReference {
    public static func multiply(_ a: [Float], _ b: [Float]) -> [Float] { zip(a, b).map { $0 * $1 } }

    /// Bernoulli masks from a list of uniforms (one per entry, in order).
    public static func bernoulli(keepProbabilities p: [Float], inverted: Bool, uniforms: [Double]) -> [Float] {
        p.indices.map { Float(uniforms[$0]) < p[$0] ? (inverted ? 1 / p[$0] : 1) : 0 }
    }

    /// Systematic sampling by looking for a point u + j (j = 0…k) inside each entry's interval
    /// (C_{i−1}, C_i] of the cumulative sum rescaled to end at k, the sum running over `order`.
    public static func systematic(keepProbabilities p: [Float], total k: Int, offset u: Double, order: [Int]? = nil,
                                  inverted: Bool) -> [Float] {
        let order = order ?? Array(p.indices)
        let sum = p.reduce(0.0) { $0 + Double($1) }
        var edges = [0.0]
        for i in order { edges.append(edges.last! + Double(p[i]) * Double(k) / sum) }
        edges[edges.count - 1] = Double(k)
        var out = [Float](repeating: 0, count: p.count)
        for (position, i) in order.enumerated() {
            let hit = (0...k).contains { j in
                let t = u + Double(j)
                return t > edges[position] && t <= edges[position + 1]
            }
            out[i] = hit ? (inverted ? 1 / p[i] : 1) : 0
        }
        return out
    }

    /// The first `k` of a partial Fisher–Yates shuffle of `0..<n` with the same draws as
    /// `MaskKernels.partialShuffle`: each step draws among the entries not yet taken.
    public static func partialShuffle(count n: Int, first k: Int, random: RandomStream) -> [Int] {
        var rest = Array(0..<n), taken: [Int] = []
        for _ in 0..<k {
            let r = random.integer(below: rest.count)
            taken.append(rest[r])
            rest[r] = rest[0]
            rest.removeFirst()
        }
        return taken
    }

    /// Fisher–Yates from the identity with the same draws as `MaskKernels.shuffle`.
    public static func shuffle(count n: Int, random: RandomStream) -> [Int] {
        var order = Array(0..<n)
        var j = n - 1
        while j > 0 {
            order.swapAt(j, random.integer(below: j + 1))
            j -= 1
        }
        return order
    }
}
