import TensorCore
import Stats

/// The hot loops of masking, over unsafe buffers, allocating nothing. Elementwise kernels run
/// in parallel chunks (independent entries, so results do not depend on the thread count); the
/// samplers run in index order on one stream (deterministic). `MaskKernelsReference` holds the
/// plain twins the tests compare against.
public enum MaskKernels {
    /// c_i = a_i · b_i (e.g. effective = multipliers ⊙ W).
    public static func multiply(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>, count n: Int) {
        let box = UncheckedSendable((a, b, c))
        Parallel.forEachChunk(n) { _, r in
            let (a, b, c) = box.value
            for i in r { c[i] = a[i] * b[i] }
        }
    }

    /// x_i ⊙= m_i in place (gradients ⊙= multipliers; pruning W ⊙= m).
    public static func multiplyInPlace(_ x: UnsafeMutablePointer<Float>, by m: UnsafePointer<Float>, count n: Int) {
        let box = UncheckedSendable((x, m))
        Parallel.forEachChunk(n) { _, r in
            let (x, m) = box.value
            for i in r { x[i] *= m[i] }
        }
    }

    /// out_i = 1 (or 1/p_i when `inverted`) with probability p_i, else 0; one uniform per entry
    /// from `random`, in index order. Returns the number kept.
    public static func bernoulli(keepProbabilities p: UnsafePointer<Float>, inverted: Bool, random: RandomStream,
                                 into out: UnsafeMutablePointer<Float>, count n: Int) -> Int {
        var kept = 0
        for i in 0..<n {
            let u = Float(random.uniform())
            if u < p[i] {
                out[i] = inverted ? 1 / p[i] : 1
                kept += 1
            } else {
                out[i] = 0
            }
        }
        return kept
    }

    /// Systematic sampling: entry i is kept when an integer lies in (C_{i−1} − u, C_i − u], where
    /// C is the cumulative sum of p rescaled to end at `k` and u ∈ [0, 1) is one uniform. Exactly
    /// `k` entries are kept (an entry's interval is at most one long) with P(kept) = p_i·k/Σp.
    /// With `order`, the cumulative sum runs over the entries in that order (a permutation of
    /// `0..<n`) instead of index order. Returns the number kept.
    public static func systematic(keepProbabilities p: UnsafePointer<Float>, total k: Int, offset u: Double,
                                  order: UnsafePointer<Int32>? = nil, inverted: Bool,
                                  into out: UnsafeMutablePointer<Float>, count n: Int) -> Int {
        var sum = 0.0
        for i in 0..<n { sum += Double(p[i]) }
        guard sum > 0 else {
            out.update(repeating: 0, count: n)
            return 0
        }
        let scale = Double(k) / sum
        var cumulative = 0.0
        var previous = (0 - u).rounded(.down)
        var kept = 0
        for j in 0..<n {
            let i = order.map { Int($0[j]) } ?? j
            cumulative = j == n - 1 ? Double(k) : cumulative + Double(p[i]) * scale
            let current = (cumulative - u).rounded(.down)
            if current > previous {
                out[i] = inverted ? 1 / p[i] : 1
                kept += 1
            } else {
                out[i] = 0
            }
            previous = current
        }
        return kept
    }

    /// `order[0..<n]` = a uniformly random permutation of `0..<n` (Fisher–Yates from the identity,
    /// n − 1 draws from `random`, from the last entry down: `RandomStream.shuffle`), so the
    /// result depends only on the stream's state.
    public static func shuffle(_ order: UnsafeMutablePointer<Int32>, count n: Int, random: RandomStream) {
        for i in 0..<n { order[i] = Int32(i) }
        random.shuffle(UnsafeMutableBufferPointer(start: order, count: n))
    }

    /// Moves a uniformly random `k`-subset of `buffer` to its first `k` slots, in draw order: a
    /// partial Fisher–Yates shuffle, slot j (j = 0..<k) taking the entry at
    /// j + `random.integer(below: n − j)`, k draws. The first k of a longer shuffle on the same
    /// stream state are the same k: the one draw of `--mask random`, the lottery's random
    /// control, the dynamic sparse masks' start and SET's regrowth.
    public static func partialShuffle<T>(_ buffer: UnsafeMutableBufferPointer<T>, first k: Int, random: RandomStream) {
        precondition(k >= 0 && k <= buffer.count, "partial shuffle: \(k) of \(buffer.count)")
        let n = buffer.count
        for j in 0..<k { buffer.swapAt(j, j + random.integer(below: n - j)) }
    }

    /// effective_i = W_i (inverted) or p_i · W_i (no scaling): the expected training-time weights.
    public static func expected(weights w: UnsafePointer<Float>, keepProbabilities p: UnsafePointer<Float>, inverted: Bool,
                                into out: UnsafeMutablePointer<Float>, count n: Int) {
        if inverted {
            out.update(from: w, count: n)
        } else {
            multiply(p, w, into: out, count: n)
        }
    }
}
