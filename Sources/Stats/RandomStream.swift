import CGSL

/// One seeded random-number stream on GSL's MT19937 generator.
///
/// Each purpose in a run (initialisation, data order, augmentation, masks, …) has its own stream,
/// derived from the run seed by `RandomStreams`, so changing how one purpose draws numbers
/// never disturbs another. A stream is used by one thread at a time.
public final class RandomStream: @unchecked Sendable {
    private let rng: UnsafeMutablePointer<gsl_rng>
    /// The 64-bit seed this stream was created from (MT19937 uses its low 32 bits of the folded seed).
    public let seed: UInt64

    /// A stream seeded with `seed`.
    public init(seed: UInt64) {
        gsl_set_error_handler_off()
        guard let r = gsl_rng_alloc(masklab_rng_mt19937()) else { fatalError("gsl_rng_alloc failed (out of memory)") }
        rng = r
        self.seed = seed
        reseed(seed)
    }

    /// Restarts the generator in place as if newly created with `seed` (no allocation), so a hot
    /// loop can reuse one generator for streams derived per batch.
    public func reseed(_ seed: UInt64) {
        // MT19937 takes a 32-bit seed; fold the high half in so derived seeds stay distinct.
        gsl_rng_set(rng, UInt((seed ^ (seed >> 32)) & 0xffff_ffff))
    }

    deinit { gsl_rng_free(rng) }

    /// Uniform on [0, 1).
    @inlinable public func uniform() -> Double { uniformRaw() }
    @usableFromInline func uniformRaw() -> Double { gsl_rng_uniform(rng) }

    /// Uniform on [lo, hi).
    public func uniform(_ lo: Float, _ hi: Float) -> Float {
        lo + (hi - lo) * Float(gsl_rng_uniform(rng))
    }

    /// Uniform integer in `0..<n` (n ≥ 1), without modulo bias.
    public func integer(below n: Int) -> Int {
        precondition(n >= 1 && n <= Int(UInt32.max), "integer(below: \(n)) out of range")
        return Int(gsl_rng_uniform_int(rng, UInt(n)))
    }

    /// True with probability `p`.
    public func bernoulli(_ p: Double) -> Bool { gsl_ran_bernoulli(rng, p) == 1 }

    /// Normal with mean 0 and standard deviation `sigma`.
    public func gaussian(sigma: Double = 1) -> Double { gsl_ran_gaussian_ziggurat(rng, sigma) }

    /// Shuffles `indices` in place (Fisher–Yates, drawing `integer(below:)` from the last entry down).
    public func shuffle(_ indices: UnsafeMutableBufferPointer<Int32>) {
        var i = indices.count - 1
        while i > 0 {
            let j = integer(below: i + 1)
            indices.swapAt(i, j)
            i -= 1
        }
    }

    /// A random permutation of `0..<n`.
    public func permutation(_ n: Int) -> [Int32] {
        var p = (0..<n).map { Int32($0) }
        p.withUnsafeMutableBufferPointer { shuffle($0) }
        return p
    }

    /// The generator's full internal state, for checkpoints.
    public var state: [UInt8] {
        let size = gsl_rng_size(rng)
        let raw = gsl_rng_state(rng)!
        return Array(UnsafeRawBufferPointer(start: raw, count: size))
    }

    /// Restores a state taken from `state` of a stream of the same generator type.
    public func restore(state bytes: [UInt8]) throws(RandomStreamError) {
        let size = gsl_rng_size(rng)
        guard bytes.count == size else { throw .stateSize(expected: size, got: bytes.count) }
        // GSL's MT19937 state is `{ unsigned long mt[624]; int mti; }`; it indexes mt[mti]
        // unchecked, so a corrupt position would read outside the state.
        let words = 624, position = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: words * MemoryLayout<UInt>.size, as: Int32.self) }
        guard (0...Int32(words)).contains(position) else { throw .statePosition(expected: 0...words, got: Int(position)) }
        let raw = gsl_rng_state(rng)!
        bytes.withUnsafeBytes { raw.copyMemory(from: $0.baseAddress!, byteCount: size) }
    }
}

/// Errors from restoring a random stream.
public enum RandomStreamError: Error, Equatable, CustomStringConvertible {
    case stateSize(expected: Int, got: Int)
    case statePosition(expected: ClosedRange<Int>, got: Int)
    public var description: String {
        switch self {
        case let .stateSize(e, g): return "random stream state has \(g) bytes, expected \(e) (MT19937)"
        case let .statePosition(e, g): return "random stream state holds position \(g), expected \(e.lowerBound)...\(e.upperBound) (MT19937)"
        }
    }
}
